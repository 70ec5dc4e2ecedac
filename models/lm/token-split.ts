/** A split of a text corpus as a token stream: what a decoder trains and is evaluated on. */
import type { TokenizerName } from '../data/tokenizer.ts';

export interface TokenSplit {
  kind: 'tokens';
  /** e.g. "austen validation (byte)" */
  name: string;
  tokens: Uint32Array;
  tokenizer: TokenizerName;
  /** evaluate on at most this many evenly spaced windows of the split (default: all of them) */
  evalWindows?: number;
}

export function isTokenSplit(data: object): data is TokenSplit {
  return (data as TokenSplit).kind === 'tokens';
}
