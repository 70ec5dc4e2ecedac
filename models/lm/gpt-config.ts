/** GPT-2-style decoder configurations: CPU-scale presets (byte vocabulary) and GPT-2's own shapes, and validation. */
import { MangoError } from '../../engine/index.ts';
import { didYouMean } from '../suggest.ts';

export interface GPTConfig {
  /** tokens in the vocabulary (256 for bytes, 50 257 for GPT-2's BPE) */
  vocabSize: number;
  /** the longest sequence the model reads (learned position embeddings) */
  context: number;
  dim: number;
  depth: number;
  heads: number;
  mlpRatio: number;
  /** the LM head is the token embedding (GPT-2), or a matrix of its own */
  tiedHead: boolean;
  dropout: number;
}

export const gptConfigFields = ['vocabSize', 'context', 'dim', 'depth', 'heads', 'mlpRatio', 'tiedHead', 'dropout'] as const satisfies readonly (keyof GPTConfig)[];

/** GPT-2's layer-norm epsilon and GELU (gelu_new, the tanh approximation). */
export const gptNormEps = 1e-5;
export const gptGelu = 'tanh';

const bytes = { vocabSize: 256, context: 128, mlpRatio: 4, tiedHead: true, dropout: 0 };
const gpt2 = { vocabSize: 50257, context: 1024, mlpRatio: 4, tiedHead: true, dropout: 0 };

export const gptPresets: Record<string, GPTConfig> = {
  // CPU-scale, byte tokens, context 128; head dimension 16 throughout, so width ×2 keeps it (as GPT-2 sizes do at 64).
  'lm-d16-l4': { ...bytes, dim: 16, depth: 4, heads: 1 },
  'lm-d32-l4': { ...bytes, dim: 32, depth: 4, heads: 2 },
  'lm-d64-l4': { ...bytes, dim: 64, depth: 4, heads: 4 },
  'lm-d64-l2': { ...bytes, dim: 64, depth: 2, heads: 4 },
  'lm-d128-l4': { ...bytes, dim: 128, depth: 4, heads: 8 },
  'lm-d128-l8': { ...bytes, dim: 128, depth: 8, heads: 8 },
  // GPT-2 (OpenAI, Hugging Face `gpt2` and `gpt2-medium`): for growth and export at full size.
  'gpt2': { ...gpt2, dim: 768, depth: 12, heads: 12 },
  'gpt2-medium': { ...gpt2, dim: 1024, depth: 24, heads: 16 },
};

export function isGPTConfig(config: object): config is GPTConfig {
  return 'vocabSize' in config && 'context' in config;
}

/** Checks a decoder config and names the first problem with its fix. */
export function validateGPTConfig(config: GPTConfig, label = 'config'): GPTConfig {
  const problem = (what: string, fix: string) => { throw new MangoError(`${label}: ${what}`, fix); };
  for (const key of ['vocabSize', 'context', 'dim', 'depth', 'heads'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) problem(`${key} must be a positive integer (got ${config[key]})`, `set ${key} to a positive integer`);
  }
  if (config.dim % config.heads !== 0) problem(`${config.heads} heads do not divide width ${config.dim}`, 'choose a head count that divides the width');
  if (typeof config.mlpRatio !== 'number' || !(config.mlpRatio > 0)) problem(`mlpRatio must be > 0 (got ${config.mlpRatio})`, 'use 4 (GPT-2 default)');
  if (typeof config.tiedHead !== 'boolean') problem(`tiedHead must be true or false (got ${config.tiedHead})`, 'use true (GPT-2 ties the LM head to the token embedding)');
  if (typeof config.dropout !== 'number' || !(config.dropout >= 0 && config.dropout < 1)) problem(`dropout must be in [0, 1) (got ${config.dropout})`, 'set dropout between 0 and 1');
  return config;
}

/** A decoder preset by name, or a config object (missing fields from the byte-level defaults), validated. */
export function resolveGPTConfig(nameOrConfig: string | Partial<GPTConfig>): GPTConfig {
  if (typeof nameOrConfig === 'string') {
    const preset = gptPresets[nameOrConfig];
    if (!preset) throw new MangoError(`unknown language-model config "${nameOrConfig}"${didYouMean(nameOrConfig, Object.keys(gptPresets))}`, `use one of: ${Object.keys(gptPresets).join(', ')}, or a JSON file`);
    return validateGPTConfig({ ...preset }, nameOrConfig);
  }
  return validateGPTConfig({ ...bytes, ...nameOrConfig } as GPTConfig);
}

export function describeGPT(config: GPTConfig): string {
  return `GPT d${config.dim}·L${config.depth}·h${config.heads}, vocabulary ${config.vocabSize}, context ${config.context}, ${config.tiedHead ? 'tied' : 'untied'} head`;
}
