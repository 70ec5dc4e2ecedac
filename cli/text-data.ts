/**
 * Text data for a decoder: Jane Austen's novels (Debian's r-cran-janeaustenr, installed by setup.sh) or
 * the user's own .txt files, split by document, tokenized with the tokenizer the model's vocabulary implies.
 */
import { MangoError } from '../engine/index.ts';
import { loadTextCorpus, loadTextFiles, splitCorpus } from '../models/data/text-corpus.ts';
import { tokenStream } from '../models/data/token-batches.ts';
import { loadTokenizer, type TokenizerName } from '../models/data/tokenizer.ts';
import type { GPTConfig } from '../models/lm/gpt-config.ts';
import type { TokenSplit } from '../models/lm/token-split.ts';

export const textDataNames = ['austen', 'text'] as const;

/** The tokenizer a vocabulary size implies: bytes (256) or GPT-2's BPE (50 257). */
export function tokenizerFor(config: GPTConfig): TokenizerName {
  if (config.vocabSize === 256) return 'byte';
  if (config.vocabSize === 50257) return 'gpt2';
  throw new MangoError(`no tokenizer has the model's vocabulary of ${config.vocabSize}`, 'use vocabSize 256 (bytes) or 50257 (GPT-2 BPE)');
}

export interface TextDataRequest {
  name: string;
  dir?: string;
  model: GPTConfig;
  /** train on only the first n tokens of the training split */
  subset?: number;
  /** evaluate on at most n windows of the test and validation splits */
  testSubset?: number;
}

export async function loadTextData(request: TextDataRequest): Promise<{ train: TokenSplit; test: TokenSplit; validation: TokenSplit }> {
  const { name, dir, model } = request;
  if (name === 'text' && !dir) throw new MangoError('--data text needs --data-dir', 'pass a folder of .txt files (each one a document) or one .txt file (documents split at blank lines)');
  const corpus = name === 'text' ? loadTextFiles(dir!) : loadTextCorpus(dir);
  const splits = splitCorpus(corpus);
  const tokenizerName = tokenizerFor(model);
  const tokenizer = await loadTokenizer(tokenizerName);
  const split = (part: 'train' | 'validation' | 'test'): TokenSplit => {
    const tokens = tokenStream(splits[part], tokenizer);
    return {
      kind: 'tokens', name: `${corpus.name} ${part} (${tokenizerName} tokens)`, tokenizer: tokenizerName,
      tokens: part === 'train' && request.subset ? tokens.subarray(0, request.subset) : tokens,
      ...(part !== 'train' && request.testSubset ? { evalWindows: request.testSubset } : {}),
    };
  };
  return { train: split('train'), test: split('test'), validation: split('validation') };
}
