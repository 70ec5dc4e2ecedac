import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startGentlePolling } from '../../engine/backend/webgpu/gentle-polling.ts';
import { sharedGpu } from '../helpers/gpu.ts';
import { flag } from '../../engine/flags.ts';

// An anonymous native function like the binding's tick (bound functions are native; their name is reset).
function anonymousNative(body: () => void = () => {}): () => void {
  const tick = Function.prototype.call.bind(body) as () => void;
  Object.defineProperty(tick, 'name', { value: '' });
  return tick;
}

const isTimeout = (handle: unknown) => handle instanceof Object && '_onTimeout' in handle;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether a fresh streak of binding-like polls reaches the timer (the device may already have started it). */
async function pollsGently(): Promise<boolean> {
  await sleep(20);
  const handles = Array.from({ length: 6 }, () => setImmediate(anonymousNative()));
  for (const h of handles) clearImmediate(h);
  return handles.some(isTimeout);
}

test('gentle polling: anonymous native polls go to a timer after a short immediate streak; others stay immediate', async () => {
  const original = globalThis.setImmediate;
  const stop = startGentlePolling(1);
  try {
    let ran = 0;
    const tick = anonymousNative(() => { ran++; });
    await sleep(20);   // any earlier poll (an open device's) ends its streak
    const handles = Array.from({ length: 8 }, () => setImmediate(tick));
    assert.equal(handles.map(isTimeout), [false, false, false, false, true, true, true, true]);
    await sleep(20);
    assert.is(ran, 8, 'throttled polls still run');

    const others = [...Array.from({ length: 8 }, () => setImmediate(() => {})), setImmediate(Math.max)];
    assert.ok(others.every((h) => !isTimeout(h)), 'JavaScript callbacks and named natives stay immediate');

    // A poll long after the previous one starts a new wait, and clearImmediate cancels throttled polls.
    await sleep(20);
    ran = 0;
    const streak = Array.from({ length: 6 }, () => setImmediate(tick));
    assert.equal(streak.map(isTimeout), [false, false, false, false, true, true]);
    for (const h of streak) clearImmediate(h);
    await sleep(20);
    assert.is(ran, 0, 'cleared polls must not run');
    assert.is(await promisify(setImmediate)('value'), 'value', 'util.promisify(setImmediate) still works');
  } finally {
    stop();
  }
  assert.is(globalThis.setImmediate, original, 'stopping restores the setImmediate from before the start');
});

test('gentle polling: reference-counted, restored only when the last user stops', async () => {
  const original = globalThis.setImmediate;
  const a = startGentlePolling();
  const b = startGentlePolling();
  a();
  a();
  assert.ok(await pollsGently(), 'stopping twice counts once');
  b();
  assert.is(globalThis.setImmediate, original);
});

const runtime = await sharedGpu();
const gpuTest = runtime ? test : test.skip;

test('gentle polling is on by default exactly on software adapters', () => {
  if (!runtime || flag('gentlePolling') !== undefined) return;
  assert.is(runtime.dawn.gentlePolling, runtime.dawn.adapter.isSoftware);
});

gpuTest('an open device that polls gently: a readback waiting on a long dispatch makes few immediate polls', async () => {
  const r = runtime!;
  if (!r.dawn.gentlePolling) return;   // a hardware adapter keeps the binding's own polling
  const original = globalThis.setImmediate;
  let immediate = 0;
  let timers = 0;
  globalThis.setImmediate = ((fn: (...args: unknown[]) => void, ...args: unknown[]) => {
    const handle = original(fn, ...args);
    if (isTimeout(handle)) timers++; else immediate++;
    return handle;
  }) as typeof setImmediate;
  try {
    // ~1 GFLOP: long enough (tens of ms or more on a software adapter) for many polls.
    const n = 512;
    const a = r.allocate(n * n * 4);
    const c = r.allocate(n * n * 4);
    const { dispatch, chooseMatmul } = await import('../../engine/backend/webgpu/kernels/matmul.ts');
    const problem = { M: n, N: n, K: n, batchShape: [], aBatchStrides: [], bBatchStrides: [], aOffset: 0, aRow: n, aCol: 1, bOffset: 0, bRow: n, bCol: 1 };
    for (let i = 0; i < 4; i++) dispatch(r, problem, a, a, c, undefined, chooseMatmul(problem, r.dawn.adapter.isSoftware));
    const t0 = performance.now();
    await r.read(c, 0, 4);
    const waited = performance.now() - t0;
    r.release(a);
    r.release(c);
    // The wrapper above sits outside the gentle one and sees its handles: timers once the wait is long.
    if (waited > 20) assert.ok(timers > 0, `no throttled polls during a ${waited.toFixed(0)} ms wait`);
    assert.ok(immediate <= 8 + waited / 5, `${immediate} immediate polls during a ${waited.toFixed(0)} ms wait`);
  } finally {
    globalThis.setImmediate = original;
  }
});

test.run();
