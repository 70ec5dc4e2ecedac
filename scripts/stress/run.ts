/**
 * `npm run stress`: runs the stress worker in consecutive processes and counts native crashes.
 * usage: npm run stress -- [--processes 20] [--cycles 500] [--long-seconds 2.5] [--control]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    processes: { type: 'string', default: '20' },
    cycles: { type: 'string', default: '500' },
    'long-seconds': { type: 'string', default: '2.5' },
    control: { type: 'boolean', default: false },
  },
});
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const nodeArgs = ['--expose-gc', '--import', 'tsx'];
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };

function runNode(script: string, args: string[]) {
  const result = spawnSync(process.execPath, [...nodeArgs, here(script), ...args], { env, encoding: 'utf8', timeout: 600_000 });
  const crashed = result.status !== 0;
  const how = result.signal ? `signal ${result.signal}` : `exit ${result.status}`;
  return { crashed, how, stdout: result.stdout, stderr: result.stderr };
}

if (values.control) {
  let crashes = 0;
  for (let i = 0; i < 3; i++) {
    const run = runNode('./control-drop-instance.ts', []);
    if (run.crashed) crashes++;
    console.log(`control ${i + 1}: ${run.crashed ? `crashed (${run.how})` : 'survived'}`);
  }
  console.log(`control (instance dropped on purpose): ${crashes} of 3 processes crashed`);
  process.exit(crashes > 0 ? 0 : 1);
}

const processes = Number(values.processes);
const totals = { cycles: 0, dispatches: 0, copies: 0, readbacks: 0, bytesMoved: 0, wrong: 0, longDispatches: 0, longMs: 0, largestBuffer: 0 };
let crashes = 0;
const started = performance.now();
for (let i = 0; i < processes; i++) {
  const run = runNode('./worker.ts', [values.cycles, values['long-seconds'], String(i + 1)]);
  const line = run.stdout.trim().split('\n').pop() ?? '';
  if (run.crashed || !line.startsWith('{')) {
    crashes++;
    console.log(`process ${i + 1}/${processes}: CRASHED (${run.how})\n${run.stderr.slice(-2000)}`);
    continue;
  }
  const s = JSON.parse(line);
  for (const k of ['cycles', 'dispatches', 'copies', 'readbacks', 'bytesMoved', 'wrong'] as const) totals[k] += s[k];
  totals.longDispatches += s.longDispatchMs.length;
  totals.longMs += s.longDispatchMs.reduce((a: number, b: number) => a + b, 0);
  totals.largestBuffer = Math.max(totals.largestBuffer, s.largestBuffer);
  console.log(`process ${i + 1}/${processes}: ${s.cycles} cycles, long dispatches ${s.longDispatchMs.join('/')} ms, wrong ${s.wrong}, ${s.seconds.toFixed(1)} s`);
}
const minutes = (performance.now() - started) / 60000;
console.log([
  `stress: processes run = ${processes}, cycles run = ${totals.cycles} (${totals.dispatches} dispatches, ${totals.copies} copies, ${totals.readbacks} readbacks)`,
  `  long dispatches = ${totals.longDispatches} (mean ${(totals.longMs / Math.max(1, totals.longDispatches) / 1000).toFixed(2)} s), buffers 4 B to ${totals.largestBuffer / 2 ** 20} MiB, ${(totals.bytesMoved / 2 ** 30).toFixed(1)} GiB moved`,
  `  crashes = ${crashes}, wrong results = ${totals.wrong}, ${minutes.toFixed(1)} min`,
].join('\n'));
process.exit(crashes === 0 && totals.wrong === 0 ? 0 : 1);
