/**
 * Pretrained ViT weights from any timm-layout safetensors file: a `mango train` checkpoint (with or without
 * its optimizer file), a `mango grow` output, or a file written by PyTorch / timm with no mango metadata.
 * The architecture comes from the file's mango metadata when present, else from the tensor shapes; what
 * shapes cannot tell (the number of heads) comes from the caller. Every name and shape is checked against
 * that architecture before any device work.
 */
import { describe, presets, validateConfig, type ViTConfig } from '../config.ts';
import type { HostTensor } from './host-tensor.ts';
import { vitParameterShapes } from '../vit.ts';
import { CheckpointError, readSafetensors } from './safetensors.ts';

export interface ViTWeights {
  path: string;
  config: ViTConfig;
  /** where the architecture came from: the file's mango metadata, or its tensor shapes (+ heads from the caller) */
  configSource: 'metadata' | 'shapes';
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
  /** what was adapted on load (e.g. a missing qkv bias filled with zeros), for the user to see */
  notes: string[];
}

export interface WeightsOptions {
  /** an explicit config (--config, --source-config): its architecture must agree with the file's */
  config?: ViTConfig;
  /** how the explicit config was named, for messages (e.g. "--config fmnist-d64-l4") */
  configLabel?: string;
  /** the number of attention heads, for files that do not record it */
  heads?: number;
  /** the flag that passes a config, named in the fix when the heads are unknown */
  configFlag?: string;
}

/** Fields that fix the architecture (and so the weights' meaning); dropout and drop-path are training settings. */
export const architectureFields = ['imageSize', 'channels', 'patchSize', 'dim', 'depth', 'heads', 'mlpRatio', 'classes'] as const;

/** "heads 2 vs 4, dim 32 vs 64": the architecture fields in which two configs differ. */
export function architectureDifferences(a: Partial<ViTConfig>, b: Partial<ViTConfig>): string[] {
  return architectureFields.filter((k) => a[k] !== undefined && b[k] !== undefined && a[k] !== b[k]).map((k) => `${k} ${a[k]} vs ${b[k]}`);
}

/** Tensors of timm ViT variants that mango's ViT has no equivalent for: dropping them would silently change the function. */
const unsupportedParts: [RegExp, string][] = [
  [/^(dist_token|head_dist\.)/, 'a distilled DeiT (dist_token, head_dist)'],
  [/^reg_token$/, 'register tokens (reg_token)'],
  [/\.ls[12]\./, 'LayerScale (ls1, ls2)'],
  [/\.attn\.[qk]_norm\./, 'query/key normalisation (q_norm, k_norm)'],
  [/^norm_pre\./, 'a pre-norm (norm_pre)'],
  [/^fc_norm\./, 'average pooling with fc_norm'],
  [/\.attn\.[qv]_bias$/, 'separate q/v biases (BEiT layout)'],
];

function unexpectedError(path: string, names: string[]): CheckpointError {
  const parts = [...new Set(names.map((n) => unsupportedParts.find(([re]) => re.test(n))?.[1]).filter(Boolean))];
  const list = `${names.slice(0, 5).join(', ')}${names.length > 5 ? `, … (${names.length})` : ''}`;
  return new CheckpointError(`${path} has tensors mango's ViT has no place for: ${list}${parts.length ? ` — ${parts.join('; ')}` : ''}`,
    'mango grows the plain timm VisionTransformer (class token, pre-norm blocks, fused qkv, token pooling, a linear head); these parts would be dropped, changing the model, so the file is refused');
}

function layoutError(path: string, names: string[], missing: string): CheckpointError {
  if (names.some((n) => /^(vit\.)?embeddings\.|^vit\.encoder\./.test(n))) {
    return new CheckpointError(`${path} uses Hugging Face transformers names (vit.embeddings.*, vit.encoder.layer.*), not timm's`,
      'load it in timm (timm.create_model(..., pretrained_cfg_overlay=dict(file=...)) or convert the names), then save the state_dict with safetensors.torch.save_file');
  }
  if (missing === 'head.weight' && names.includes('norm.weight')) {
    return new CheckpointError(`${path} has no classification head (head.weight): a timm model made with num_classes=0`, 'save the model with its head (any class count): growth reuses it');
  }
  return new CheckpointError(`${path} is not a timm VisionTransformer state dict: it has no tensor named ${missing} (it has ${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''})`,
    'pass a safetensors file with timm VisionTransformer names (cls_token, pos_embed, patch_embed.proj.*, blocks.N.*, norm.*, head.*)');
}

/** Strips a prefix every name shares from DataParallel / wrapper modules (`module.`, `model.`). */
function withoutWrapperPrefix(tensors: Map<string, HostTensor>): Map<string, HostTensor> {
  for (const prefix of ['module.', 'model.']) {
    if (tensors.size > 0 && [...tensors.keys()].every((n) => n.startsWith(prefix))) {
      return new Map([...tensors].map(([n, t]) => [n.slice(prefix.length), t]));
    }
  }
  return tensors;
}

function recordedConfig(path: string, metadata: Record<string, string>): ViTConfig | undefined {
  const text = metadata.format === 'mango-checkpoint' && metadata.state ? metadata.state : metadata.config;
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text);
    return validateConfig(metadata.format === 'mango-checkpoint' ? parsed.config : parsed, `${path} config`);
  } catch (cause) {
    throw new CheckpointError(`${path}: the config in its metadata is unreadable (${(cause as Error).message})`, 'use an earlier checkpoint, or a copy of the weights without mango metadata plus --heads', { cause });
  }
}

