/**
 * Causal attention on the CPU, by both routes (the fused primitive, and GEMM → mask → softmax → GEMM on a
 * CPU backend that declines the fused one): equal to an explicitly masked softmax built from plain ops, and
 * output row i blind to tokens after i (values and gradients) while it sees every token up to i.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { CpuBackend } from '../../engine/backend/cpu/index.ts';
import { close } from '../helpers/check-op.ts';

class CompositeAttentionCpu extends CpuBackend {
  prefersFusedAttention(): boolean { return false; }
}

const routes: [string, E.Backend][] = [['fused', E.cpuBackend()], ['composite', new CompositeAttentionCpu()]];

function randomValues(n: number, seed: number): Float32Array {
  const r = new E.Random(seed);
  return Float32Array.from({ length: n }, () => r.uniform() * 2 - 1);
}

/** softmax(q·kᵀ·scale + M)·v with M = −10⁹ where key j > i + Tk − Tq, from matmul, add and softmax only. */
function maskedByHand(q: E.Tensor, k: E.Tensor, v: E.Tensor): E.Tensor {
  const [tq, d] = q.shape.slice(-2), tk = k.shape[k.rank - 2];
  const mask = Float32Array.from({ length: tq * tk }, (_, n) => (n % tk > Math.floor(n / tk) + tk - tq ? -1e9 : 0));
  const scores = q.matmul(k, { transposeB: true }).mul(1 / Math.sqrt(d)).add(E.fromArray(mask, [tq, tk], q.backend));
  return scores.softmax(-1).matmul(v);
}

/** Output and input gradients of Σ w ⊙ f(inputs), w fixed and uneven so every output element matters. */
function outputAndGradients(backend: E.Backend, shapes: number[][], f: (...xs: E.Tensor[]) => E.Tensor) {
  return E.withBackend(backend, () => E.tidy(() => {
    const inputs = shapes.map((s, i) => E.fromArray(randomValues(E.sizeOf(s), 40 + i), s, backend).requireGrad());
    const out = f(...inputs);
    const w = Float32Array.from({ length: out.size }, (_, i) => 0.5 + ((i * 7919) % 13) / 13);
    out.mul(E.fromArray(w, out.shape, backend)).sum().backward();
    return { out: out.dataSync(), grads: inputs.map((x) => x.grad!.dataSync()) };
  }));
}

for (const [route, backend] of routes) {
  test(`${route} route: causal attention equals an explicitly masked softmax, forward and gradients (Tq = Tk and Tq < Tk)`, () => {
    for (const [tq, tk, d] of [[5, 5, 4], [3, 7, 16], [1, 4, 3]]) {
      const shapes = [[2, 3, tq, d], [2, 3, tk, d], [2, 3, tk, d]];
      const causal = outputAndGradients(backend, shapes, (q, k, v) => E.attention(q, k, v, undefined, { causal: true }));
      const byHand = outputAndGradients(backend, shapes, maskedByHand);
      close(causal.out, byHand.out, 1e-5, `Tq ${tq}, Tk ${tk}: output`);
      causal.grads.forEach((g, i) => close(g, byHand.grads[i], 1e-4, `Tq ${tq}, Tk ${tk}: gradient ${i}`));
    }
  });

  test(`${route} route: causal selfAttention row i ignores tokens after i and depends on tokens up to i`, () => {
    const [batch, tokens, heads, headDim] = [2, 6, 2, 4];
    const width = 3 * heads * headDim;
    const base = randomValues(batch * tokens * width, 7);
    const run = (values: Float32Array, causal: boolean) => E.withBackend(backend, () => E.tidy(() =>
      E.selfAttention(E.fromArray(values, [batch, tokens, width], backend), heads, { causal }).dataSync()));
    const row = (out: Float32Array, b: number, t: number) => [...out.subarray((b * tokens + t) * heads * headDim, (b * tokens + t + 1) * heads * headDim)];
    const changedToken = (t: number) => {
      const values = Float32Array.from(base);
      for (let x = 0; x < width; x++) values[(1 * tokens + t) * width + x] += 0.75;
      return values;
    };
    const before = run(base, true);
    for (const t of [0, 2, 5]) {
      const after = run(changedToken(t), true);
      for (let i = 0; i < tokens; i++) {
        if (i < t) assert.equal(row(after, 1, i), row(before, 1, i), `row ${i} unchanged by token ${t} after it`);
        else assert.not.equal(row(after, 1, i), row(before, 1, i), `row ${i} changed by token ${t} at or before it`);
        assert.equal(row(after, 0, i), row(before, 0, i), `other batch row ${i} unchanged`);
      }
    }
    // Without the mask the same change reaches the earlier rows: the check above can fail.
    assert.not.equal(row(run(changedToken(5), false), 1, 0), row(run(base, false), 1, 0), 'non-causal row 0 sees token 5');
  });

  test(`${route} route: gradients of causal selfAttention's row i are exactly zero on tokens after i`, () => {
    const [tokens, heads, headDim, i] = [5, 2, 3, 2];
    const width = 3 * heads * headDim;
    const grad = E.withBackend(backend, () => E.tidy(() => {
      const qkv = E.fromArray(randomValues(tokens * width, 11), [1, tokens, width], backend).requireGrad();
      E.selfAttention(qkv, heads, { causal: true }).slice([0, i, 0], [1, i + 1, heads * headDim]).sum().backward();
      return qkv.grad!.dataSync();
    }));
    assert.ok(grad.subarray((i + 1) * width).every((g) => g === 0), 'no gradient reaches later tokens');
    for (let t = 0; t <= i; t++) assert.ok(grad.subarray(t * width, (t + 1) * width).some((g) => g !== 0), `token ${t} gets a gradient`);
  });
}

test('causal attention with 1-token sequences and a hand-computed 2-token case', () => {
  const one = E.attention(E.tensor([[0.3, -1]]), E.tensor([[2, 5]]), E.tensor([[7, -3]]), undefined, { causal: true });
  assert.equal([...one.dataSync()], [7, -3]);
  // q = k = [[1], [2]], scale 1: row 0 sees only key 0; row 1 weighs v by softmax([2, 4]).
  const x = E.tensor([[1], [2]]);
  const out = E.attention(x, x, E.tensor([[10], [20]]), 1, { causal: true }).dataSync();
  const w1 = Math.exp(4) / (Math.exp(2) + Math.exp(4));
  close(out, [10, 10 * (1 - w1) + 20 * w1], 1e-6, 'hand-computed rows');
});

test('causal attention refuses more queries than keys (the first queries would see no key), on both routes', () => {
  for (const [, backend] of routes) {
    E.withBackend(backend, () => {
      const [q, kv] = [E.zeros([1, 3, 2], backend), E.zeros([1, 2, 2], backend)];
      assert.throws(() => E.attention(q, kv, kv, undefined, { causal: true }), (e: unknown) => e instanceof E.ShapeError);
      assert.equal([...E.attention(q, kv, kv).shape], [1, 3, 2], 'non-causal attention still takes them');
    });
  }
});

test.run();
