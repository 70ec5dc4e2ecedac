/**
 * The naive alternative to the factored operator, for the growth benchmark: materialise the full map
 * S [|M1|, |M2|] (a sum of R⁴ Kronecker products) and apply it as one GEMM. Only feasible for tiny dims.
 */
import * as E from '../../engine/index.ts';
import type { Tensor } from '../../engine/index.ts';
import type { MangoOperator } from '../../growth/mango.ts';

function kron(a: Tensor, b: Tensor): Tensor {
  const [p, q] = a.shape, [r, s] = b.shape;
  return a.reshape([p, 1, q, 1]).mul(b.reshape([1, r, 1, s])).reshape([p * r, q * s]);
}

export function denseMap(op: MangoOperator): Tensor {
  const { B, I1, O1, L1, I2, O2, L2, R } = op.dims;
  const slice = (core: Tensor, a: number, b: number, rows: number, cols: number) => core.slice([a, 0, 0, b], [a + 1, rows, cols, b + 1]).reshape([rows, cols]);
  let s: Tensor | undefined;
  for (let a = 0; a < R; a++) for (let b = 0; b < R; b++) for (let c = 0; c < R; c++) for (let d = 0; d < R; d++) {
    const term = kron(kron(kron(slice(op.SB, a, b, B, B), slice(op.SI, b, c, I1, I2)), slice(op.SO, c, d, O1, O2)), slice(op.SL, d, a, L1, L2));
    s = s ? s.add(term) : term;
  }
  return s!;
}

export function denseApply(s: Tensor, m1: Tensor): Tensor {
  return m1.reshape([1, -1]).matmul(s);
}