/** Everything but the head count, read off the tensor shapes. */
function shapeConfig(path: string, tensors: Map<string, HostTensor>): Omit<ViTConfig, 'heads'> {
  const names = [...tensors.keys()];
  const shape = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw layoutError(path, names, name);
    return t.shape;
  };
  const [dim, channels, patch, patchWidth] = shape('patch_embed.proj.weight');
  if (patchWidth !== patch) throw new CheckpointError(`${path}: patch_embed.proj.weight is [${shape('patch_embed.proj.weight')}], a non-square patch`, 'mango supports square patches');
  const tokens = shape('pos_embed')[1];
  const grid = Math.round(Math.sqrt(tokens - 1));
  if (grid * grid !== tokens - 1) {
    throw new CheckpointError(`${path}: pos_embed has ${tokens} positions, not a square patch grid plus one class token`,
      'mango supports the class-token layout (timm class_token=True, no_embed_class=False, no register tokens)');
  }
  shape('cls_token');
  const depth = names.filter((n) => /^blocks\.\d+\.norm1\.weight$/.test(n)).length;
  const hidden = shape('blocks.0.mlp.fc1.weight')[0];
  return { imageSize: grid * patch, channels, patchSize: patch, dim, depth, mlpRatio: hidden / dim, classes: shape('head.weight')[0], dropout: 0, dropPath: 0 };
}

/** The file records no architecture and nothing said how many heads it has. */
export class UnknownHeadsError extends CheckpointError {}

function headsError(path: string, inferred: Omit<ViTConfig, 'heads'>, configFlag: string): CheckpointError {
  const matching = Object.entries(presets).filter(([, p]) => architectureDifferences(p, inferred).length === 0);
  const hint = matching.length ? `the preset with these shapes, ${matching.map(([name, p]) => `${name}, has ${p.heads}`).join('; ')}` : `head dimension 64 (timm's usual) would be --heads ${Math.max(1, Math.round(inferred.dim / 64))}`;
  return new UnknownHeadsError(`${path} records no architecture (no mango metadata), and its shapes cannot tell the number of attention heads of its width ${inferred.dim}`,
    `pass --heads N (${hint}), or ${configFlag} <preset|file.json>`);
}

export function loadViTWeights(path: string, options: WeightsOptions = {}): ViTWeights {
  const file = readSafetensors(path);
  let tensors = withoutWrapperPrefix(file.tensors);
  const recorded = recordedConfig(path, file.metadata);
  const inferred = shapeConfig(path, tensors);
  const explicit = options.config;
  const label = options.configLabel ?? 'the given config';
  if (recorded && explicit && architectureDifferences(explicit, recorded).length) {
    throw new CheckpointError(`${label} (${describe(explicit)}) disagrees with the architecture recorded in ${path} (${describe(recorded)}): ${architectureDifferences(explicit, recorded).join(', ')}`,
      `leave the config out to use the file's architecture, or pass one that matches it`);
  }
  if (recorded && options.heads !== undefined && options.heads !== recorded.heads) {
    throw new CheckpointError(`--heads ${options.heads} disagrees with the ${recorded.heads} heads recorded in ${path}`, 'leave --heads out: the file records its architecture');
  }
  if (explicit && options.heads !== undefined && options.heads !== explicit.heads) {
    throw new CheckpointError(`--heads ${options.heads} disagrees with ${label}, which has ${explicit.heads}`, 'pass one of the two');
  }
  if (explicit && architectureDifferences(explicit, inferred).length) {
    throw new CheckpointError(`${label} (${describe(explicit)}) does not fit the tensors in ${path}: ${architectureDifferences(explicit, inferred).join(', ')} (config vs file)`,
      'pass the config the file was trained with, or leave it out and give --heads');
  }
  const heads = recorded?.heads ?? explicit?.heads ?? options.heads;
  if (heads === undefined) throw headsError(path, inferred, options.configFlag ?? '--source-config');
  const config = validateConfig({ ...inferred, ...recorded, heads, ...(explicit ? { dropout: explicit.dropout, dropPath: explicit.dropPath } : {}) }, `${path} architecture`);

  const notes: string[] = [];
  const expected = vitParameterShapes(config);
  const missingQkvBias = [...expected.keys()].filter((n) => n.endsWith('.attn.qkv.bias') && !tensors.has(n));
  if (missingQkvBias.length) {
    tensors = new Map(tensors);
    for (const name of missingQkvBias) tensors.set(name, { shape: expected.get(name)!, data: new Float32Array(expected.get(name)![0]) });
    notes.push(`${path} has no attention qkv biases (timm qkv_bias=False): they are zeros, which computes the same function`);
  }
  const unexpected = [...tensors.keys()].filter((n) => !expected.has(n));
  if (unexpected.length) throw unexpectedError(path, unexpected);
  const missing = [...expected.keys()].filter((n) => !tensors.has(n));
  if (missing.length) {
    throw new CheckpointError(`${path} lacks ${missing.length} tensor(s) of a ${describe(config)}: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
      'pass a complete state dict (all blocks, norms and the head)');
  }
  const ordered = new Map<string, HostTensor>();
  for (const [name, shape] of expected) {
    const t = tensors.get(name)!;
    if (t.shape.join() !== shape.join()) {
      throw new CheckpointError(`${path}: ${name} is [${t.shape}] but a ${describe(config)} needs [${shape}]`, 'the blocks of the file differ in shape (e.g. per-block MLP widths): mango needs one width and MLP ratio throughout');
    }
    ordered.set(name, t);
  }
  return { path, config, configSource: recorded ? 'metadata' : 'shapes', tensors: ordered, metadata: file.metadata, notes };
}
