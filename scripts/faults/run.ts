/**
 * `npm run faults`: faults at random moments during `mango train`, `mango grow` and `mango experiment`
 * (tiny configs, CPU backend, synthetic IDX data), then check that every checkpoint on disk loads and the
 * final result equals an uninterrupted run with the same seed.
 *   kill:  kill -9 the command (up to 3 times), rerun it until it finishes;
 *   crash: SIGSEGV its worker process (a native crash, up to 3 times); the supervisor must restart it by itself.
 * usage: npm run faults -- [--trials 20] [--only train|grow|experiment] [--mode kill|crash|both]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { listCheckpoints, loadCheckpoint } from '../../models/checkpoint/checkpoint.ts';
import { readSafetensors } from '../../models/checkpoint/safetensors.ts';
import { fashionMnistLikeFolder } from '../../tests/helpers/idx-folder.ts';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '20' }, only: { type: 'string' }, mode: { type: 'string', default: 'both' } } });
const modes = values.mode === 'both' ? ['kill', 'crash'] : [values.mode!];
if (!modes.every((m) => m === 'kill' || m === 'crash')) throw new Error('--mode must be kill, crash or both');
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

/** Runs a supervised command and SIGSEGVs its worker at the given moments; resolves when the supervisor exits. */
function runWithCrashes(args: string[], crashAtMs: number[]): Promise<{ code: number | null; crashes: number; restarts: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let crashes = 0;
    child.stderr!.on('data', (chunk) => { stderr += chunk; });
    const timers = crashAtMs.map((ms) => setTimeout(() => {
      const worker = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
      if (worker > 0) {
        process.kill(worker, 'SIGSEGV');
        crashes++;
      }
    }, ms));
    child.on('exit', (code) => {
      timers.forEach(clearTimeout);
      resolve({ code, crashes, restarts: stderr.match(/restarting it/g)?.length ?? 0 });
    });
  });
}

/** Every checkpoint and grown-weights file under a run folder must load. */
function corruptFiles(dir: string): number {
  let corrupt = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath ?? entry.path, entry.name);
    if (!entry.isFile() || !entry.name.endsWith('.safetensors')) continue;
    try {
      if (/^step-\d+\.safetensors$/.test(entry.name)) loadCheckpoint(path);   // loads its .optim companion too
      else readSafetensors(path);
    } catch {
      corrupt++;
    }
  }
  return corrupt;
}

const totals = { kills: 0, resumes: 0, crashes: 0, restarts: 0, corrupt: 0, mismatches: 0, trials: 0 };
for (const [name, job] of Object.entries(jobs)) {
  if (values.only && values.only !== name) continue;
  const reference = join(work, `${name}-reference`);
  const args = job.args(reference);   // builds the grow job's source checkpoint first, outside the timing
  const started = performance.now();
  const ok = await runUntil(args, undefined);
  const duration = performance.now() - started;
  if (ok.code !== 0) throw new Error(`${name}: the uninterrupted run failed`);
  const expected = job.result(reference);
  console.log(`${name}: the uninterrupted run takes ${(duration / 1000).toFixed(1)} s`);
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  // A moment inside the run, after Node's and the worker's start-up.
  const moment = () => 1200 + random() * Math.max(300, duration - 1500);
  for (const mode of modes) {
    for (let t = 0; t < trials; t++) {
      const out = join(work, `${name}-${mode}-${t}`);
      let faults = 0;
      if (mode === 'kill') {
        for (let attempt = 0; ; attempt++) {
          const run = await runUntil(job.args(out), attempt < 3 ? moment() : undefined);
          if (attempt > 0) totals.resumes++;
          totals.corrupt += corruptFiles(out);
          if (run.killed) { totals.kills++; faults++; continue; }
          if (run.code !== 0) throw new Error(`${name} trial ${t}: exited with ${run.code} after ${attempt} kills`);
          break;
        }
      } else {
        const count = 1 + Math.floor(random() * 3);
        const run = await runWithCrashes(job.args(out), Array.from({ length: count }, (_, i) => moment() * (i + 1)));
        if (run.code !== 0) throw new Error(`${name} trial ${t}: exited with ${run.code} after ${run.crashes} crashes`);
        totals.crashes += run.crashes;
        totals.restarts += run.restarts;
        faults = run.crashes;
        if (run.restarts !== run.crashes) throw new Error(`${name} trial ${t}: ${run.crashes} crashes but ${run.restarts} restarts`);
        totals.corrupt += corruptFiles(out);
      }
      const mismatch = job.result(out) !== expected;
      if (mismatch) totals.mismatches++;
      totals.trials++;
      console.log(`${name} ${mode} trial ${t + 1}/${trials}: ${faults} ${mode === 'kill' ? 'kills' : 'native crashes'}, ${mismatch ? 'RESULT DIFFERS' : 'same result as the uninterrupted run'}`);
    }
  }
}
console.log(`faults: ${totals.trials} trials, kills = ${totals.kills}, resumes = ${totals.resumes}, native crashes = ${totals.crashes}, supervisor restarts = ${totals.restarts}, corrupt files = ${totals.corrupt}, results differing = ${totals.mismatches}`);
process.exit(totals.corrupt === 0 && totals.mismatches === 0 ? 0 : 1);
