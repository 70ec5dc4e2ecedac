/**
 * The terminal a user sees, through a real pseudo-terminal (util-linux `script`): evaluation lines are printed
 * above the progress bar (the bar's line cleared first, then redrawn below), and Dawn's two limit notices are
 * left out unless --verbose asks for them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fashionMnistLikeFolder } from '../helpers/idx-folder.ts';
import { sharedGpu } from '../helpers/gpu.ts';

const bin = fileURLToPath(new URL('../../cli/mango.mjs', import.meta.url));
const data = fashionMnistLikeFolder(256, 64);

function onTerminal(...args: string[]): string {
  const command = [process.execPath, bin, ...args].map((a) => `'${a}'`).join(' ');
  const run = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, XDG_RUNTIME_DIR: '/tmp', COLUMNS: '120' } });
  assert.is(run.status, 0, run.stdout + run.stderr);
  return run.stdout;
}

test('a terminal: eval lines above the bar, no Dawn notices; --verbose shows them', async () => {
  const gpu = await sharedGpu();
  const backend = gpu ? 'webgpu' : 'cpu';
  const train = (out: string, ...extra: string[]) => onTerminal('train', '--config', 'fmnist-d32-l2', '--data-dir', data, '--steps', '8', '--batch', '32',
    '--eval-every', '4', '--backend', backend, '--out', join(mkdtempSync(join(tmpdir(), 'tty-')), out), ...extra);
  const screen = train('quiet');
  assert.match(screen, /\x1b\[2K {2}step 4: test accuracy [\d.]+% \(loss [\d.]+\)\r?\n[^\n]*train \[/, 'the bar line is cleared, the eval line printed, the bar drawn again below it');
  assert.match(screen, /done: 8 steps/);
  assert.not.match(screen, /artificially reduced/);
  if (gpu) assert.match(train('verbose', '--verbose'), /Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced/, '--verbose passes them through');
});

test.run();
