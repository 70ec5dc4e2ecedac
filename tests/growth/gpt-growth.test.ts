/**
 * grow() on the GPT-style decoder: function preservation on next-token logits where the method promises it
 * (tied and untied heads: with a tied head the final norm splits its units, since the head, being the
 * copied embedding, cannot), exact target shapes for every method, and operator training on token batches.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { GPT, type LMBatch } from '../../models/lm/gpt.ts';
import type { GPTConfig } from '../../models/lm/gpt-config.ts';
import type { BatchSource } from '../../models/data/batches.ts';
import { grow, growthMethods } from '../../growth/grow.ts';
import { close } from '../helpers/check-op.ts';
import { perturbParameters } from '../helpers/perturb.ts';

const small: GPTConfig = { vocabSize: 31, context: 8, dim: 16, depth: 2, heads: 2, mlpRatio: 4, tiedHead: true, dropout: 0 };
const tokens = { ids: Array.from({ length: 16 }, (_, i) => (i * 7 + 3) % 31), batch: 2, length: 8 };

const perturbedSource = (config: GPTConfig, seed: number) => perturbParameters(new GPT(config, { seed }), 0.05, seed);
const logits = (model: GPT) => E.noGrad(() => model.eval().forward(tokens)).dataSync();

for (const tiedHead of [true, false]) {
  const source = perturbedSource({ ...small, tiedHead }, 2);
  const sourceLogits = logits(source);
  const head = tiedHead ? 'tied' : 'untied';
  for (const method of ['mango', 'bert2bert-fpi', 'net2net'] as const) {
    test(`${method}, ${head} head: 2× width with the head dim kept reproduces the source's next-token logits`, async () => {
      const { target } = await grow(source, { ...small, tiedHead, dim: 32, heads: 4 }, method, { seed: 1 });
      close(logits(target), sourceLogits, 1e-4, `${method} logits`);
      if (tiedHead) assert.ok(!target.namedParameters().some(([n]) => n === 'head.weight'), 'the grown head stays tied');
    });
  }
  test(`depth: net2net identity blocks and Mango R=2 identity init reproduce the logits (${head} head)`, async () => {
    for (const [method, rank] of [['net2net', 1], ['mango', 2]] as const) {
      const { target } = await grow(source, { ...small, tiedHead, depth: 4 }, method, { seed: 1, rank });
      close(logits(target), sourceLogits, 1e-4, `${method} R=${rank} deepened logits`);
    }
    const { target } = await grow(source, { ...small, tiedHead, dim: 32, heads: 4, depth: 4 }, 'mango', { seed: 1, rank: 2 });
    close(logits(target), sourceLogits, 1e-4, 'mango R=2 width+depth logits');
  });
}

test('without the split in the final norm, a tied head would not preserve the function (the derivation is load-bearing)', async () => {
  const source = perturbedSource(small, 3);
  const { target } = await grow(source, { ...small, dim: 32, heads: 4 }, 'bert2bert-fpi', { seed: 1 });
  for (const name of ['weight', 'bias'] as const) {
    const t = target.norm[name];
    t.assign(E.tidy(() => t.mul(2)));   // each source unit has two copies: undo the split
  }
  const gap = logits(target).reduce((m, v, i) => Math.max(m, Math.abs(v - logits(source)[i])), 0);
  assert.ok(gap > 1e-2, `logits moved by ${gap}`);
});

const both: GPTConfig = { ...small, dim: 32, heads: 4, depth: 3, tiedHead: false };
for (const method of growthMethods) {
  test(`${method}: decoder width+depth growth gives exactly the target config's shapes`, async () => {
    const { target } = await grow(perturbedSource({ ...small, tiedHead: false }, 4), both, method, { seed: 3, rank: 2 });
    assert.equal(target.namedParameters().map(([n, t]) => `${n}:${t.shape}`), new GPT(both).namedParameters().map(([n, t]) => `${n}:${t.shape}`));
    assert.ok(target.namedParameters().every(([, t]) => t.dataSync().every(Number.isFinite)));
  });
}

test('growth refuses a target of the other family or another vocabulary', async () => {
  const source = new GPT(small, { seed: 1 });
  const refusal = async (target: Parameters<typeof grow>[1], method: 'mango' | 'net2net') => {
    try {
      await grow(source, target, method);
    } catch (e) {
      return (e as Error).message;
    }
    return 'grew';
  };
  assert.match(await refusal({ ...small, vocabSize: 64 }, 'mango'), /differ in vocabSize \(31 vs 64\)/);
  assert.match(await refusal({ imageSize: 28, channels: 1, patchSize: 7, dim: 32, depth: 2, heads: 2, mlpRatio: 4, classes: 10, dropout: 0, dropPath: 0 }, 'net2net'), /cannot grow a language model into a ViT/);
});

test('mango and ligo on a decoder: operator training on token batches lowers the next-token loss', async () => {
  // A learnable stream: token t+1 = (token t + 1) mod vocab from random starts.
  const random = new E.Random(9);
  const batches: BatchSource<LMBatch> = {
    at: () => {
      const starts = Array.from({ length: 8 }, () => random.int(31));
      const seq = starts.flatMap((s) => Array.from({ length: 9 }, (_, i) => (s + i) % 31));
      const rows = (offset: number) => starts.flatMap((_, b) => seq.slice(b * 9 + offset, b * 9 + offset + 8));
      return { inputs: { ids: rows(0), batch: 8, length: 8 }, targets: rows(1) };
    },
    next: ({ epoch, batch }) => ({ epoch, batch: batch + 1 }),
  };
  for (const method of ['mango', 'ligo'] as const) {
    const { operator } = await grow(new GPT({ ...small, tiedHead: false }, { seed: 5 }), both, method, { seed: 4, rank: 1 });
    const result = await operator!.trainOperator({ steps: 15, data: batches, batchSize: 8, lr: 1e-2, showProgress: false });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b) / xs.length;
    assert.ok(mean(result.losses.slice(-4)) < mean(result.losses.slice(0, 4)), `${method} losses ${result.losses.map((l) => l.toFixed(3))}`);
    operator!.dispose();
  }
});

test.run();
