/** Language models through the CLI: train on the user's own text, write GPT-2-named weights, grow them keeping the loss, inspect, and bad input. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readSafetensors } from '../../models/checkpoint/safetensors.ts';

const bin = fileURLToPath(new URL('../../cli/mango.mjs', import.meta.url));
const mango = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } });

const dir = mkdtempSync(join(tmpdir(), 'cli-lm-'));
const text = join(dir, 'text');
mkdirSync(text);
const sentence = 'the quick brown fox jumps over the lazy dog. ';
for (let i = 0; i < 24; i++) writeFileSync(join(text, `doc-${String(i).padStart(2, '0')}.txt`), sentence.repeat(8 + (i % 5)));
const config = join(dir, 'lm-tiny.json');
writeFileSync(config, JSON.stringify({ vocabSize: 256, context: 16, dim: 16, depth: 1, heads: 2, mlpRatio: 4, tiedHead: true, dropout: 0 }));
const wide = join(dir, 'lm-wide.json');
writeFileSync(wide, JSON.stringify({ vocabSize: 256, context: 16, dim: 32, depth: 1, heads: 4, mlpRatio: 4, tiedHead: true, dropout: 0 }));

test('train a decoder on a folder of .txt files, write Hugging Face names, grow with Net2Net keeping the loss, inspect it', () => {
  const weights = join(dir, 'lm.safetensors');
  const train = mango(['train', '--config', config, '--data', 'text', '--data-dir', text, '--steps', '12', '--batch', '8', '--lr', '0.01',
    '--eval-every', '6', '--backend', 'cpu', '--out', join(dir, 'run'), '--weights-out', weights, '--names', 'gpt2']);
  assert.is(train.status, 0, train.stderr);
  assert.match(train.stdout, /training GPT d16·L1·h2, vocabulary 256, context 16, tied head on text-folder train \(byte tokens\)/);
  assert.match(train.stderr, /step 6: test loss \d\.\d{4} nats\/token \(perplexity [\d.]+\), validation \d\.\d{4} nats\/token/);
  const file = readSafetensors(weights);
  assert.ok(file.tensors.has('transformer.h.0.attn.c_attn.weight'), 'GPT-2 names');
  assert.is(file.metadata.format, 'pt');
  const grow = mango(['grow', '--from', weights, '--to', wide, '--method', 'net2net', '--data', 'text', '--data-dir', text, '--backend', 'cpu', '--out', join(dir, 'grown')]);
  assert.is(grow.status, 0, grow.stderr);
  const losses = [...grow.stdout.matchAll(/test loss (\d\.\d{4}) nats\/token/g)].map((m) => m[1]);
  assert.is(losses.length, 2, grow.stdout);
  assert.is(losses[0], losses[1], 'Net2Net keeps the next-token loss');
  const inspect = mango(['inspect', join(dir, 'grown', 'grown.safetensors')]);
  assert.match(inspect.stdout, /model: GPT d32·L1·h4, vocabulary 256, context 16, tied head \(recorded in its metadata\)[\s\S]*method: net2net/);
});

test('bad input for a decoder: image data, a ViT --names, an unknown preset with a suggestion, a missing text folder', () => {
  const images = mango(['train', '--config', 'lm-d32-l4', '--data', 'fashion-mnist', '--steps', '1', '--out', join(dir, 'x1')]);
  assert.is(images.status, 1);
  assert.match(images.stderr, /a language model cannot train on the image dataset fashion-mnist/);
  const names = mango(['train', '--config', 'fmnist-d16-l2', '--names', 'gpt2', '--steps', '1', '--out', join(dir, 'x2')]);
  assert.match(names.stderr, /--names gpt2 applies to language models/);
  const preset = mango(['train', '--config', 'lm-d64-l3', '--steps', '1', '--out', join(dir, 'x3')]);
  assert.match(preset.stderr, /unknown config "lm-d64-l3".*did you mean/s);
  const folder = mango(['train', '--config', config, '--data', 'text', '--steps', '1', '--out', join(dir, 'x4')]);
  assert.match(folder.stderr, /--data text needs --data-dir/);
  for (const out of ['x1', 'x2', 'x3', 'x4']) assert.not.ok(existsSync(join(dir, out)), `nothing written for ${out}`);
});

test.run();
