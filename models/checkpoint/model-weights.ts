/**
 * Weights files of either family behind one call: a decoder's (mango's own names or Hugging Face GPT-2's,
 * told apart by `wte`) or a ViT's (timm names). Writing keeps each family's format: timm names for a ViT,
 * the decoder's names (or GPT-2's) for a language model, the config always in the metadata.
 */
import { isGPTConfig } from '../lm/gpt-config.ts';
import { GPT } from '../lm/gpt.ts';
import { hasGPT2Names } from '../lm/gpt2-names.ts';
import { loadGPTWeights, saveGPTWeights } from '../lm/gpt-weights.ts';
import type { Model, ModelConfig } from '../architecture.ts';
import type { HostTensor } from './host-tensor.ts';
import { CheckpointError, readSafetensorsNames, writeSafetensors } from './safetensors.ts';
import { loadViTWeights } from './weights.ts';

export interface ModelWeights {
  path: string;
  config: ModelConfig;
  configSource: 'metadata' | 'shapes';
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
  notes: string[];
}

export interface ModelWeightsOptions {
  config?: ModelConfig;
  configLabel?: string;
  heads?: number;
  configFlag?: string;
}

/** Does the file at `path` hold a decoder (by its tensor names, read from the header alone)? */
export function holdsDecoder(path: string): boolean {
  const names = readSafetensorsNames(path);
  return names.some((n) => /^(transformer\.)?wte\.weight$/.test(n)) || hasGPT2Names(names);
}

export function loadModelWeights(path: string, options: ModelWeightsOptions = {}): ModelWeights {
  if (holdsDecoder(path)) {
    if (options.config && !isGPTConfig(options.config)) {
      throw new CheckpointError(`${path} holds a language model, but ${options.configLabel ?? 'the given config'} is a ViT`, 'pass a decoder config (e.g. lm-d64-l4), or leave it out to use the file\'s');
    }
    const weights = loadGPTWeights(path, { config: options.config && isGPTConfig(options.config) ? options.config : undefined, heads: options.heads, configLabel: options.configLabel });
    return { ...weights, notes: [] };
  }
  if (options.config && isGPTConfig(options.config)) {
    throw new CheckpointError(`${path} holds a ViT, but ${options.configLabel ?? 'the given config'} is a language model`, 'pass a ViT config, or leave it out to use the file\'s');
  }
  return loadViTWeights(path, { ...options, config: options.config });
}

/** The model's weights with its config (and `metadata`) recorded: timm names for a ViT, `names` for a decoder. */
export async function saveModelWeights(path: string, model: Model, metadata: Record<string, string>, names: 'mango' | 'gpt2' = 'mango'): Promise<void> {
  if (model instanceof GPT) return saveGPTWeights(path, model, { names, metadata });
  writeSafetensors(path, await model.state(), { format: 'mango-weights', config: JSON.stringify(model.config), ...metadata });
}

