/**
 * WebGPU scatter-add (the embedding gradient) at sizes the op catalogue does not reach: thousands of rows,
 * skewed repeats, rows never hit, one row hit by every position, a middle axis. Each output element sums
 * its positions in ascending order from 0 on both backends, so the GPU must match the CPU bit for bit and
 * itself run to run.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { close } from '../helpers/check-op.ts';
import { poisonedGpuBackend } from '../helpers/gpu.ts';

const gpu = await poisonedGpuBackend();
const gpuTest = gpu ? test : test.skip;
const cpu = E.cpuBackend();

function uniforms(n: number, seed: number): Float32Array {
  const r = new E.Random(seed);
  return Float32Array.from({ length: n }, () => r.uniform() * 2 - 1);
}

/** Token-like ids: skewed towards low rows (the upper ones mostly never hit), every 7th position `hot`. */
function skewedIds(count: number, rows: number, hot: number, seed: number): Float32Array {
  const r = new E.Random(seed);
  return Float32Array.from({ length: count }, (_, k) => (k % 7 === 0 ? hot : Math.floor(rows * r.uniform() ** 3)));
}

async function scatterOn(backend: E.Backend, shape: number[], axis: number, ids: Float32Array, source: Float32Array): Promise<Float32Array> {
  const sourceShape = shape.map((d, i) => (i === axis ? ids.length : d));
  const out = E.tidy(() => E.scatterAdd(shape, axis, E.fromArray(ids, [ids.length], backend), E.fromArray(source, sourceShape, backend)));
  try {
    return await out.data();
  } finally {
    out.dispose();
  }
}

function assertBitwise(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  const i = expected.findIndex((e, k) => actual[k] !== e);
  if (i >= 0) assert.unreachable(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]}`);
}

async function matchesCpu(shape: number[], axis: number, ids: Float32Array, seed: number): Promise<void> {
  const source = uniforms(E.sizeOf(shape) / shape[axis] * ids.length, seed);
  const expected = await scatterOn(cpu, shape, axis, ids, source);
  const first = await scatterOn(gpu!, shape, axis, ids, source);
  close(first, expected, 1e-5, 'webgpu vs cpu');
  assertBitwise(first, expected, 'webgpu vs cpu, same summation order');
  assertBitwise(await scatterOn(gpu!, shape, axis, ids, source), first, 'webgpu run to run');
}

gpuTest('embedding gradient V = 5000, D = 64, N = 2048: skewed repeats, rows never hit, one hot row', async () => {
  const ids = skewedIds(2048, 5000, 4999, 1);
  const hits = new Set(ids);
  assert.ok(hits.size < 2048 && hits.size < 5000, 'repeats and rows never hit');
  await matchesCpu([5000, 64], 0, ids, 2);
});

gpuTest('one row hit by every position; rows hit within one fill round and across rounds (N = 1000 over 300 rows)', async () => {
  await matchesCpu([300, 3], 0, new Float32Array(1000).fill(123), 3);
  await matchesCpu([300, 3], 0, Float32Array.from({ length: 1000 }, (_, k) => (k * 37) % 250), 4);
});

gpuTest('a middle axis [3, 700, 5] with N = 1500, and the gradient of gather through autograd', async () => {
  const ids = skewedIds(1500, 700, 3, 5);
  await matchesCpu([3, 700, 5], 1, ids, 6);
  const x = uniforms(3 * 700 * 5, 7), w = uniforms(3 * 1500 * 5, 8);
  const grads: Float32Array[] = [];
  for (const backend of [cpu, gpu!]) {
    const table = E.fromArray(x, [3, 700, 5], backend).requireGrad();
    E.withBackend(backend, () => E.tidy(() => {
      E.gather(table, 1, E.fromArray(ids, [ids.length], backend)).mul(E.fromArray(w, [3, 1500, 5], backend)).sum().backward();
    }));
    grads.push(await table.grad!.data());
    table.grad!.dispose();
    table.dispose();
  }
  assertBitwise(grads[1], grads[0], 'd(table): webgpu vs cpu');
});

gpuTest('no indices gives zeros; scatter-add records no host readback', async () => {
  assertBitwise(await scatterOn(gpu!, [4, 3], 0, new Float32Array(0), new Float32Array(0)), new Float32Array(12), 'empty');
  const before = gpu!.runtime.readbacks;
  const out = E.tidy(() => E.scatterAdd([50, 8], 0, E.fromArray(skewedIds(64, 50, 0, 9), [64], gpu!), E.fromArray(uniforms(64 * 8, 10), [64, 8], gpu!)));
  assert.is(gpu!.runtime.readbacks, before);
  out.dispose();
});

test.run();
