/** `mango grow` from a PyTorch-written timm file without any dataset, no silent overwrite, and `train --init` on its architecture. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readSafetensors } from '../../models/checkpoint/safetensors.ts';
import { fashionMnistLikeFolder } from '../helpers/idx-folder.ts';

const bin = fileURLToPath(new URL('../../cli/mango.mjs', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/timm-vit-d32-l2-h4.safetensors', import.meta.url));
const noDataset = { MANGO_DATA_DIR: '/nonexistent-dataset' };
const mango = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, XDG_RUNTIME_DIR: '/tmp', ...env } });

const dir = mkdtempSync(join(tmpdir(), 'cli-grow-'));
const target = join(dir, 'd64-l4-h8.json');
writeFileSync(target, JSON.stringify({ imageSize: 28, channels: 1, patchSize: 7, dim: 64, depth: 4, heads: 8, mlpRatio: 4, classes: 10 }));

test('grow a timm file with no metadata: --heads needed and named; no dataset needed with --op-steps 0 or a fixed method', () => {
  const noHeads = mango(['grow', '--from', fixture, '--to', target, '--op-steps', '0', '--backend', 'cpu', '--out', join(dir, 'none')], noDataset);
  assert.is(noHeads.status, 1);
  assert.match(noHeads.stderr, /records no architecture[\s\S]*fix: pass --heads N[\s\S]*--source-config/);
  assert.not.ok(existsSync(join(dir, 'none')), 'nothing written');
  for (const [method, extra] of [['mango', ['--op-steps', '0', '--rank', '2']], ['net2net', []], ['bert2bert-aki', []]] as const) {
    const out = join(dir, method);
    const run = mango(['grow', '--from', fixture, '--heads', '4', '--to', target, '--method', method, ...extra, '--backend', 'cpu', '--out', out], noDataset);
    assert.is(run.status, 0, run.stderr);
    assert.match(run.stdout, /growing ViT d32·L2·h4[\s\S]*architecture from the file's tensor shapes[\s\S]*no dataset used[\s\S]*wrote .*grown\.safetensors/);
    const grown = readSafetensors(join(out, 'grown.safetensors'));
    assert.is(JSON.parse(grown.metadata.config).heads, 8);
    assert.is(grown.metadata.method, method);
  }
  assert.match(mango(['inspect', join(dir, 'mango', 'grown.safetensors')]).stdout, /model: ViT d64·L4·h8 .*recorded in its metadata\)[\s\S]*method: mango\nrank: 2\nwidthInit: copy/);
  assert.match(mango(['inspect', fixture]).stdout, /model: ViT d32·L2 patch 7 .*from its tensor shapes; heads not recorded/);
  const trainsOperator = mango(['grow', '--from', fixture, '--heads', '4', '--to', target, '--op-steps', '2', '--backend', 'cpu', '--out', join(dir, 'needs-data')], noDataset);
  assert.is(trainsOperator.status, 1, 'operator training needs data');
  assert.match(trainsOperator.stderr, /Fashion-MNIST folder .*does not exist/);
  assert.not.ok(existsSync(join(dir, 'needs-data')));
});

test('grow never overwrites grown.safetensors', () => {
  const path = join(dir, 'mango', 'grown.safetensors');
  const before = readFileSync(path);
  const mtime = statSync(path).mtimeMs;
  const again = mango(['grow', '--from', fixture, '--heads', '4', '--to', target, '--op-steps', '0', '--backend', 'cpu', '--out', join(dir, 'mango')], noDataset);
  assert.is(again.status, 1);
  assert.match(again.stderr, /grown\.safetensors already exists[\s\S]*fix: choose another --out[\s\S]*nothing was overwritten/);
  assert.equal(readFileSync(path), before);
  assert.is(statSync(path).mtimeMs, mtime);
});

test('train --init builds the file\'s architecture; a disagreeing --config is an error naming both', () => {
  const grown = join(dir, 'net2net', 'grown.safetensors');
  const data = fashionMnistLikeFolder(64, 16);
  const wrong = mango(['train', '--init', grown, '--config', 'fmnist-d64-l4', '--data-dir', data, '--batch', '16', '--steps', '1', '--backend', 'cpu', '--out', join(dir, 'wrong')]);
  assert.is(wrong.status, 1);
  assert.match(wrong.stderr, /--config fmnist-d64-l4 \(ViT d64·L4·h2[\s\S]*disagrees with the architecture recorded in .*grown\.safetensors \(ViT d64·L4·h8[\s\S]*heads 2 vs 8/);
  assert.not.ok(existsSync(join(dir, 'wrong')));
  const right = mango(['train', '--init', grown, '--data-dir', data, '--batch', '16', '--steps', '2', '--backend', 'cpu', '--out', join(dir, 'trained')]);
  assert.is(right.status, 0, right.stderr);
  assert.match(right.stdout, /training ViT d64·L4·h8[\s\S]*initialised from .*grown\.safetensors \(architecture from its metadata\)[\s\S]*done: 2 steps/);
  const timm = mango(['train', '--init', fixture, '--heads', '4', '--data-dir', data, '--batch', '16', '--steps', '1', '--backend', 'cpu', '--out', join(dir, 'from-timm')]);
  assert.is(timm.status, 0, timm.stderr);
  assert.match(timm.stdout, /training ViT d32·L2·h4[\s\S]*architecture from its tensor shapes/);
});

test.run();
