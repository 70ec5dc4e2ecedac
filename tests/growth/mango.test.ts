/**
 * The Mango operator on tiny dims against an independent dense reference (the full map S built
 * explicitly in float64): both contraction orders, the Kronecker form at rank 1, pack/unpack,
 * gauge invariance, core gradients vs finite differences, and the zero-noise gradient collapse.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import type { ViTConfig } from '../../models/config.ts';
import { ViT } from '../../models/vit.ts';
import { MangoOperator, contractionMacs } from '../../growth/mango.ts';
import { packLayers, unpackLayers } from '../../growth/pack.ts';
import { close } from '../helpers/check-op.ts';

const small: ViTConfig = { imageSize: 28, channels: 1, patchSize: 7, dim: 4, depth: 2, heads: 2, mlpRatio: 4, classes: 3, dropout: 0, dropPath: 0 };
const grown: ViTConfig = { ...small, dim: 6, depth: 3, heads: 3 };

/** M2 = Σ S[b1,i1,o1,l1,b2,i2,o2,l2]·M1, with S summed over the ring explicitly (float64). */
function denseApply(op: MangoOperator, m1: Float32Array): Float64Array {
  const { B, I1, O1, L1, I2, O2, L2, R } = op.dims;
  const [sb, si, so, sl] = [op.SB, op.SI, op.SO, op.SL].map((t) => t.dataSync());
  const at4 = (d1: number, d2: number, d3: number) => (a: number, x: number, y: number, b: number) => ((a * d1 + x) * d2 + y) * d3 + b;
  const [iB, iI, iO, iL] = [at4(B, B, R), at4(I1, I2, R), at4(O1, O2, R), at4(L1, L2, R)];
  const out = new Float64Array(B * I2 * O2 * L2);
  for (let b2 = 0; b2 < B; b2++) for (let i2 = 0; i2 < I2; i2++) for (let o2 = 0; o2 < O2; o2++) for (let l2 = 0; l2 < L2; l2++) {
    let s = 0;
    for (let b1 = 0; b1 < B; b1++) for (let i1 = 0; i1 < I1; i1++) for (let o1 = 0; o1 < O1; o1++) for (let l1 = 0; l1 < L1; l1++) {
      const m = m1[((b1 * I1 + i1) * O1 + o1) * L1 + l1];
      if (m === 0) continue;
      let sEntry = 0;
      for (let a = 0; a < R; a++) for (let b = 0; b < R; b++) for (let c = 0; c < R; c++) for (let d = 0; d < R; d++) {
        sEntry += sb[iB(a, b1, b2, b)] * si[iI(b, i1, i2, c)] * so[iO(c, o1, o2, d)] * sl[iL(d, l1, l2, a)];
      }
      s += sEntry * m;
    }
    out[((b2 * I2 + i2) * O2 + o2) * L2 + l2] = s;
  }
  return out;
}

function randomOperator(rank: number, seed: number, noise = 0.3) {
  const op = new MangoOperator(small, grown, { rank, noise, random: new E.Random(seed) });
  // Perturb the main slots too, so nothing is a trivial identity.
  for (const core of [op.SB, op.SI, op.SO, op.SL]) core.assign(core.add(E.randn(core.shape, { std: 0.1, random: new E.Random(seed + 1) })).keep());
  return op;
}

const source = new ViT(small, { seed: 3 });
const m1 = packLayers(new Map(source.namedParameters()), small).keep();

test('pack then unpack is the identity on the block parameters', () => {
  const back = unpackLayers(m1, small);
  for (const [name, t] of source.namedParameters()) {
    if (!name.startsWith('blocks.') || name.includes('norm')) continue;
    close(back.get(name)!.dataSync(), t.dataSync(), 0, name);
  }
  assert.is(back.size, 8 * small.depth);
});

test('Order A and Order B both equal the dense map S (rank 2, depth and width growth)', () => {
  const op = randomOperator(2, 1);
  const dense = denseApply(op, m1.dataSync());
  for (const order of ['A', 'B'] as const) close(E.noGrad(() => op.contract(m1, order)).dataSync(), dense, 1e-5, `order ${order}`);
  assert.ok(contractionMacs(op.dims, 'A') > 0 && contractionMacs(op.dims, 'B') > 0);
});

