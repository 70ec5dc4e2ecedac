/** The allocation counter and scoped release. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';

test('tidy frees every intermediate; live bytes return to the baseline', () => {
  const x = E.randn([64, 64]);
  const base = E.memoryStats().liveBytes;
  const y = E.tidy(() => x.matmul(x).relu().add(1).softmax(-1).sum(0).keep());
  assert.is(E.memoryStats().liveBytes, base + y.size * 4);
  y.dispose();
  E.tidy(() => { x.exp().log().mul(x).transpose().contiguous().mean(); });
  assert.is(E.memoryStats().liveBytes, base);
  x.dispose();
});

test('forward in tidy, backward outside: the graph keeps what it needs, then releases it', () => {
  const w = E.randn([16, 16]).requireGrad().keep();
  const xIn = E.randn([8, 16]);
  const base = E.memoryStats().liveBytes;
  const loss = E.tidy(() => E.layerNorm(xIn.matmul(w).gelu(), E.ones([16]), E.zeros([16])).square().mean());
  assert.ok(E.memoryStats().liveBytes > base + 4, 'saved activations are held by the graph');
  loss.backward();
  loss.dispose();
  assert.is(E.memoryStats().liveBytes, base + w.size * 4, 'only the gradient of w remains');
  w.grad!.dispose();
  w.dispose();
  xIn.dispose();
});

test('peak bytes track the high-water mark; views share storage', () => {
  const base = E.memoryStats().liveBytes;
  E.resetPeakBytes();
  E.tidy(() => {
    const big = E.zeros([1000]);
    big.reshape([10, 100]).transpose();
    return undefined;
  });
  const stats = E.memoryStats();
  assert.is(stats.peakBytes, base + 4000);
  assert.is(stats.liveBytes, base);
});

test('using a disposed tensor is a clear error; assign swaps data and frees the old', () => {
  const a = E.ones([3]);
  a.dispose();
  assert.throws(() => a.exp(), /used after dispose/);
  const p = E.zeros([3]).keep();
  const base = E.memoryStats().liveBytes;
  p.assign(E.ones([3]));
  assert.is(E.memoryStats().liveBytes, base);
  assert.equal([...p.dataSync()], [1, 1, 1]);
  p.dispose();
});

test('assign from a view with an offset copies the viewed values (not the start of the storage)', () => {
  const whole = E.tensor([1, 2, 3, 4, 5, 6]);
  const p = E.zeros([2]).keep();
  p.assign(whole.slice([4], [6]));
  assert.equal([...p.dataSync()], [5, 6]);
  p.assign(whole.reshape([3, 2]).slice([1, 0], [2, 2]).reshape([2]));
  assert.equal([...p.dataSync()], [3, 4]);
  p.dispose();
});

test.run();
