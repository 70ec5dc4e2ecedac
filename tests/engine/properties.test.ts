/** Algebraic identities, broadcasting = explicit expansion, views = copies, and the autograd API. */
import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { broadcastPair, shape, values } from '../helpers/arbitraries.ts';
import { close } from '../helpers/check-op.ts';

const runs = { numRuns: 30 };
const t = (s: number[], v: number[]) => E.tensor(Float32Array.from(v), s);

test('identities: a+b = b+a, a·b = b·a, a-a = 0, (a+b)-b = a, exp(log x) = x, x/x = 1', () => {
  fc.assert(fc.property(broadcastPair.chain(([sa, sb]) => fc.tuple(fc.constant([sa, sb]), values(sa), values(sb), values(sa, 'positive'))),
    ([[sa, sb], va, vb, vp]) => E.tidy(() => {
      const a = t(sa, va), b = t(sb, vb), p = t(sa, vp);
      close(a.add(b).dataSync(), b.add(a).dataSync(), 0, 'a+b');
      close(a.mul(b).dataSync(), b.mul(a).dataSync(), 0, 'ab');
      close(a.sub(a).dataSync(), new Array(a.size).fill(0), 0, 'a-a');
      close(a.add(b).sub(b).dataSync(), a.add(b.mul(0)).dataSync(), 1e-6, '(a+b)-b');
      close(p.log().exp().dataSync(), vp, 1e-6, 'exp(log)');
      close(p.div(p).dataSync(), new Array(p.size).fill(1), 0, 'x/x');
    })), runs);
});

test('broadcasting equals explicit expansion, for every binary op', () => {
  fc.assert(fc.property(broadcastPair.chain(([sa, sb]) => fc.tuple(fc.constant([sa, sb]), values(sa, 'positive'), values(sb, 'positive'))),
    ([[sa, sb], va, vb]) => E.tidy(() => {
      const a = t(sa, va), b = t(sb, vb);
      const out = E.broadcastShapes(sa, sb);
      const ae = a.expand(out).contiguous(), be = b.expand(out).contiguous();
      for (const op of ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'lt', 'eq'] as const) {
        const f = E[op] as (x: E.Tensor, y: E.Tensor) => E.Tensor;
        close(f(a, b).dataSync(), f(ae, be).dataSync(), 0, op);
      }
    })), runs);
});

test('views equal copies: permuted, sliced and expanded views read and compute like contiguous copies', () => {
  fc.assert(fc.property(shape(1, 4).chain((s) => fc.tuple(fc.constant(s), values(s), fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length }))),
    ([s, v, order]) => E.tidy(() => {
      const x = t(s, v);
      const view = x.permute(order).slice(order.map(() => 0), order.map((o) => Math.max(1, s[o] - 1)));
      const copy = view.clone();
      assert.ok(copy.isContiguous());
      close(view.dataSync(), copy.dataSync(), 0, 'read');
      close(view.exp().sum(-1).dataSync(), copy.exp().sum(-1).dataSync(), 1e-6, 'compute');
      close(view.reshape([-1]).dataSync(), copy.reshape([-1]).dataSync(), 0, 'reshape of a view');
      const before = E.memoryStats().allocations;
      x.permute(order).expand([2, ...x.permute(order).shape]);
      assert.is(E.memoryStats().allocations, before, 'permute and expand must not copy');
    })), runs);
});

test('reshape of a strided view: a view whenever strides allow (no allocation), values always equal a copy\'s reshape', () => {
  fc.assert(fc.property(shape(1, 4).chain((s) => fc.tuple(fc.constant(s), values(s), fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length }), fc.nat(s.length - 1))),
    ([s, v, order, axis]) => E.tidy(() => {
      const view = t(s, v).permute(order);
      const copy = view.clone();
      const first = view.shape[0];
      const splitFirst = first % 2 === 0 ? [[2, first / 2, ...view.shape.slice(1)]] : [];
      for (const target of [[-1], [...view.shape.slice(0, axis), 1, ...view.shape.slice(axis)], [first, -1], [...view.shape].reverse(), ...splitFirst]) {
        close(view.reshape(target).dataSync(), copy.reshape(target).dataSync(), 0, `reshape ${view.shape} → ${target}`);
      }
      close(view.unsqueeze(axis).squeeze(axis).dataSync(), copy.dataSync(), 0, 'unsqueeze then squeeze');
    })), runs);
  const x = E.tensor(Float32Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => i), [2, 3, 4, 5]);
  const before = E.memoryStats().allocations;
  const heads = x.permute([0, 2, 1, 3]);                                  // [2, 4, 3, 5], strides [60, 5, 20, 1]
  const swapped = x.permute([1, 0, 2, 3]);                                // [3, 2, 4, 5], strides [20, 60, 5, 1]
  const merged = swapped.reshape([3, 2, 20]);                              // merges 4·5 (laid out contiguously): a view
  const squeezed = x.slice([0, 1], [2, 2]).squeeze(1);                     // unit axis dropped: a view
  const split = heads.reshape([2, 2, 2, 3, 5]);                            // splits the 4: a view
  assert.is(E.memoryStats().allocations, before, 'these reshapes are views');
  assert.equal([...merged.dataSync()], [...swapped.clone().reshape([3, 2, 20]).dataSync()]);
  assert.equal([...squeezed.dataSync()], [...x.slice([0, 1], [2, 2]).clone().squeeze(1).dataSync()]);
  assert.equal([...split.dataSync()], [...heads.clone().reshape([2, 2, 2, 3, 5]).dataSync()]);
  const beforeCopy = E.memoryStats().allocations;
  const copied = heads.reshape([2, 4, 15]);                                // merges 3 (stride 20) with 5 (stride 1): needs a copy
  assert.is(E.memoryStats().allocations, beforeCopy + 1, 'a non-viewable reshape copies once');
  copied.dispose();
  for (const y of [x, heads, swapped, merged, squeezed, split]) y.dispose();
});

