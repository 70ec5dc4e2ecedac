/** `--data imagefolder`: train and grow on a folder of PNG/JPEG images the test writes itself. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { imageFolder } from '../helpers/image-folder.ts';

const bin = fileURLToPath(new URL('../../cli/mango.mjs', import.meta.url));
const mango = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } });

test('train and grow on an image folder: resized to the model, classes from the folders', () => {
  const root = imageFolder(['cat', 'dog', 'fox'], { train: 6, val: 3 });
  const dir = mkdtempSync(join(tmpdir(), 'imagefolder-run-'));
  const small = join(dir, 'small.json');
  writeFileSync(small, JSON.stringify({ imageSize: 16, channels: 3, patchSize: 4, dim: 16, depth: 1, heads: 1, classes: 3 }));
  const wider = join(dir, 'wider.json');
  writeFileSync(wider, JSON.stringify({ imageSize: 16, channels: 3, patchSize: 4, dim: 32, depth: 1, heads: 2, classes: 3 }));
  const trained = mango('train', '--data', 'imagefolder', '--data-dir', root, '--config', small, '--steps', '3', '--batch', '6', '--backend', 'cpu',
    '--out', join(dir, 'run'), '--weights-out', join(dir, 'source.safetensors'));
  assert.is(trained.status, 0, trained.stderr);
  assert.match(trained.stdout, /on imagefolder \(18 train \/ 9 test\)[\s\S]*done: 3 steps/);
  const grown = mango('grow', '--from', join(dir, 'source.safetensors'), '--to', wider, '--method', 'mango', '--op-steps', '2', '--batch', '6',
    '--data', 'imagefolder', '--data-dir', root, '--backend', 'cpu', '--out', join(dir, 'grown'));
  assert.is(grown.status, 0, grown.stderr);
  assert.match(grown.stdout, /on 9 imagefolder test images[\s\S]*wrote .*grown\.safetensors/);
  const wrongClasses = mango('train', '--data', 'imagefolder', '--data-dir', root, '--config', 'fmnist-d32-l2', '--steps', '1', '--backend', 'cpu', '--out', join(dir, 'bad'));
  assert.is(wrongClasses.status, 1);
  assert.match(wrongClasses.stderr, /the imagefolder images \(28²×1, 3 classes\) do not fit the model \(28²×1, 10 classes\)[\s\S]*fix: use a config with classes: 3/);
  assert.match(mango('train', '--data', 'imagefolde').stderr, /unknown dataset "imagefolde" \(did you mean "imagefolder"\?\)/);
});

test.run();
