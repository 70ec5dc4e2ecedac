/**
 * `mango sample` on small decoder files written here: a byte model trained on a repeating text continues
 * it after the prompt (a two-byte character streamed whole), a seed fixes the sample, and bad input is
 * refused with the fix.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { byteTokenizer } from '../../models/data/tokenizer.ts';
import { GPT } from '../../models/lm/gpt.ts';
import type { GPTConfig } from '../../models/lm/gpt-config.ts';
import { saveGPTWeights } from '../../models/lm/gpt-weights.ts';
import { AdamW } from '../../models/optim/optimizer.ts';
import { trainStep } from '../../models/train/step.ts';

const bin = fileURLToPath(new URL('../../cli/mango.mjs', import.meta.url));
const mango = (args: string[]) =>
  spawnSync(process.execPath, [bin, 'sample', '--backend', 'cpu', ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } });
const noStackTrace = (stderr: string) => assert.not.match(stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');

const dir = mkdtempSync(join(tmpdir(), 'cli-sample-'));
const config: GPTConfig = { vocabSize: 256, context: 16, dim: 32, depth: 1, heads: 2, mlpRatio: 4, tiedHead: true, dropout: 0 };
// Five bytes a period: "é" is two of them.
const period = Array.from(byteTokenizer.encode('abcé'));

async function trainedOnPeriod(): Promise<GPT> {
  const model = new GPT(config, { seed: 1 });
  const optimizer = new AdamW(model.namedParameters(), { weightDecay: 0 });
  const random = new E.Random(2);
  const window = (start: number) => Array.from({ length: config.context + 1 }, (_, i) => period[(start + i) % period.length]);
  for (let step = 0; step < 80; step++) {
    const windows = Array.from({ length: 8 }, () => window(random.int(period.length)));
    const inputs = { ids: windows.flatMap((w) => w.slice(0, -1)), batch: 8, length: config.context };
    await trainStep({ backend: model.backend, loss: () => model.loss(inputs, windows.flatMap((w) => w.slice(1))), optimizer, params: () => model.parameters(), lr: 1e-2 });
  }
  optimizer.dispose();
  return model;
}

const trained = join(dir, 'trained.safetensors');
await saveGPTWeights(trained, await trainedOnPeriod());
const untrained = join(dir, 'untrained-hf-names.safetensors');
await saveGPTWeights(untrained, new GPT(config, { seed: 3 }), { names: 'gpt2' });

test('greedy: prints the prompt, then the learned text past the context, "é" whole', () => {
  const run = mango(['--from', trained, '--prompt', 'abcéab', '--tokens', '30', '--temperature', '0']);
  assert.is(run.status, 0, run.stderr);
  assert.is(run.stdout, `abcéab${'céab'.repeat(6)}\n`, '30 bytes: six periods');
  assert.match(run.stderr, /GPT d32·L1·h2, vocabulary 256, context 16.*; byte tokenizer[\s\S]*30 tokens in/);
});

test('a seed fixes the sample, another seed changes it; no prompt starts a new document', () => {
  const sample = (seed: string, prompt: string[] = ['--prompt', 'x']) => mango(['--from', untrained, '--tokens', '40', '--temperature', '1', '--top-k', '0', '--seed', seed, ...prompt]);
  const [a, again, other] = [sample('5'), sample('5'), sample('6')];
  assert.is(a.status, 0, a.stderr);
  assert.ok(a.stdout.startsWith('x'));
  assert.is(again.stdout, a.stdout);
  assert.is.not(other.stdout, a.stdout);
  const fresh = sample('5', []);
  assert.is(fresh.status, 0, fresh.stderr);
  assert.ok(fresh.stdout.length > 1, 'generated text without a prompt');
});

test('bad input: a tokenizer the vocabulary cannot hold, a missing file, --tokens 0: the cause and the fix', () => {
  const cases: [string[], RegExp][] = [
    [['--from', trained, '--tokenizer', 'gpt2'], /the gpt2 tokenizer has 50257 tokens, but the model in .*trained\.safetensors has a vocabulary of only 256[\s\S]*fix: use --tokenizer byte/],
    [['--from', join(dir, 'missing.safetensors')], /cannot read .*missing\.safetensors[\s\S]*fix:/],
    [['--from', trained, '--tokens', '0'], /--tokens must be an integer ≥ 1 \(got "0"\)/],
    [['--prompt', 'hi'], /sample needs --from[\s\S]*fix:/],
  ];
  for (const [args, message] of cases) {
    const run = mango(args);
    assert.is(run.status, 1, `${args.join(' ')}: exit status`);
    assert.match(run.stderr, message);
    assert.is(run.stdout, '');
    noStackTrace(run.stderr);
  }
});

test.run();
