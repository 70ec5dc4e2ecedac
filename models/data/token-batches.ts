/**
 * Next-token training examples from a split's token stream: windows of `context + 1` tokens, the input
 * its first `context` and the target the same window shifted by one.
 *
 * Training (TokenBatches): epoch e cuts the stream into non-overlapping windows starting at an offset drawn
 * from (seed, e) in [0, context) — so window edges move between epochs — and visits them in a permutation
 * drawn from (seed, e); each token is a target at most once per epoch. Like the image Batches, a position
 * is (epoch, batch) and `at(position)` depends on nothing else, so a run resumed there sees exactly the
 * batches an uninterrupted run would. Evaluation (evaluationWindows): the fixed windows from offset 0, in
 * order (or `maxWindows` of them, evenly spaced), the same for every run.
 *
 * Batches are plain arrays, [batch, context] row-major: `inputs` matches the GPT's TokenBatch and the whole
 * batch its LMBatch.
 */
import { Random } from '../../engine/index.ts';
import type { BatchPosition } from './batches.ts';
import { DatasetError } from './errors.ts';
import type { TextDocument } from './text-corpus.ts';
import type { Tokenizer } from './tokenizer.ts';

export interface WindowBatch {
  inputs: { ids: Int32Array; batch: number; length: number };
  /** the inputs shifted by one token */
  targets: Int32Array;
  /** [batch, context] */
  shape: [number, number];
  /** where each window starts in the stream */
  starts: Int32Array;
}

/** A split's documents as one token stream, documents separated by the tokenizer's documentSeparator. */
export function tokenStream(documents: readonly TextDocument[], tokenizer: Tokenizer): Uint32Array {
  const parts: Uint32Array[] = [];
  let length = 0;
  const separator = Uint32Array.from(tokenizer.documentSeparator);
  documents.forEach((document, i) => {
    if (i > 0) {
      parts.push(separator);
      length += separator.length;
    }
    const ids = tokenizer.encode(document.text);
    parts.push(ids);
    length += ids.length;
  });
  const out = new Uint32Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const mix = (...xs: number[]) => xs.reduce((h, x) => (Math.imul(h ^ (x >>> 0), 0x9e3779b1) + 0x7f4a7c15) >>> 0, 0x7e57ab1e);

/** The batch of windows starting at `starts`. */
export function makeWindowBatch(tokens: ArrayLike<number>, starts: ArrayLike<number>, context: number): WindowBatch {
  const batch = starts.length;
  const inputs = new Int32Array(batch * context), targets = new Int32Array(batch * context);
  for (let b = 0; b < batch; b++) {
    const s = starts[b];
    if (!(s >= 0 && s + context + 1 <= tokens.length)) throw new RangeError(`window at ${s} of ${context + 1} tokens runs past the ${tokens.length}-token stream`);
    for (let t = 0; t < context; t++) {
      inputs[b * context + t] = tokens[s + t];
      targets[b * context + t] = tokens[s + t + 1];
    }
  }
  return { inputs: { ids: inputs, batch, length: context }, targets, shape: [batch, context], starts: Int32Array.from(starts) };
}

function checkWindows(tokens: ArrayLike<number>, context: number, batchSize: number, what: string): void {
  if (!Number.isInteger(context) || context < 1) throw new DatasetError(`a context of ${context} tokens is not a positive integer`, 'use e.g. a context of 128');
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new DatasetError(`a batch of ${batchSize} windows is not a positive integer`, 'use e.g. a batch of 32');
  if (tokens.length < context + 1) {
    throw new DatasetError(`the ${what} split has ${tokens.length} tokens, fewer than one window of ${context + 1}`,
      'use a shorter context, more text, or a larger fraction for this split');
  }
}

/** Seeded, resumable training windows over one token stream. */
export class TokenBatches {
  private order: { epoch: number; offset: number; permutation: Int32Array } | undefined;
  /** windows per epoch, the same for every epoch whatever its offset */
  readonly windowsPerEpoch: number;

  constructor(readonly tokens: ArrayLike<number>, readonly context: number, readonly batchSize: number, readonly seed: number) {
    checkWindows(tokens, context, batchSize, 'training');
    // Any offset in [0, context) leaves room for this many windows of context + 1 tokens.
    this.windowsPerEpoch = Math.floor((tokens.length - context) / context);
    if (this.windowsPerEpoch < batchSize) {
      throw new DatasetError(`the training split's ${tokens.length} tokens make ${this.windowsPerEpoch} windows of ${context + 1}, fewer than a batch of ${batchSize}`,
        'use a smaller batch or context, or more text');
    }
  }

  /** Full batches per epoch (the remaining windows are dropped, as the image Batches drop a remainder). */
  get perEpoch(): number {
    return Math.floor(this.windowsPerEpoch / this.batchSize);
  }

  /** Tokens that are targets in one epoch. */
  get tokensPerEpoch(): number {
    return this.perEpoch * this.batchSize * this.context;
  }

  private epochOrder(epoch: number) {
    if (this.order?.epoch !== epoch) {
      const random = new Random(mix(this.seed, epoch));
      const offset = random.int(this.context);
      this.order = { epoch, offset, permutation: random.permutation(this.windowsPerEpoch) };
    }
    return this.order;
  }

  at({ epoch, batch }: BatchPosition): WindowBatch {
    if (!Number.isInteger(batch) || batch < 0 || batch >= this.perEpoch || !Number.isInteger(epoch) || epoch < 0) {
      throw new RangeError(`batch position (epoch ${epoch}, batch ${batch}) is outside 0..${this.perEpoch - 1} batches per epoch`);
    }
    const { offset, permutation } = this.epochOrder(epoch);
    const windows = permutation.subarray(batch * this.batchSize, (batch + 1) * this.batchSize);
    return makeWindowBatch(this.tokens, Array.from(windows, (w) => offset + w * this.context), this.context);
  }

  next(position: BatchPosition): BatchPosition {
    return position.batch + 1 < this.perEpoch ? { epoch: position.epoch, batch: position.batch + 1 } : { epoch: position.epoch + 1, batch: 0 };
  }
}

/** Starts of the fixed evaluation windows: non-overlapping from 0, or `maxWindows` of them evenly spaced. */
export function evaluationStarts(length: number, context: number, maxWindows = Infinity): Int32Array {
  const all = Math.floor((length - 1) / context);
  const count = Math.min(all, Math.max(0, Math.floor(maxWindows)));
  return Int32Array.from({ length: count }, (_, k) => Math.floor((k * all) / count) * context);
}

/** The evaluation windows of a validation or test stream, in batches (the last may be smaller). */
export function* evaluationWindows(tokens: ArrayLike<number>, context: number, batchSize: number, maxWindows = Infinity): Generator<WindowBatch> {
  checkWindows(tokens, context, batchSize, 'evaluation');
  const starts = evaluationStarts(tokens.length, context, maxWindows);
  for (let at = 0; at < starts.length; at += batchSize) yield makeWindowBatch(tokens, starts.subarray(at, at + batchSize), context);
}
