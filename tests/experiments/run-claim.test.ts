/** Run claims: one live owner per run folder; a dead owner's claim is taken over. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { claimRun, releaseRun } from '../../experiments/run-claim.ts';

const claimPath = (dir: string) => join(dir, '.claimed-by');

test('claim: first claim wins, re-claiming by the owner is fine, release removes it', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'claim-')), 'run');
  assert.is(claimRun(dir), undefined);
  assert.is(claimRun(dir), undefined);
  releaseRun(dir);
  assert.not.ok(existsSync(claimPath(dir)));
});

test('claim: a live other process keeps its run; a dead one loses it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'claim-'));
  const sleeper = spawn('sleep', ['30']);
  writeFileSync(claimPath(dir), String(sleeper.pid));
  assert.is(claimRun(dir), sleeper.pid);
  releaseRun(dir);
  assert.ok(existsSync(claimPath(dir)), 'release does not drop someone else\'s claim');
  sleeper.kill('SIGKILL');
  await new Promise((resolve) => sleeper.once('exit', resolve));
  assert.is(claimRun(dir), undefined, 'the dead owner\'s claim is taken over');
});

test('claim: a pid that never existed does not block', () => {
  const dir = mkdtempSync(join(tmpdir(), 'claim-'));
  const finished = spawnSync('true');
  writeFileSync(claimPath(dir), String(finished.pid));
  assert.is(claimRun(dir), undefined);
});

test.run();
