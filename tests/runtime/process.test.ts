import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sharedGpu } from '../helpers/gpu.ts';

const runtime = await sharedGpu();
const gpuTest = runtime ? test : test.skip;
const child = fileURLToPath(new URL('../fixtures/gpu-child.ts', import.meta.url));

function runChild(mode: string) {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', child, mode], { encoding: 'utf8', timeout: 120_000 });
  return { ...result, seconds: (performance.now() - started) / 1000 };
}

gpuTest('garbage collection under load does not crash Dawn, and the process exits by itself after close()', () => {
  const result = runChild('gc-under-load');
  assert.is(result.signal, null, `child died with ${result.signal}\n${result.stderr}`);
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stdout, 'ok gc-under-load');
  assert.ok(result.seconds < 60, `child took ${result.seconds} s to exit`);
});

gpuTest('a device lost behind the runtime\'s back raises GpuDeviceLostError', () => {
  const result = runChild('device-lost');
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stdout, /ok device-lost the GPU device was lost/);
});

test.run();
