/**
 * `npm run faults`: kill -9 at random moments during `mango train`, `mango grow` and `mango experiment`
 * (tiny configs, CPU backend, synthetic IDX data), rerun until each finishes, then check that every
 * checkpoint on disk loads and the final result equals an uninterrupted run with the same seed.
 * usage: npm run faults -- [--trials 20] [--only train|grow|experiment]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { listCheckpoints, loadCheckpoint } from '../../models/checkpoint/checkpoint.ts';
import { readSafetensors } from '../../models/checkpoint/safetensors.ts';
import { fashionMnistLikeFolder } from '../../tests/helpers/idx-folder.ts';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '20' }, only: { type: 'string' } } });
const trials = Number(values.trials);
const bin = fileURLToPath(new URL('../../cli/mango.mjs', import.meta.url));
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };
const data = fashionMnistLikeFolder(192, 48);
const work = mkdtempSync(join(tmpdir(), 'faults-'));
writeFileSync(join(work, 'source.json'), JSON.stringify({ imageSize: 28, channels: 1, patchSize: 7, dim: 16, depth: 2, heads: 1, mlpRatio: 4, classes: 10, dropout: 0.1, dropPath: 0.1 }));
writeFileSync(join(work, 'target.json'), JSON.stringify({ imageSize: 28, channels: 1, patchSize: 7, dim: 32, depth: 2, heads: 2, mlpRatio: 4, classes: 10, dropout: 0, dropPath: 0 }));

const jobs: Record<string, { args: (out: string) => string[]; result: (out: string) => string }> = {
  train: {
    args: (out) => ['train', '--config', join(work, 'source.json'), '--data-dir', data, '--batch', '16', '--steps', '36', '--checkpoint-every', '3', '--eval-every', '12', '--backend', 'cpu', '--out', out, '--resume'],
    result: (out) => {
      const last = loadCheckpoint(listCheckpoints(join(out, 'checkpoints')).at(-1)!);
      return JSON.stringify([last.state.step, ...[...last.model.values()].map((t) => [...t.data].join())]);
    },
  },
  grow: {
    args: (out) => ['grow', '--from', sourceCheckpoint(), '--to', join(work, 'target.json'), '--method', 'mango', '--rank', '2', '--op-steps', '12', '--batch', '16', '--data-dir', data, '--backend', 'cpu', '--out', out],
    result: (out) => JSON.stringify([...readSafetensors(join(out, 'grown.safetensors')).tensors.values()].map((t) => [...t.data].join())),
  },
  experiment: {
    args: (out) => ['experiment', '--source', join(work, 'source.json'), '--target', join(work, 'target.json'), '--methods', 'scratch,mango', '--seeds', '1',
      '--data-dir', data, '--batch', '16', '--source-epochs', '1', '--target-epochs', '1', '--op-steps', '4', '--evals', '4', '--backend', 'cpu', '--out', out],
    result: (out) => JSON.stringify(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).runs.map((r: { label: string; evals: unknown }) => [r.label, r.evals])),
  },
};

let sourceCache: string | undefined;
function sourceCheckpoint(): string {
  if (sourceCache) return sourceCache;
  const out = join(work, 'source-run');
  const run = spawnSync(process.execPath, [bin, ...jobs.train.args(out)], { env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return (sourceCache = listCheckpoints(join(out, 'checkpoints')).at(-1)!);
}

function runUntil(args: string[], killAfterMs: number | undefined): Promise<{ code: number | null; killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: 'ignore' });
    let killed = false;
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => { killed = true; child.kill('SIGKILL'); }, killAfterMs);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, killed }); });
  });
}

const totals = { kills: 0, resumes: 0, corrupt: 0, mismatches: 0, trials: 0 };
for (const [name, job] of Object.entries(jobs)) {
  if (values.only && values.only !== name) continue;
  const reference = join(work, `${name}-reference`);
  const started = performance.now();
  const ok = await runUntil(job.args(reference), undefined);
  const duration = performance.now() - started;
  if (ok.code !== 0) throw new Error(`${name}: the uninterrupted run failed`);
  const expected = job.result(reference);
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let t = 0; t < trials; t++) {
    const out = join(work, `${name}-${t}`);
    let finished = false;
    let attempt = 0;
    while (!finished) {
      // Kill somewhere inside the run (after Node's start-up), at most 3 times; then let it finish.
      const killAt = attempt < 3 ? 600 + random() * Math.max(500, duration - 600) : undefined;
      const run = await runUntil(job.args(out), killAt);
      if (run.killed) totals.kills++;
      else if (run.code === 0) finished = true;
      else throw new Error(`${name} trial ${t}: exited with ${run.code} after ${attempt} kills`);
      if (attempt > 0) totals.resumes++;
      attempt++;
      for (const file of listCheckpoints(join(out, 'checkpoints'))) {
        try { loadCheckpoint(file); } catch { totals.corrupt++; }
      }
      if (name === 'grow' && existsSync(join(out, 'grown.safetensors'))) {
        try { readSafetensors(join(out, 'grown.safetensors')); } catch { totals.corrupt++; }
      }
    }
    const mismatch = job.result(out) !== expected;
    if (mismatch) totals.mismatches++;
    totals.trials++;
    console.log(`${name} trial ${t + 1}/${trials}: ${attempt - 1} kills, ${mismatch ? 'RESULT DIFFERS' : 'same result as the uninterrupted run'}`);
  }
}
console.log(`faults: ${totals.trials} trials, kills = ${totals.kills}, resumes = ${totals.resumes}, corrupt files = ${totals.corrupt}, results differing = ${totals.mismatches}`);
process.exit(totals.corrupt === 0 && totals.mismatches === 0 ? 0 : 1);
