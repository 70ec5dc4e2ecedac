/** The GPT-style decoder: shapes, causal masking, the loss, bad token input, and Hugging Face GPT-2 names. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { GPT, gptParameterShapes, type TokenBatch } from '../../models/lm/gpt.ts';
import { resolveGPTConfig, type GPTConfig } from '../../models/lm/gpt-config.ts';
import { fromGPT2Names, hasGPT2Names, toGPT2Names } from '../../models/lm/gpt2-names.ts';
import { CheckpointError } from '../../models/checkpoint/safetensors.ts';
import { close } from '../helpers/check-op.ts';

const tiny: GPTConfig = { vocabSize: 23, context: 8, dim: 16, depth: 2, heads: 2, mlpRatio: 4, tiedHead: true, dropout: 0 };
const batch = (ids: number[], b: number): TokenBatch => ({ ids, batch: b, length: ids.length / b });
const ids = [3, 7, 1, 22, 0, 5, 9, 4, 11, 2, 8, 6];

for (const tiedHead of [true, false]) {
  test(`${tiedHead ? 'tied' : 'untied'} head: parameters match gptParameterShapes, logits are [B, T, vocab]`, () => {
    const model = new GPT({ ...tiny, tiedHead }, { seed: 1 });
    assert.equal(model.namedParameters().map(([n, t]) => `${n}:${t.shape}`), [...gptParameterShapes({ ...tiny, tiedHead })].map(([n, s]) => `${n}:${s}`));
    assert.is(model.namedParameters().some(([n]) => n === 'head.weight'), !tiedHead);
    assert.equal(E.noGrad(() => model.forward(batch(ids, 2))).shape, [2, 6, 23]);
  });
}

test('causal: changing a later token leaves earlier positions unchanged, changing an earlier one does not', () => {
  const model = new GPT(tiny, { seed: 2 }).eval();
  const logits = (x: number[]) => E.noGrad(() => model.forward(batch(x, 1))).dataSync();
  const base = logits(ids.slice(0, 6));
  const later = logits([...ids.slice(0, 4), 19, 20]);
  const V = tiny.vocabSize;
  close(later.subarray(0, 4 * V), base.subarray(0, 4 * V), 0, 'positions 0–3 with positions 4–5 changed');
  assert.ok(later.subarray(4 * V).some((v, i) => v !== base[4 * V + i]), 'position 4 sees its own token');
  const earlier = logits([19, ...ids.slice(1, 6)]);
  for (let t = 0; t < 6; t++) assert.ok(earlier.subarray(t * V, (t + 1) * V).some((v, i) => v !== base[t * V + i]), `position ${t} sees token 0`);
});

test('loss is the mean next-token cross-entropy of the logits, and its gradient reaches every parameter', () => {
  const model = new GPT({ ...tiny, tiedHead: false }, { seed: 3 });
  const inputs = batch(ids.slice(0, 10), 2);
  const targets = ids.slice(2, 12);
  const logits = E.noGrad(() => model.forward(inputs)).dataSync();
  let expected = 0;
  for (let r = 0; r < 10; r++) {
    const row = Array.from(logits.subarray(r * 23, (r + 1) * 23));
    const max = Math.max(...row);
    expected += Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) + max - row[targets[r]];
  }
  const loss = model.loss(inputs, targets);
  close([loss.dataSync()[0]], [expected / 10], 1e-5, 'loss');
  loss.backward();
  for (const [name, p] of model.namedParameters()) assert.ok(p.grad && p.grad.dataSync().some((v) => v !== 0), `${name} has a gradient`);
  for (const p of model.parameters()) p.grad?.dispose();
});

test('bad token input is refused before any device work, naming the problem', () => {
  const model = new GPT(tiny, { seed: 4 });
  assert.throws(() => model.forward(batch([1, 2, 23], 1)), /token id 23 at position 2 is not in the vocabulary of 23/);
  assert.throws(() => model.forward(batch([1, -1], 1)), /token id -1/);
  assert.throws(() => model.forward(batch([1, 2.5], 1)), /token id 2.5/);
  assert.throws(() => model.forward(batch(Array(9).fill(1), 1)), /9 tokens is longer than the model's context of 8/);
  assert.throws(() => model.loss(batch([1, 2], 1), [3, 99]), /target id 99/);
  assert.throws(() => model.forward({ ids: [1, 2, 3], batch: 2, length: 2 }), /3 token ids for a \[2, 2\] batch/);
  assert.throws(() => resolveGPTConfig('lm-d64-l5'), /unknown language-model config "lm-d64-l5".*did you mean/s);
  assert.throws(() => resolveGPTConfig({ dim: 30, depth: 2, heads: 4 }), /4 heads do not divide width 30/);
});

test('Hugging Face GPT-2 names: Conv1D weights transposed, prefix optional, tied head detected, round trip exact', async () => {
  for (const tiedHead of [true, false]) {
    const model = new GPT({ ...tiny, tiedHead }, { seed: 5 });
    const state = await model.state();
    const hf = toGPT2Names(state);
    assert.ok(hf.has('transformer.h.1.attn.c_attn.weight') && hf.has('transformer.ln_f.bias'));
    assert.is(hf.has('lm_head.weight'), !tiedHead);
    assert.equal(hf.get('transformer.h.0.attn.c_attn.weight')!.shape, [16, 48], 'Conv1D is in×out');
    const qkv = state.get('blocks.0.attn.qkv.weight')!;
    assert.is(hf.get('transformer.h.0.attn.c_attn.weight')!.data[1 * 48 + 5], qkv.data[5 * 16 + 1]);
    assert.ok(hasGPT2Names([...hf.keys()]));
    const back = fromGPT2Names('model.safetensors', hf);
    assert.is(back.tiedHead, tiedHead);
    assert.equal([...back.state.keys()].sort(), [...state.keys()].sort());
    for (const [name, t] of state) assert.equal(back.state.get(name), t, name);
    // The hub's file: no prefix, old causal-mask buffers, lm_head saved equal to wte.
    const hub = new Map([...hf].map(([n, t]) => [n.replace(/^transformer\./, ''), t]));
    hub.set('h.0.attn.bias', { shape: [1, 1, 8, 8], data: new Float32Array(64) });
    hub.set('h.0.attn.masked_bias', { shape: [], data: new Float32Array(1) });
    if (tiedHead) hub.set('lm_head.weight', state.get('wte.weight')!);
    const fromHub = fromGPT2Names('gpt2.safetensors', hub);
    assert.is(fromHub.tiedHead, tiedHead);
    assert.equal([...fromHub.state.keys()].sort(), [...state.keys()].sort());
  }
  const foreign = new Map([['h.0.attn.q_proj.weight', { shape: [2, 2], data: new Float32Array(4) }], ['wte.weight', { shape: [2, 2], data: new Float32Array(4) }]]);
  assert.throws(() => fromGPT2Names('x.safetensors', foreign), (e: unknown) => e instanceof CheckpointError && /no place for: h\.0\.attn\.q_proj\.weight/.test((e as Error).message));
});

test.run();
