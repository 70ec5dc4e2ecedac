/**
 * Autoregressive text generation from a decoder: each new token is drawn from the last position's logits
 * over the most recent `context` tokens (a sliding window once the text outgrows the context), on the
 * host, with a seeded E.Random, so a seed gives the same tokens on every backend up to float rounding of
 * the logits. One full forward per token, without a key/value cache: enough at CPU scale.
 */
import * as E from '../../engine/index.ts';
import { MangoError } from '../../engine/index.ts';
import type { GPT } from './gpt.ts';

export interface GenerateOptions {
  /** tokens to generate (fewer when `stopAt` comes first) */
  maxTokens: number;
  /** softmax temperature; 0 is greedy (arg-max, the lowest id on ties) [1] */
  temperature?: number;
  /** sample among the k most likely tokens only [the whole vocabulary] */
  topK?: number;
  /** seeds the sampler [0] */
  seed?: number;
  /** a token id that ends generation (e.g. GPT-2's <|endoftext|>, 50256); it is not returned */
  stopAt?: number;
  /** called with each generated token as soon as it is drawn (to stream the text) */
  onToken?: (id: number) => void;
}

function checkOptions(model: GPT, prompt: ArrayLike<number>, options: GenerateOptions): void {
  const { maxTokens, temperature = 1, topK, stopAt } = options;
  const vocab = model.config.vocabSize;
  if (prompt.length === 0) {
    throw new MangoError('the prompt is empty: a decoder needs at least one token to condition on',
      'start from the tokenizer\'s document separator (tokenizer.documentSeparator: GPT-2\'s <|endoftext|> 50256, or a blank line for bytes)');
  }
  // As a column of one-token rows, so a prompt longer than the context is checked against the vocabulary only.
  model.checkTokens({ ids: prompt, batch: prompt.length, length: 1 }, 'prompt token');
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new MangoError(`maxTokens must be an integer ≥ 1 (got ${maxTokens})`, 'ask for at least one token');
  if (!Number.isFinite(temperature) || temperature < 0) throw new MangoError(`temperature must be a finite number ≥ 0 (got ${temperature})`, 'use 0 for greedy decoding, around 0.7–1 for sampling');
  if (topK !== undefined && (!Number.isInteger(topK) || topK < 1)) throw new MangoError(`topK must be an integer ≥ 1 (got ${topK})`, 'leave topK out to sample from the whole vocabulary, or use e.g. 40');
  if (stopAt !== undefined && (!Number.isInteger(stopAt) || stopAt < 0 || stopAt >= vocab)) {
    throw new MangoError(`stopAt ${stopAt} is not a token id of the vocabulary of ${vocab}`, 'pass an id the model can produce, e.g. the tokenizer\'s endOfText');
  }
}

/** The index of the largest value; the lowest index on ties. A non-finite logit is an error, not a token. */
function argMax(logits: Float32Array): number {
  let best = 0;
  for (let i = 0; i < logits.length; i++) {
    if (!Number.isFinite(logits[i])) throw new MangoError(`the model's logit for token ${i} is ${logits[i]}`, 'the weights have diverged: sample from an earlier checkpoint');
    if (logits[i] > logits[best]) best = i;
  }
  return best;
}

/** The ids of the k largest logits (ties to the lower id), or every id when k covers the vocabulary. */
function topIds(logits: Float32Array, k: number): Int32Array {
  const ids = Int32Array.from({ length: logits.length }, (_, i) => i);
  if (k >= logits.length) return ids;
  return ids.sort((a, b) => logits[b] - logits[a] || a - b).subarray(0, k);
}

/** A token drawn from softmax(logits / temperature) restricted to the top k. */
function sample(logits: Float32Array, temperature: number, topK: number, random: E.Random): number {
  const best = argMax(logits);
  if (temperature === 0) return best;
  const candidates = topIds(logits, topK);
  const max = logits[best];
  const weights = Float64Array.from(candidates, (id) => Math.exp((logits[id] - max) / temperature));
  let total = 0;
  for (const w of weights) total += w;
  let u = random.uniform() * total;
  for (let i = 0; i < candidates.length; i++) {
    u -= weights[i];
    if (u < 0) return candidates[i];
  }
  return best;
}

/**
 * The last position's logits for `window` (at most `context` tokens), read back to the host: GPT.forward's
 * LM head applied to that position alone, as the others' logits would be thrown away.
 */
async function nextTokenLogits(model: GPT, window: readonly number[]): Promise<Float32Array> {
  const length = window.length;
  const last = E.withBackend(model.backend, () => E.noGrad(() => E.tidy(() =>
    model.features({ ids: window, batch: 1, length }).reshape([length, model.config.dim]).slice([length - 1], [length])
      .matmul(model.headWeight, { transposeB: true }))));
  try {
    return await last.data();
  } finally {
    last.dispose();
  }
}

/** Generates up to `maxTokens` tokens after `prompt` (token ids); returns the new ids only. */
export async function generate(model: GPT, prompt: ArrayLike<number>, options: GenerateOptions): Promise<number[]> {
  checkOptions(model, prompt, options);
  const { maxTokens, temperature = 1, topK = model.config.vocabSize, seed = 0, stopAt, onToken } = options;
  const random = new E.Random(seed);
  const tokens = Array.from(prompt);
  const generated: number[] = [];
  const wasTraining = model.training;
  model.eval();
  try {
    while (generated.length < maxTokens) {
      const logits = await nextTokenLogits(model, tokens.slice(-model.config.context));
      const id = sample(logits, temperature, topK, random);
      if (id === stopAt) break;
      tokens.push(id);
      generated.push(id);
      onToken?.(id);
    }
  } finally {
    model.train(wasTraining);
  }
  return generated;
}
