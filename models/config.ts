/** ViT configurations: named presets (DeiT shapes and CPU-scale ones) and validation. */
import { MangoError } from '../engine/index.ts';
import { didYouMean } from './suggest.ts';

export interface ViTConfig {
  imageSize: number;
  channels: number;
  patchSize: number;
  dim: number;
  depth: number;
  heads: number;
  mlpRatio: number;
  classes: number;
  dropout: number;
  dropPath: number;
}

export const configFields = ['imageSize', 'channels', 'patchSize', 'dim', 'depth', 'heads', 'mlpRatio', 'classes', 'dropout', 'dropPath'] as const satisfies readonly (keyof ViTConfig)[];

const base = { mlpRatio: 4, dropout: 0, dropPath: 0 };
const fmnist = { ...base, imageSize: 28, channels: 1, patchSize: 7, classes: 10 };
const cifar = { ...base, imageSize: 32, channels: 3, patchSize: 4, classes: 10 };
const imagenet = { ...base, imageSize: 224, channels: 3, patchSize: 16, classes: 1000 };

export const presets: Record<string, ViTConfig> = {
  'deit-tiny': { ...imagenet, dim: 192, depth: 12, heads: 3 },
  'deit-small': { ...imagenet, dim: 384, depth: 12, heads: 6 },
  'deit-base': { ...imagenet, dim: 768, depth: 12, heads: 12 },
  // CPU-scale, 28×28×1 (Fashion-MNIST/MNIST), patch 7: 16 patches + cls = 17 tokens.
  'fmnist-d32-l2': { ...fmnist, dim: 32, depth: 2, heads: 2 },
  'fmnist-d16-l4': { ...fmnist, dim: 16, depth: 4, heads: 1 },
  // The secondary (width + depth ×2) experiment's source.
  'fmnist-d16-l2': { ...fmnist, dim: 16, depth: 2, heads: 1 },
  // The main job's growth pair (mango-spec §5.2): width ×2 with the head dimension (16) kept.
  'fmnist-d32-l4': { ...fmnist, dim: 32, depth: 4, heads: 2 },
  'fmnist-d64-l4-h4': { ...fmnist, dim: 64, depth: 4, heads: 4 },
  'fmnist-d64-l4': { ...fmnist, dim: 64, depth: 4, heads: 2 },
  'fmnist-d128-l8': { ...fmnist, dim: 128, depth: 8, heads: 4 },
  'fmnist-d256-l12': { ...fmnist, dim: 256, depth: 12, heads: 8 },
  // CPU-scale, 32×32×3 (CIFAR-10), patch 4: 64 patches + cls.
  'cifar-d64-l4': { ...cifar, dim: 64, depth: 4, heads: 2 },
  'cifar-d128-l8': { ...cifar, dim: 128, depth: 8, heads: 4 },
};

/** Checks a config and names the first problem with its fix. */
export function validateConfig(config: ViTConfig, label = 'config'): ViTConfig {
  const problem = (what: string, fix: string) => { throw new MangoError(`${label}: ${what}`, fix); };
  for (const key of ['imageSize', 'channels', 'patchSize', 'dim', 'depth', 'heads', 'classes'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1) problem(`${key} must be a positive integer (got ${config[key]})`, `set ${key} to a positive integer`);
  }
  if (config.imageSize % config.patchSize !== 0) problem(`patch size ${config.patchSize} does not divide image size ${config.imageSize}`, 'choose a patch size that divides the image size');
  if (config.dim % config.heads !== 0) problem(`${config.heads} heads do not divide width ${config.dim}`, 'choose a head count that divides the width');
  if (typeof config.mlpRatio !== 'number' || !(config.mlpRatio > 0)) problem(`mlpRatio must be > 0 (got ${config.mlpRatio})`, 'use 4 (ViT default)');
  for (const key of ['dropout', 'dropPath'] as const) {
    if (typeof config[key] !== 'number' || !(config[key] >= 0 && config[key] < 1)) problem(`${key} must be in [0, 1) (got ${config[key]})`, `set ${key} between 0 and 1`);
  }
  return config;
}

/** A preset by name, or a full config object (e.g. parsed from a JSON file), validated. */
export function resolveConfig(nameOrConfig: string | Partial<ViTConfig>): ViTConfig {
  if (typeof nameOrConfig === 'string') {
    const preset = presets[nameOrConfig];
    if (!preset) throw new MangoError(`unknown config "${nameOrConfig}"${didYouMean(nameOrConfig, Object.keys(presets))}`, `use one of: ${Object.keys(presets).join(', ')}, or a JSON file`);
    return validateConfig({ ...preset }, nameOrConfig);
  }
  return validateConfig({ ...base, ...nameOrConfig } as ViTConfig);
}

export function tokensOf(config: ViTConfig): number {
  return (config.imageSize / config.patchSize) ** 2 + 1;
}

export function describe(config: ViTConfig): string {
  return `ViT d${config.dim}·L${config.depth}·h${config.heads} patch ${config.patchSize} on ${config.imageSize}²×${config.channels}, ${config.classes} classes`;
}
