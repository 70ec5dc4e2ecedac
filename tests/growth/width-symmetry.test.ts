/**
 * Why duplication-based width growth can train like the narrow model it came from: copies of a unit get
 * equal gradients, so AdamW keeps them equal and the grown model never leaves its source's width. Proven
 * on bert2BERT FPI (exact copies); Net2Net's noise and a fresh wide model are the contrast.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { GPT } from '../../models/lm/gpt.ts';
import type { GPTConfig } from '../../models/lm/gpt-config.ts';
import type { TokenSplit } from '../../models/lm/token-split.ts';
import { trainModel } from '../../models/train/trainer.ts';
import { grow } from '../../growth/grow.ts';
import { widthUsage } from '../../scripts/width-usage.ts';
import { perturbParameters } from '../helpers/perturb.ts';

const narrow: GPTConfig = { vocabSize: 31, context: 8, dim: 16, depth: 2, heads: 2, mlpRatio: 4, tiedHead: true, dropout: 0 };
const wide: GPTConfig = { ...narrow, dim: 32, heads: 4 };
const random = new E.Random(5);
// A learnable stream: mostly i·7 + 3 (mod 31), one token in eight random.
const split = (n: number): TokenSplit => ({ kind: 'tokens', name: 'synthetic', tokenizer: 'byte', tokens: Uint32Array.from({ length: n }, (_, i) => (random.int(8) === 0 ? random.int(31) : (i * 7 + 3) % 31)) });
const train = split(2048), held = split(256);

async function trained(model: GPT): Promise<{ before: number; after: number }> {
  const run = await trainModel({ model, train, test: held, batchSize: 8, steps: 6, lr: 1e-2, clipNorm: 1, seed: 1, evalEvery: 0, evaluateStart: true, showProgress: false });
  return { before: run.evals[0].loss!, after: run.evals.at(-1)!.loss! };
}

const source = () => perturbParameters(new GPT(narrow, { seed: 2 }), 0.05);

test('bert2BERT FPI: after AdamW steps that change the loss, every weight still lies in the source width', async () => {
  const { target } = await grow(source(), wide, 'bert2bert-fpi', { seed: 1 });
  assert.ok((await widthUsage(target, wide.dim, narrow.dim)).max < 1e-9, 'grown weights start in the source width');
  const loss = await trained(target);
  assert.ok(Math.abs(loss.after - loss.before) > 0.1, `training moved the loss (${loss.before} → ${loss.after})`);
  const usage = await widthUsage(target, wide.dim, narrow.dim);
  assert.ok(usage.max < 1e-9, `share outside the source width after training: ${usage.max}`);
});

test('Net2Net noise and a fresh wide model use the extra width (the measure sees it)', async () => {
  const { target } = await grow(source(), wide, 'net2net', { seed: 1 });
  await trained(target);
  assert.ok((await widthUsage(target, wide.dim, narrow.dim)).median > 1e-7);
  assert.ok((await widthUsage(new GPT(wide, { seed: 3 }), wide.dim, narrow.dim)).median > 0.05);
});

test("Mango's width init: trained copies stay inside the source width; LiGO-style mixtures start inside it too but leave it", async () => {
  const copied = await grow(source(), wide, 'mango', { seed: 1 });
  const mixed = await grow(source(), wide, 'mango', { seed: 1, widthInit: 'mix' });
  // a mixture is a linear combination of source units: at init the grown weights span only the source width
  assert.ok((await widthUsage(mixed.target, wide.dim, narrow.dim)).max < 1e-9, 'mix at init');
  await trained(copied.target);
  await trained(mixed.target);
  assert.ok((await widthUsage(copied.target, wide.dim, narrow.dim)).max < 1e-9, 'copy after training');
  // but LayerNorm's centring and GELU do not commute with mixing, so the gradients leave that subspace
  const usage = (await widthUsage(mixed.target, wide.dim, narrow.dim)).median;
  assert.ok(usage > 1e-2, `mix after training: ${usage}`);
});

test.run();
