/**
 * The `subgroup` matmul design, shaped for adapters that run a subgroup as one SIMD instruction stream
 * (llvmpipe: 8 lanes per f32 vector, bench/NOTES.md). There every storage load with a per-lane offset
 * becomes a per-lane gather, while a subgroup broadcast is one or two instructions. So each lane loads a
 * vec4 of A for a *different* row, and the subgroup shares those values by broadcast; each lane loads its
 * own vec4s of B along N. A subgroup owns `perThreadM` rows × `threadsX · perThreadN` columns; its lane l
 * keeps all those rows for columns 4l + 4·S·j (j < perThreadN / 4) in vec4 accumulators.
 *
 * A is read four at a time along K (`k`: A k-contiguous) or along M (`m`: A m-contiguous); B four at a
 * time along N. Every output still sums fma(A(i, k), B(k, j), acc) for k = 0, 1, … in order, so results
 * are bit-identical to the other designs. Shapes that do not fit the tile clamp their loads into range and
 * guard their stores (no early return: broadcasts need the whole subgroup).
 */
import type { MatmulConfig, MatmulProblem } from './matmul.ts';

export type SubgroupRead = 'k' | 'm';

const lanes = ['x', 'y', 'z', 'w'];

/** How the design can read this problem's A with this configuration, or undefined when it cannot run it. */
export function subgroupRead(c: MatmulConfig, p: MatmulProblem): SubgroupRead | undefined {
  const aligned = (...values: number[]) => values.every((x) => x % 4 === 0);
  const batchAligned = (strides: number[]) => strides.every((s, d) => p.batchShape[d] === 1 || s % 4 === 0);
  const lanesOk = c.perThreadN % 4 === 0 && c.perThreadM % c.threadsX === 0;
  const bOk = p.bCol === 1 && aligned(p.N, p.bRow, p.bOffset) && batchAligned(p.bBatchStrides);
  if (!lanesOk || !bOk || !aligned(p.aOffset) || !batchAligned(p.aBatchStrides)) return undefined;
  if (p.aCol === 1 && aligned(p.K, p.aRow)) return 'k';
  if (p.aRow === 1 && aligned(p.M, p.aCol) && c.perThreadM % (4 * c.threadsX) === 0) return 'm';
  return undefined;
}

function lines(count: number, body: (i: number) => string): string {
  return Array.from({ length: count }, (_, i) => body(i)).join('\n    ');
}

/** WGSL of the design; `header` declares Params, A and B as vec4 arrays, C, Bias and the batch offsets. */
export function subgroupKernel(c: MatmulConfig, read: SubgroupRead, header: string): string {
  const S = c.threadsX;
  const rows = c.perThreadM;
  const vecs = c.perThreadN / 4;
  const tileM = c.threadsY * rows;
  const tileN = S * c.perThreadN;
  const clampRow = (e: string, last: string) => (c.fits ? `(${e})` : `min(${e}, ${last})`);
  // A loads per step: 'k' — lane l holds rows l + S·g, k..k+3; 'm' — lane l holds rows 4l + 4S·g .. +3 at k.
  const groups = read === 'k' ? rows / S : rows / (4 * S);
  const aIndex = read === 'k'
    ? lines(groups, (g) => `let aAt${g} = aBase + ${clampRow(`row0 + lane + ${S * g}u`, 'p.M - 1u')} * (p.aRow / 4u);`)
    : lines(groups, (g) => `let aAt${g} = aBase + ${clampRow(`row0 / 4u + lane + ${S * g}u`, 'p.M / 4u - 1u')};`);
  const bIndex = lines(vecs, (j) => `let bAt${j} = bBase + ${clampRow(`(col0 + ${4 * S * j}u) / 4u`, 'p.N / 4u - 1u')};`);
  const fmaRow = (i: number, value: string, kk: number) =>
    `{ let a = vec4f(subgroupBroadcast(${value}, ${read === 'k' ? i % S : Math.floor((i % (4 * S)) / 4)}u)); ${lines(vecs, (j) => `acc${i}_${j} = fma(a, b${kk}_${j}, acc${i}_${j});`)} }`;
  const loop = read === 'k'
    ? `for (var kq = 0u; kq < p.K / 4u; kq++) {
    ${lines(groups, (g) => `let av${g} = A[aAt${g} + kq];`)}
    ${lines(4, (kk) => `${lines(vecs, (j) => `let b${kk}_${j} = B[bAt${j} + (kq * 4u + ${kk}u) * (p.bRow / 4u)];`)}
    ${lines(rows, (i) => fmaRow(i, `av${Math.floor(i / S)}.${lanes[kk]}`, kk))}`)}
  }`
    : `for (var k = 0u; k < p.K; k++) {
    ${lines(groups, (g) => `let av${g} = A[aAt${g} + k * (p.aCol / 4u)];`)}
    ${lines(vecs, (j) => `let b0_${j} = B[bAt${j} + k * (p.bRow / 4u)];`)}
    ${lines(rows, (i) => fmaRow(i, `av${Math.floor(i / (4 * S))}.${lanes[i % 4]}`, 0))}
  }`;
  const stores: string[] = [];
  if (c.bias) {
    for (let j = 0; j < vecs; j++) {
      const col = `col0 + ${4 * S * j}u`;
      const value = `vec4f(Bias[${col}], Bias[${col} + 1u], Bias[${col} + 2u], Bias[${col} + 3u])`;
      stores.push(c.fits ? `let bias${j} = ${value};` : `var bias${j} = vec4f(0.0); if (${col} < p.N) { bias${j} = ${value}; }`);
    }
  }
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < vecs; j++) {
      const col = `col0 + ${4 * S * j}u`;
      const value = `acc${i}_${j}${c.bias ? ` + bias${j}` : ''}`;
      const store = `{ let v = ${value}; let at = cBase + (row0 + ${i}u) * p.N + ${col}; C[at] = v.x; C[at + 1u] = v.y; C[at + 2u] = v.z; C[at + 3u] = v.w; }`;
      stores.push(c.fits ? store : `if (row0 + ${i}u < p.M && ${col} < p.N) ${store}`);
    }
  }
  return `enable subgroups;
${header}
@compute @workgroup_size(${S}, ${c.threadsY}) fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) local: vec3u) {
  let lane = local.x;
  let row0 = wid.y * ${tileM}u + local.y * ${rows}u;
  let col0 = wid.x * ${tileN}u + 4u * lane;
  let aBase = aBatchOffset(wid.z) / 4u;
  let bBase = bBatchOffset(wid.z) / 4u;
  let cBase = wid.z * p.M * p.N;
  ${lines(rows, (i) => lines(vecs, (j) => `var acc${i}_${j} = vec4f(0.0);`))}
  ${aIndex}
  ${bIndex}
  ${loop}
  ${stores.join('\n  ')}
}`;
}
