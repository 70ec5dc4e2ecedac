/** The prepared GPU checks (bench/gpu.bench.ts) must keep running: its --quick form, on whatever adapter is here. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sharedGpu } from '../helpers/gpu.ts';

const runtime = await sharedGpu();
const gpuTest = runtime ? test : test.skip;

gpuTest('bench:gpu --quick measures the matmul, a ViT training step and the attention share, and writes its report', () => {
  const results = mkdtempSync(join(tmpdir(), 'gpu-bench-'));
  const script = fileURLToPath(new URL('../../bench/gpu.bench.ts', import.meta.url));
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, '--quick'], {
    encoding: 'utf8', timeout: 300_000, env: { ...process.env, MANGO_BENCH_RESULTS: results, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' },
  });
  assert.is(run.status, 0, run.stderr);
  const report = JSON.parse(readFileSync(join(results, 'gpu-quick.json'), 'utf8')) as { rows: { check: string; result: string }[] };
  assert.equal(report.rows.map((r) => r.check.split(' ')[0]), ['matmul', 'ViT', 'attention']);
  assert.match(report.rows[0].result, /^\d+(\.\d+)? GFLOP\/s$/);
  assert.match(report.rows[1].result, /^\d+(\.\d+)? ms\/step, \d+(\.\d+)? img\/s$/);
  const share = Number(report.rows[2].result.split(' ')[0]);
  assert.ok(share > 0 && share < 100, `attention share ${share} %`);
});

test.run();