test('noGrad records nothing; detach cuts the graph; requiresGrad propagates', () => {
  const x = E.tensor([1, 2, 3]).requireGrad();
  const y = E.noGrad(() => x.mul(2));
  assert.not.ok(y.requiresGrad);
  assert.is(y.node, null);
  const z = x.mul(3).detach();
  assert.not.ok(z.requiresGrad);
  const w = x.mul(z).sum();
  assert.ok(w.requiresGrad);
  w.backward();
  assert.equal([...x.grad!.dataSync()], [3, 6, 9]);
});

test('grad accumulates over backward calls; gradients() leaves .grad alone and reaches intermediates', () => {
  const x = E.tensor([1, -2]).requireGrad();
  x.square().sum().backward();
  x.square().sum().backward();
  assert.equal([...x.grad!.dataSync()], [4, -8]);
  const h = x.mul(3);
  const y = h.square().sum();
  const [gx, gh] = E.gradients(y, [x, h]);
  assert.equal([...gh.dataSync()], [6, -12]);
  assert.equal([...gx.dataSync()], [18, -36]);
  assert.equal([...x.grad!.dataSync()], [4, -8]);
});

test('a tensor used twice gets both gradient contributions; backward needs a scalar or a seed', () => {
  const x = E.tensor([[1, 2], [3, 4]]).requireGrad();
  const y = x.matmul(x);
  y.sum().backward();
  // d/dX sum(X·X) = 1·Xᵀ + Xᵀ·1
  assert.equal([...x.grad!.dataSync()], [7, 11, 9, 13]);
  const z = x.mul(2);
  assert.throws(() => z.backward(), /needs an explicit gradient/);
  z.backward(E.ones([2, 2]));
});

test('random: seeded streams repeat, state round-trips, moments are right', () => {
  const a = new E.Random(7), b = new E.Random(7);
  const sa = Array.from({ length: 5 }, () => a.uniform());
  assert.equal(sa, Array.from({ length: 5 }, () => b.uniform()));
  const state = a.getState();
  const next = a.normal();
  a.setState(state);
  assert.is(a.normal(), next);
  const r = new E.Random(1);
  const xs = Array.from({ length: 20000 }, () => r.normal());
  const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
  const variance = xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length;
  assert.ok(Math.abs(mean) < 0.03 && Math.abs(variance - 1) < 0.05, `mean ${mean}, var ${variance}`);
  const perm = r.permutation(50);
  assert.equal([...perm].sort((p, q) => p - q), Array.from({ length: 50 }, (_, i) => i));
  E.manualSeed(3);
  const first = E.randn([4]).dataSync();
  E.manualSeed(3);
  assert.equal([...E.randn([4]).dataSync()], [...first]);
});

test('dropout: seeded mask, scale 1/(1-p), identity in eval mode, gradient through the mask', () => {
  const x = E.ones([1000]).requireGrad();
  const y = E.dropout(x, 0.25, { random: new E.Random(5) });
  const v = y.dataSync();
  const kept = v.filter((u) => u !== 0);
  assert.ok(kept.every((u) => Math.abs(u - 4 / 3) < 1e-6));
  assert.ok(Math.abs(kept.length / 1000 - 0.75) < 0.06);
  assert.equal([...E.dropout(x, 0.25, { random: new E.Random(5) }).dataSync()], [...v]);
  assert.equal([...E.dropout(x, 0.25, { training: false }).dataSync()], [...x.dataSync()]);
  y.sum().backward();
  assert.equal([...x.grad!.dataSync()], [...v]);
});

test('creation: zeros, ones, full, arange, tensor from nested arrays, rand range', () => {
  assert.equal(E.tensor([[1, 2], [3, 4]]).shape, [2, 2]);
  assert.equal([...E.arange(2, 8, 2).dataSync()], [2, 4, 6]);
  assert.equal([...E.full([2], 7).dataSync()], [7, 7]);
  assert.equal(E.zeros([0, 3]).size, 0);
  const u = E.rand([500], { low: -1, high: 2, random: new E.Random(2) }).dataSync();
  assert.ok(u.every((x) => x >= -1 && x < 2));
  assert.throws(() => E.tensor([1, 2, 3], [2, 2]), /do not fill/);
});

test('async readback: data(), toArray() in shape, item(); dataSync() on the CPU backend', async () => {
  const x = E.tensor([[1, 2, 3], [4, 5, 6]]).transpose();
  assert.equal(await x.toArray(), [[1, 4], [2, 5], [3, 6]]);
  assert.equal([...(await x.data())], [1, 4, 2, 5, 3, 6]);
  assert.is(await x.sum().item(), 21);
  await assert.not.throws(() => x.dataSync());
});

test('shape errors are typed and name the shapes', () => {
  assert.throws(() => E.ones([2, 3]).add(E.ones([4])), (e: unknown) => e instanceof E.ShapeError && /\[2,3\] and \[4\]/.test((e as Error).message));
  assert.throws(() => E.ones([2, 3]).matmul(E.ones([2, 3])), (e: unknown) => e instanceof E.ShapeError && /inner dimensions/.test((e as Error).message));
  assert.throws(() => E.crossEntropy(E.ones([2, 3]), E.tensor([0, 3])), /label 3/);
  assert.throws(() => E.ones([2, 3]).reshape([4, 2]), /cannot reshape/);
});

test.run();
