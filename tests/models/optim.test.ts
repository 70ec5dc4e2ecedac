/** Optimizers, clipping and the schedule against hand-computed values. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { AdamW, clipGradNorm, cosineWithWarmup, decays, gradNormScale, SGD } from '../../models/optim/optimizer.ts';
import { close } from '../helpers/check-op.ts';

test('SGD with momentum and weight decay: two steps by hand (PyTorch semantics)', async () => {
  const w = E.tensor([[1, 2], [3, 4]]).keep().requireGrad();
  const sgd = new SGD([['w', w]], { momentum: 0.9, weightDecay: 0.1 });
  // step 1: g = [1,1,1,1] + 0.1·w; buf = g; w -= 0.5·buf
  w.grad = E.ones([2, 2]).keep();
  sgd.step(0.5);
  const g1 = [1.1, 1.2, 1.3, 1.4];
  const w1 = [1, 2, 3, 4].map((v, i) => v - 0.5 * g1[i]);
  close(await w.data(), w1, 1e-6, 'w after step 1');
  // step 2: g = 2 + 0.1·w1; buf = 0.9·g1 + g; w -= 0.5·buf
  sgd.zeroGrad();
  w.grad = E.full([2, 2], 2).keep();
  sgd.step(0.5);
  const buf2 = w1.map((v, i) => 0.9 * g1[i] + 2 + 0.1 * v);
  close(await w.data(), w1.map((v, i) => v - 0.5 * buf2[i]), 1e-6, 'w after step 2');
});

test('AdamW skips weight decay on norms, biases and embeddings', async () => {
  const params: [string, E.Tensor][] = [['blocks.0.mlp.fc1.weight', E.ones([2, 2])], ['blocks.0.norm1.weight', E.ones([2])], ['pos_embed', E.ones([1, 2, 2])]];
  assert.equal(params.map(([n, t]) => decays(n, t)), [true, false, false]);
  for (const [, p] of params) { p.keep().requireGrad(); p.grad = p.zerosLike().keep(); }
  new AdamW(params, { weightDecay: 0.5 }).step(0.1);
  // zero gradient: only decay moves a parameter, by factor (1 − lr·wd) = 0.95
  assert.equal([...(await params[0][1].data())].map((v) => +v.toFixed(6)), [0.95, 0.95, 0.95, 0.95]);
  assert.equal([...(await params[1][1].data())], [1, 1]);
  assert.equal([...(await params[2][1].data())], [1, 1, 1, 1]);
});

test('clipGradNorm scales to the max norm on the device and reports the norm', async () => {
  const a = E.tensor([3, 0]).keep().requireGrad(), b = E.tensor([0, 4]).keep().requireGrad();
  a.grad = E.tensor([3, 0]).keep();
  b.grad = E.tensor([0, 4]).keep();
  const norm = clipGradNorm([a, b], 1);
  assert.is(await norm.item(), 5);
  close(await a.grad.data(), [0.6, 0], 1e-5, 'a');
  close(await b.grad.data(), [0, 0.8], 1e-5, 'b');
  clipGradNorm([a, b], 10);
  close(await b.grad.data(), [0, 0.8], 1e-5, 'unchanged below the limit');
});

test('gradNormScale leaves gradients alone; AdamW and SGD stepped with its factor match clipping the gradients first', async () => {
  for (const make of [(ps: [string, E.Tensor][]) => new AdamW(ps), (ps: [string, E.Tensor][]) => new SGD(ps, { momentum: 0.9, weightDecay: 0.1 })]) {
    const build = () => {
      const a = E.tensor([[1, 2], [3, 4]]).keep().requireGrad(), b = E.tensor([0.5, -1]).keep().requireGrad();
      a.grad = E.tensor([[3, 0], [0, 4]]).keep();
      b.grad = E.tensor([12, 0]).keep();
      return [a, b];
    };
    const [a1, b1] = build(), [a2, b2] = build();
    const { norm, scale } = gradNormScale([a1, b1], 2);
    assert.ok(Math.abs(await norm.item() - 13) < 1e-5, 'norm of (3, 4, 12)');
    close(await a1.grad!.data(), [3, 0, 0, 4], 0, 'gradient untouched');
    make([['fc.weight', a1], ['fc.bias', b1]]).step(0.1, scale);
    clipGradNorm([a2, b2], 2).dispose();
    make([['fc.weight', a2], ['fc.bias', b2]]).step(0.1);
    close(await a1.data(), await a2.data(), 1e-6, 'weight');
    close(await b1.data(), await b2.data(), 1e-6, 'bias');
  }
});

test('cosine schedule with linear warmup', () => {
  const s = (step: number) => cosineWithWarmup(step, { base: 1, warmup: 10, total: 110, min: 0.1 });
  assert.is(s(0), 0.1);
  assert.is(s(9), 1);
  assert.ok(Math.abs(s(10) - 1) < 1e-12);
  assert.ok(Math.abs(s(60) - 0.55) < 1e-12);
  assert.ok(Math.abs(s(110) - 0.1) < 1e-12);
});

test.run();
