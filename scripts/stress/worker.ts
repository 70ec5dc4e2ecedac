/**
 * One stress process: a long-lived async function drives the device through the project's runtime with
 * the shapes that crashed Dawn's binding (hot JS inside the driving async function, multi-second
 * dispatches in flight while JS runs, readbacks), plus forced garbage collection. Prints one JSON line.
 * usage: node --expose-gc --import tsx scripts/stress/worker.ts CYCLES LONG_DISPATCH_SECONDS SEED
 */
import { GpuRuntime } from '../../engine/backend/webgpu/runtime.ts';
import { affine, affineDispatch, spin, spinInvocations, spinReference } from './kernels.ts';

const cycles = Number(process.argv[2] ?? 500);
const longDispatchSeconds = Number(process.argv[3] ?? 2.5);
let seed = Number(process.argv[4] ?? 1) >>> 0;
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {});
const maxBytes = 64 << 20;

function random(): number {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
}

/** Buffer sizes from 4 B to 64 MB, log-uniform below 16 MB; 16-64 MB at a quarter of that rate. */
function randomBytes(): number {
  for (;;) {
    const log2 = Math.floor(random() * 25);
    if (log2 < 22 || random() < 0.25) return 4 << log2;
  }
}

/** Every input is a prefix of one 64 MB pattern, so no cycle pays for filling it. */
const pattern = new Float32Array(maxBytes / 4).map((_, i) => (i % 1024) * 0.5);

async function drive(runtime: GpuRuntime) {
  const stats = { cycles: 0, dispatches: 0, copies: 0, readbacks: 0, bytesMoved: 0, largestBuffer: 0, wrong: 0, longDispatchMs: [] as number[] };
  const spinOut = runtime.allocate(spinInvocations * 4);
  let spinIterations = 2000;
  const runSpin = async (iterations: number) => {
    const started = performance.now();
    runtime.dispatch(spin, [spinOut], [spinInvocations / 64, 1, 1], new Uint32Array([iterations, 0, 0, 0]));
    runtime.flush();
    let sink = 0;
    for (let k = 0; k < 3_000_000; k++) sink += Math.sqrt(k);  // hot JS while the dispatch is in flight
    const result = new Uint32Array(await runtime.read(spinOut));
    for (const i of [0, 1, 777, spinInvocations - 1]) if (result[i] !== spinReference(i, iterations)) stats.wrong++;
    return { ms: performance.now() - started, sink };
  };
  // Calibrate the spin kernel so the long dispatches really take `longDispatchSeconds`.
  let probeMs = (await runSpin(spinIterations)).ms;
  while (probeMs < 300) {
    spinIterations *= 4;
    probeMs = (await runSpin(spinIterations)).ms;
  }
  spinIterations = Math.round(spinIterations * (longDispatchSeconds * 1000) / probeMs);

  let hostSink = 0;
  for (let cycle = 0; cycle < cycles; cycle++) {
    if (cycle === 0 || cycle === Math.floor(cycles / 2)) stats.longDispatchMs.push(Math.round((await runSpin(spinIterations)).ms));

    const bytes = randomBytes();
    const n = bytes / 4;
    stats.largestBuffer = Math.max(stats.largestBuffer, bytes);
    const input = pattern.subarray(0, n);
    const x = runtime.upload(input);
    const y = runtime.allocate(bytes);
    const a = 2, b = cycle % 7;
    const { workgroups, uniforms } = affineDispatch(n, a, b);
    runtime.dispatch(affine, [x, y], workgroups, new Uint8Array(uniforms));
    stats.dispatches++;
    let checked = y;
    if (random() < 0.5) {
      checked = runtime.allocate(bytes);
      runtime.copy(y, 0, checked, 0, bytes);
      stats.copies++;
    }
    // Hot JS inside the long-lived async function: the shape that let V8 optimize it and crash Dawn.
    for (let k = 0; k < 20000; k++) hostSink += Math.sqrt(k + cycle);
    if (random() < 0.6 || bytes === maxBytes) {
      const out = new Float32Array(await runtime.read(checked, 0, bytes));
      stats.readbacks++;
      for (let i = 0; i < n; i++) if (out[i] !== input[i] * a + b) { stats.wrong++; break; }
      stats.bytesMoved += 2 * bytes;
    } else {
      stats.bytesMoved += bytes;
    }
    runtime.release(x);
    runtime.release(y);
    if (checked !== y) runtime.release(checked);
    if (cycle % 50 === 49) collectGarbage();
    stats.cycles++;
  }
  await runtime.sync();
  runtime.release(spinOut);
  return { ...stats, hostSinkFinite: Number.isFinite(hostSink), pool: runtime.pool.stats, submits: runtime.batch.submits };
}

const runtime = await GpuRuntime.open();
try {
  const started = performance.now();
  const stats = await drive(runtime);
  console.log(JSON.stringify({ ...stats, seconds: (performance.now() - started) / 1000, adapter: runtime.dawn.adapter.description }));
} finally {
  runtime.close();
}
