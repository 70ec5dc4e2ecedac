/**
 * Tokenizers for language models: UTF-8 bytes (vocabulary 256, the default) and GPT-2's byte-level BPE
 * (`r50k_base`, vocabulary 50 257 with `<|endoftext|>` = 50256) from the gpt-tokenizer package, whose
 * merge ranks ship inside it (nothing is downloaded). Decoding never throws on a cut multi-byte character (it
 * becomes U+FFFD, as Python's `errors="replace"`), but rejects ids outside the vocabulary with a TokenizerError.
 */
import { MangoError } from '../../engine/index.ts';

export type TokenizerName = 'byte' | 'gpt2';
export const tokenizerNames: readonly TokenizerName[] = ['byte', 'gpt2'];

export interface Tokenizer {
  readonly name: TokenizerName;
  readonly vocabSize: number;
  /** the end-of-text token, where the vocabulary has one (GPT-2: 50256) */
  readonly endOfText?: number;
  /** ids put between two documents in a token stream: [endOfText], or the encoding of a blank line */
  readonly documentSeparator: readonly number[];
  /** Text → ids. Special tokens written in the text (`<|endoftext|>`) are encoded as ordinary text. */
  encode(text: string): Uint32Array;
  /** ids → text; throws TokenizerError on an id that is not an integer in [0, vocabSize). */
  decode(ids: ArrayLike<number>): string;
}

/** A token id outside the vocabulary, or an unknown tokenizer name. */
export class TokenizerError extends MangoError {}

const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** Throws a TokenizerError naming the first id that is not an integer in [0, vocabSize). */
export function checkTokenIds(ids: ArrayLike<number>, vocabSize: number, tokenizer: string): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw new TokenizerError(`token id ${id} at position ${i} is not in the ${tokenizer} vocabulary (integers 0..${vocabSize - 1})`,
        `decode ids produced by the ${tokenizer} tokenizer, or by a model with a vocabulary of ${vocabSize}`);
    }
  }
}

/** UTF-8 bytes: vocabulary 256, no special tokens; documents are separated by a blank line. */
export const byteTokenizer: Tokenizer = {
  name: 'byte',
  vocabSize: 256,
  documentSeparator: [0x0a, 0x0a],
  encode: (text) => {
    const bytes = utf8Encoder.encode(text);
    return new Uint32Array(bytes);
  },
  decode: (ids) => {
    checkTokenIds(ids, 256, 'byte');
    return utf8Decoder.decode(Uint8Array.from(ids as ArrayLike<number>));
  },
};

const gpt2EndOfText = 50256;
let gpt2: Promise<Tokenizer> | undefined;

/** GPT-2's BPE tokenizer (loaded once, on first use: about 0.1 s to read its 50 256 merge ranks). */
export function loadGpt2Tokenizer(): Promise<Tokenizer> {
  gpt2 ??= (async () => {
    const [{ encode }, { default: ranks }] = await Promise.all([import('gpt-tokenizer/encoding/r50k_base'), import('gpt-tokenizer/bpeRanks/r50k_base')]);
    if (ranks.length !== gpt2EndOfText) throw new TokenizerError(`gpt-tokenizer's r50k_base has ${ranks.length} ranks, not ${gpt2EndOfText}`, 'reinstall the pinned gpt-tokenizer (npm ci)');
    // Token id → its bytes. The package's own decode keeps a cut character's bytes in a decoder shared
    // across calls (so they leak into the next decode); decoding from these bytes has no state.
    const bytes: Uint8Array[] = ranks.map((r) => (typeof r === 'string' ? utf8Encoder.encode(r) : Uint8Array.from(r)));
    bytes.push(utf8Encoder.encode('<|endoftext|>'));
    const noSpecial = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() };
    const tokenizer: Tokenizer = {
      name: 'gpt2',
      vocabSize: gpt2EndOfText + 1,
      endOfText: gpt2EndOfText,
      documentSeparator: [gpt2EndOfText],
      encode: (text) => Uint32Array.from(encode(text, noSpecial)),
      decode: (ids) => {
        checkTokenIds(ids, gpt2EndOfText + 1, 'gpt2');
        let length = 0;
        for (let i = 0; i < ids.length; i++) length += bytes[ids[i]].length;
        const out = new Uint8Array(length);
        for (let i = 0, at = 0; i < ids.length; i++) {
          out.set(bytes[ids[i]], at);
          at += bytes[ids[i]].length;
        }
        return utf8Decoder.decode(out);
      },
    };
    return tokenizer;
  })();
  gpt2.catch(() => { gpt2 = undefined; });
  return gpt2;
}

/** A tokenizer by name: `byte` (default) or `gpt2`. */
export async function loadTokenizer(name: string = 'byte'): Promise<Tokenizer> {
  if (name === 'byte') return byteTokenizer;
  if (name === 'gpt2') return loadGpt2Tokenizer();
  throw new TokenizerError(`unknown tokenizer "${name}"`, `use one of: ${tokenizerNames.join(', ')}`);
}