test('rank 1: S is the Kronecker product S_B ⊗ S_I ⊗ S_O ⊗ S_L', () => {
  const op = randomOperator(1, 2);
  const { B, I1, O1, L1, I2, O2, L2 } = op.dims;
  const [sb, si, so, sl] = [op.SB, op.SI, op.SO, op.SL].map((t) => t.dataSync());
  const m = m1.dataSync();
  const kron = new Float64Array(B * I2 * O2 * L2);
  for (let r = 0; r < m.length; r++) {
    const [b1, i1, o1, l1] = [Math.floor(r / (I1 * O1 * L1)), Math.floor(r / (O1 * L1)) % I1, Math.floor(r / L1) % O1, r % L1];
    for (let c = 0; c < kron.length; c++) {
      const [b2, i2, o2, l2] = [Math.floor(c / (I2 * O2 * L2)), Math.floor(c / (O2 * L2)) % I2, Math.floor(c / L2) % O2, c % L2];
      kron[c] += sb[b1 * B + b2] * si[i1 * I2 + i2] * so[o1 * O2 + o2] * sl[l1 * L2 + l2] * m[r];
    }
  }
  close(E.noGrad(() => op.contract(m1)).dataSync(), kron, 1e-5, 'kronecker');
});

test('gauge invariance: G on the S_B–S_I bond and G⁻¹ on the other side leave M2 unchanged', () => {
  const op = randomOperator(2, 4);
  const before = E.noGrad(() => op.contract(m1)).dataSync();
  const g = E.tensor([[2, 1], [1, 1]]), gInverse = E.tensor([[1, -1], [-1, 2]]);
  E.noGrad(() => {
    op.SB.assign(op.SB.matmul(g).keep());                                                         // S_B[...,β]·G
    op.SI.assign(gInverse.matmul(op.SI.reshape([2, -1])).reshape(op.SI.shape).keep());           // G⁻¹·S_I[β,...]
  });
  close(E.noGrad(() => op.contract(m1)).dataSync(), before, 1e-5, 'after gauge');
});

test('core gradients match finite differences of the dense map (both orders)', () => {
  for (const order of ['A', 'B'] as const) {
    const op = randomOperator(2, 5);
    const weights = E.randn([op.dims.B, op.dims.I2, op.dims.O2, op.dims.L2], { random: new E.Random(9) });
    const w = weights.dataSync();
    op.contract(m1, order).mul(weights).sum().backward();
    for (const [name, core] of [['S_B', op.SB], ['S_I', op.SI], ['S_O', op.SO], ['S_L', op.SL]] as const) {
      const values = core.dataSync();
      const grad = core.grad!.dataSync();
      for (const index of [0, 7, Math.floor(values.length / 2), values.length - 1]) {
        const original = values[index];
        const loss = (delta: number) => {
          core.assign(E.fromArray(Float32Array.from(values, (v, i) => (i === index ? original + delta : v)), core.shape).keep());
          return denseApply(op, m1.dataSync()).reduce((s, v, i) => s + v * w[i], 0);
        };
        const h = 1e-2;
        const numeric = (loss(h) - loss(-h)) / (2 * h);
        core.assign(E.fromArray(values, core.shape).keep());
        assert.ok(Math.abs(grad[index] - numeric) <= 1e-3 * (1 + Math.abs(numeric)), `order ${order} ${name}[${index}]: ${grad[index]} vs ${numeric}`);
      }
    }
    op.dispose();
  }
});

test('with zero off-slot noise every off-slot gradient is exactly 0 (why noise is needed for R > 1)', () => {
  const op = new MangoOperator(small, grown, { rank: 2, noise: 0, depthInit: 'stack' });
  const weights = E.randn([op.dims.B, op.dims.I2, op.dims.O2, op.dims.L2], { random: new E.Random(1) });
  op.contract(m1).mul(weights).sum().backward();
  for (const core of [op.SB, op.SI, op.SO, op.SL]) {
    const [R, rows, cols] = core.shape;
    const g = core.grad!.dataSync();
    let mainNonZero = false;
    for (let i = 0; i < g.length; i++) {
      const a = Math.floor(i / (rows * cols * R)), b = i % R;
      if (a === 0 && b === 0) mainNonZero ||= g[i] !== 0;
      else assert.is(g[i], 0);
    }
    assert.ok(mainNonZero);
  }
});

test('materializeInto (chunked, no gradients) equals the differentiable contraction in either training order', () => {
  for (const order of ['A', 'B'] as const) {
    const op = new MangoOperator(small, grown, { rank: 2, order, random: new E.Random(3) });
    const params = new Map(source.namedParameters());
    const full = E.noGrad(() => op.targetParameters(params));
    op.materializeInto(params, (name, value) => close(value.dataSync(), full.get(name)!.dataSync(), 1e-6, `${order} ${name}`));
    op.maxBindingBytes = 1;   // forces one weight block per step
    op.materializeInto(params, (name, value) => close(value.dataSync(), full.get(name)!.dataSync(), 1e-6, `${order} per block ${name}`));
  }
});

test('invalid growth requests are typed errors with a fix', () => {
  assert.throws(() => new MangoOperator(grown, small), /cannot grow d6·L3 into the smaller d4·L2/);
  assert.throws(() => new MangoOperator(small, grown, { rank: 0 }), /rank must be an integer ≥ 1/);
  assert.throws(() => new MangoOperator(small, { ...grown, classes: 5 }), /differ in classes/);
});

test.run();
