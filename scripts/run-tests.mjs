#!/usr/bin/env node
// `npm test [-- FILTER]`: type-checks the project, then runs every tests/**/*.test.ts with uvu in one
// process (GC exposed for the memory tests) and ends with the plain line "N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filter = process.argv[2] ? new RegExp(process.argv[2]) : undefined;

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  }).sort();
}

if (!filter) {
  console.log('typecheck: tsc --noEmit');
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', root], { stdio: 'inherit' });
  if (tsc.status !== 0) {
    console.log('0 passed, 1 failed (typecheck)');
    process.exit(1);
  }
}

const files = testFiles(join(root, 'tests')).filter((f) => !filter || filter.test(relative(root, f)));
// Kernel autotuning is off in the suite (its own test turns it on), so test times do not depend on it.
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp', FORCE_COLOR: '0', MANGO_AUTOTUNE: process.env.MANGO_AUTOTUNE ?? '0' };
const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(root, 'scripts/uvu-entry.mjs'), ...files],
  { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 256 << 20 });
process.stdout.write(run.stdout ?? '');
const count = (label) => Number((run.stdout ?? '').match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? NaN);
const total = count('Total'), passed = count('Passed'), skipped = count('Skipped');
if (run.status !== 0 || !Number.isFinite(total)) {
  const how = run.signal ? `killed by ${run.signal}` : `exit ${run.status}`;
  console.log(`test process failed (${how})`);
  console.log(`${Number.isFinite(passed) ? passed : 0} passed, ${Number.isFinite(total) ? Math.max(1, total - passed - skipped) : 1} failed`);
  process.exit(1);
}
console.log(`${passed} passed, ${total - passed - skipped} failed, ${skipped} skipped`);
process.exit(total - passed - skipped === 0 ? 0 : 1);
