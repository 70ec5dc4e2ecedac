/**
 * Decoder weights files: mango's own (the decoder's names) or Hugging Face GPT-2's (`transformer.h.N.*`,
 * Conv1D layouts; gpt2-names.ts), told apart by their names. The architecture comes from the file's
 * metadata, else from its shapes plus the head count — from the caller, or from the `config.json` Hugging
 * Face keeps beside the weights. Everything is checked against that architecture before any device work.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HostTensor } from '../checkpoint/host-tensor.ts';
import { CheckpointError, readSafetensors, writeSafetensors } from '../checkpoint/safetensors.ts';
import { describeGPT, gptConfigFields, gptPresets, validateGPTConfig, type GPTConfig } from './gpt-config.ts';
import { gptParameterShapes, type GPT } from './gpt.ts';
import { fromGPT2Names, hasGPT2Names, toGPT2Names } from './gpt2-names.ts';

export interface GPTWeights {
  path: string;
  config: GPTConfig;
  configSource: 'metadata' | 'shapes';
  /** under the decoder's own names */
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
  names: 'mango' | 'gpt2';
}

/** Fields that fix the architecture: what an explicit config must agree on with a file. */
const architectureFields = gptConfigFields.filter((f) => f !== 'dropout');

function differences(a: Partial<GPTConfig>, b: Partial<GPTConfig>): string[] {
  return architectureFields.filter((k) => a[k] !== undefined && b[k] !== undefined && a[k] !== b[k]).map((k) => `${k} ${a[k]} vs ${b[k]}`);
}

/**
 * Writes a decoder's weights atomically. `gpt2` names load in Hugging Face's GPT2LMHeadModel; the metadata
 * says `format: pt` (which transformers requires of a safetensors file) and records the config.
 */
export async function saveGPTWeights(path: string, model: GPT, options: { names?: 'mango' | 'gpt2'; metadata?: Record<string, string> } = {}): Promise<void> {
  const state = await model.state();
  const names = options.names ?? 'mango';
  writeSafetensors(path, names === 'gpt2' ? toGPT2Names(state) : state, { format: 'pt', family: 'gpt', names, config: JSON.stringify(model.config), ...options.metadata });
}

/** The config in a file's metadata: a decoder file's `config`, or a training checkpoint's run state. */
function recordedConfig(path: string, metadata: Record<string, string>): GPTConfig | undefined {
  const checkpoint = metadata.format === 'mango-checkpoint' && metadata.state !== undefined;
  if (!checkpoint && (metadata.family !== 'gpt' || metadata.config === undefined)) return undefined;
  try {
    return validateGPTConfig(checkpoint ? JSON.parse(metadata.state).config : JSON.parse(metadata.config), `${path} config`);
  } catch (cause) {
    throw new CheckpointError(`${path}: the config in its metadata is unreadable (${(cause as Error).message})`, 'use another copy of the weights, or one without mango metadata plus --heads', { cause });
  }
}

/** n_head (and a consistency check) from Hugging Face's config.json beside the weights, when there is one. */
function huggingFaceHeads(path: string): number | undefined {
  const file = join(dirname(path), 'config.json');
  if (!existsSync(file)) return undefined;
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (config.model_type !== 'gpt2' || typeof config.n_head !== 'number') return undefined;
  const activation = config.activation_function ?? 'gelu_new';
  if (activation !== 'gelu_new') throw new CheckpointError(`${file}: activation_function ${activation}, but mango's decoder uses GPT-2's gelu_new`, 'convert a model with gelu_new activations');
  return config.n_head;
}

function shapeConfig(path: string, tensors: Map<string, HostTensor>, tiedHead: boolean): Omit<GPTConfig, 'heads'> {
  const shape = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new CheckpointError(`${path} is not a GPT-2 state dict: it has no ${name}`, 'pass a safetensors file of a GPT-2 decoder (Hugging Face names, or one written by mango)');
    return t.shape;
  };
  const [vocabSize, dim] = shape('wte.weight');
  const depth = [...tensors.keys()].filter((n) => /^blocks\.\d+\.norm1\.weight$/.test(n)).length;
  return { vocabSize, dim, context: shape('wpe.weight')[0], depth, mlpRatio: shape('blocks.0.mlp.fc1.weight')[0] / dim, tiedHead, dropout: 0 };
}

export function loadGPTWeights(path: string, options: { config?: GPTConfig; heads?: number; configLabel?: string } = {}): GPTWeights {
  const file = readSafetensors(path);
  const names = hasGPT2Names([...file.tensors.keys()]) ? 'gpt2' : 'mango';
  const converted = names === 'gpt2' ? fromGPT2Names(path, file.tensors) : { state: file.tensors, tiedHead: !file.tensors.has('head.weight') };
  const recorded = recordedConfig(path, file.metadata);
  const inferred = shapeConfig(path, converted.state, converted.tiedHead);
  const label = options.configLabel ?? 'the given config';
  const explicit = options.config;
  for (const [what, other] of [['the file\'s recorded architecture', recorded], ['its tensors', inferred]] as const) {
    if (explicit && other && differences(explicit, other).length) {
      throw new CheckpointError(`${label} (${describeGPT(explicit)}) does not fit ${what} in ${path}: ${differences(explicit, other).join(', ')}`, 'leave the config out to use the file\'s architecture, or pass the one it was trained with');
    }
  }
  const known = recorded?.heads ?? explicit?.heads ?? huggingFaceHeads(path);
  if (options.heads !== undefined && known !== undefined && options.heads !== known) {
    throw new CheckpointError(`--heads ${options.heads} disagrees with the ${known} heads of ${path}`, 'leave --heads out: the file (or its config.json) says how many');
  }
  const heads = known ?? options.heads;
  if (heads === undefined) {
    const matching = Object.entries(gptPresets).filter(([, p]) => differences(p, inferred).length === 0);
    throw new CheckpointError(`${path} records no architecture, and its shapes cannot tell the number of attention heads of its width ${inferred.dim}`,
      `pass --heads N${matching.length ? ` (the preset with these shapes, ${matching.map(([n, p]) => `${n}, has ${p.heads}`).join('; ')})` : ''}, or keep Hugging Face's config.json beside the file`);
  }
  const config = validateGPTConfig({ ...inferred, ...recorded, heads, ...(explicit ? { dropout: explicit.dropout } : {}) }, `${path} architecture`);
  const expected = gptParameterShapes(config);
  const missing = [...expected.keys()].filter((n) => !converted.state.has(n));
  const unexpected = [...converted.state.keys()].filter((n) => !expected.has(n));
  if (missing.length || unexpected.length) {
    throw new CheckpointError(`${path} does not hold a ${describeGPT(config)}: ${missing.length ? `missing ${missing.slice(0, 4).join(', ')}` : ''}${missing.length && unexpected.length ? '; ' : ''}${unexpected.length ? `unexpected ${unexpected.slice(0, 4).join(', ')}` : ''}`,
      'pass a complete GPT-2 state dict with one width and MLP ratio throughout');
  }
  const tensors = new Map<string, HostTensor>();
  for (const [name, shape] of expected) {
    const t = converted.state.get(name)!;
    if (t.shape.join() !== shape.join()) throw new CheckpointError(`${path}: ${name} is [${t.shape}] but a ${describeGPT(config)} needs [${shape}]`, 'the file\'s blocks differ in shape: mango needs one width and MLP ratio throughout');
    tensors.set(name, t);
  }
  return { path, config, configSource: recorded ? 'metadata' : 'shapes', tensors, metadata: file.metadata, names };
}
