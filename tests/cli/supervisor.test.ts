/** The supervisor: a native crash or device loss restarts the worker, which resumes; Ctrl-C and kills are not restarted. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deviceLostExitCode, noticeFilter, runSupervised } from '../../cli/supervisor.ts';
import { listCheckpoints, loadCheckpoint } from '../../models/checkpoint/checkpoint.ts';
import { fashionMnistLikeFolder } from '../helpers/idx-folder.ts';

const bin = fileURLToPath(new URL('../../cli/mango.mjs', import.meta.url));
const env = { ...process.env, XDG_RUNTIME_DIR: '/tmp' };
const dir = mkdtempSync(join(tmpdir(), 'supervisor-'));
const data = fashionMnistLikeFolder(96, 32);
writeFileSync(join(dir, 'tiny.json'), JSON.stringify({ imageSize: 28, channels: 1, patchSize: 7, dim: 16, depth: 2, heads: 1, mlpRatio: 4, classes: 10, dropout: 0.1, dropPath: 0 }));
const trainArgs = (out: string) => ['train', '--config', join(dir, 'tiny.json'), '--data-dir', data, '--batch', '16', '--steps', '48', '--checkpoint-every', '4',
  '--eval-every', '24', '--backend', 'cpu', '--out', out];

function start(args: string[]) {
  const child = spawn(process.execPath, [bin, ...args], { env });
  let stdout = '', stderr = '';
  child.stdout.on('data', (c) => { stdout += c; });
  child.stderr.on('data', (c) => { stderr += c; });
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  return { child, exited };
}

const workerOf = (pid: number) => Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0]);
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

async function waitFor(predicate: () => boolean, what: string, ms = 60_000) {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const finalWeights = (out: string) => {
  const last = loadCheckpoint(listCheckpoints(join(out, 'checkpoints')).at(-1)!);
  return JSON.stringify([last.state.step, ...[...last.model.values()].map((t) => [...t.data].join())]);
};

test('supervisor: a worker killed by SIGSEGV mid-training is restarted and ends where an uninterrupted run ends', async () => {
  const reference = spawnSync(process.execPath, [bin, ...trainArgs(join(dir, 'reference'))], { env, encoding: 'utf8' });
  assert.is(reference.status, 0, reference.stderr);
  const out = join(dir, 'crashed');
  const run = start(trainArgs(out));
  await waitFor(() => listCheckpoints(join(out, 'checkpoints')).length >= 2, 'two checkpoints');
  process.kill(workerOf(run.child.pid!), 'SIGSEGV');
  const { code, stderr } = await run.exited;
  assert.is(code, 0, stderr);
  assert.match(stderr, /crashed natively \(SIGSEGV[^\n]*restarting it \(1 of 3\)/);
  assert.is(finalWeights(out), finalWeights(join(dir, 'reference')));
});

test('supervisor: Ctrl-C stops the worker once with a checkpoint, no restart', async () => {
  const out = join(dir, 'interrupted');
  const run = start(trainArgs(out));
  await waitFor(() => listCheckpoints(join(out, 'checkpoints')).length >= 1, 'a checkpoint');
  run.child.kill('SIGINT');
  const { code, stdout, stderr } = await run.exited;
  assert.is(code, 130, stderr);
  assert.match(stdout, /stopped at step \d+ of 48; checkpoint written/);
  assert.not.match(stderr, /restarting/);
});

test('supervisor: killing the supervisor (kill -9) takes its worker down too, so no orphan writes the folder', async () => {
  const out = join(dir, 'orphan');
  const run = start(trainArgs(out));
  await waitFor(() => listCheckpoints(join(out, 'checkpoints')).length >= 1, 'a checkpoint');
  const worker = workerOf(run.child.pid!);
  run.child.kill('SIGKILL');
  await run.exited;
  await waitFor(() => !alive(worker), 'the worker to exit', 10_000);
});

test('supervisor: a device-lost exit (75) is restarted with the restart command line; other failures are not', async () => {
  const script = join(dir, 'flaky.mjs');
  writeFileSync(script, `import { existsSync, writeFileSync, appendFileSync } from 'node:fs';
const [marker, log] = process.argv.slice(2, 4);
appendFileSync(log, process.argv.slice(4).join(' ') + '\\n');
if (!existsSync(marker)) { writeFileSync(marker, ''); process.exit(${deviceLostExitCode}); }
process.exit(0);`);
  const log = join(dir, 'flaky.log');
  const quiet = console.error;
  console.error = () => {};
  try {
    const code = await runSupervised({ binary: script, argv: [join(dir, 'marker'), log, 'first'], restartArgv: [join(dir, 'marker'), log, 'again'], maxRestarts: 3 });
    assert.is(code, 0);
    assert.is(readFileSync(log, 'utf8'), 'first\nagain\n');
    writeFileSync(script, 'process.exit(3);');
    assert.is(await runSupervised({ binary: script, argv: [], restartArgv: [], maxRestarts: 3 }), 3, 'an ordinary failure is passed through');
  } finally {
    console.error = quiet;
  }
});

test('noticeFilter: Dawn\'s two limit notices are left out, however the chunks fall; everything else passes at once', () => {
  const notices = 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n'
    + 'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n';
  const text = `${notices}\rtrain [██░░] 1/4\rtrain [███░] 2/4 Warning: maxDynamic is mid-line\nWarning: something else\n  step 2: test accuracy 50%\n`;
  for (const cut of [1, 7, 19, 64, text.length]) {
    let out = '';
    const filter = noticeFilter((t) => { out += t; });
    for (let i = 0; i < text.length; i += cut) filter.push(text.slice(i, i + cut));
    filter.end();
    assert.is(out, text.slice(notices.length), `chunks of ${cut}`);
  }
  let shown = '';
  const filter = noticeFilter((t) => { shown += t; });
  filter.push('\rtrain [█░░░] 1/4');
  assert.is(shown, '\rtrain [█░░░] 1/4', 'a bar redraw is not held back');
});

test('train: a folder with checkpoints of an earlier run is not overwritten without --resume', () => {
  const out = join(dir, 'reference');
  const before = finalWeights(out);
  const again = spawnSync(process.execPath, [bin, ...trainArgs(out)], { env, encoding: 'utf8' });
  assert.is(again.status, 1);
  assert.match(again.stderr, /already holds \d+ checkpoint\(s\) of an earlier run[\s\S]*fix: pass --resume/);
  assert.is(finalWeights(out), before);
  assert.ok(existsSync(join(out, 'log.jsonl')));
});

test.run();
