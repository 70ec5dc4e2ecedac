/** Shared CLI plumbing: backend choice, dataset loading, config resolution, Ctrl-C handling. */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CheckpointError } from '../models/checkpoint/safetensors.ts';
import * as E from '../engine/index.ts';
import { MangoError, NoGpuAdapterError } from '../engine/index.ts';
import { configFields, presets, resolveConfig, type ViTConfig } from '../models/config.ts';
import { gptConfigFields, gptPresets, isGPTConfig, resolveGPTConfig, type GPTConfig } from '../models/lm/gpt-config.ts';
import type { ModelConfig } from '../models/architecture.ts';
import type { SplitData } from '../models/train/evaluate.ts';
import { loadTextData, textDataNames } from './text-data.ts';
import { holdOut, loadCifar10, loadFashionMnist, subset, type Dataset } from '../models/data/dataset.ts';
import { loadImageFolder } from '../models/data/image-folder.ts';
import { say } from '../models/train/progress.ts';
import { didYouMean } from '../models/suggest.ts';

export const backendNames = ['webgpu', 'cpu'] as const;
export type BackendName = (typeof backendNames)[number];

/** --backend, checked before anything starts. */
export function backendName(value: string | undefined): BackendName | undefined {
  if (value === undefined || (backendNames as readonly string[]).includes(value)) return value as BackendName | undefined;
  throw new MangoError(`unknown --backend "${value}"${didYouMean(value, backendNames)}`, `use ${backendNames.join(' or ')} (default: webgpu, falling back to cpu when there is no adapter)`);
}

export async function chooseBackend(name: BackendName | undefined): Promise<E.Backend> {
  if (name === 'cpu') return E.setBackend('cpu');
  try {
    const backend = await E.setBackend('webgpu');
    return backend;
  } catch (error) {
    if (error instanceof NoGpuAdapterError && name === undefined) {
      console.error(`warning: ${error.message.split('\n')[0]}; falling back to the CPU backend (slow). Pass --backend webgpu to make this an error.`);
      return E.setBackend('cpu');
    }
    throw error;
  }
}


/** --config and friends: a preset name (ViT or language model) or a JSON file of either's fields. */
export function loadConfig(value: string): ModelConfig {
  if (value.endsWith('.json')) {
    if (!existsSync(value)) throw new MangoError(`config file ${value} does not exist`, 'pass a preset name or an existing JSON file');
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(value, 'utf8'));
    } catch (cause) {
      throw new MangoError(`config file ${value} is not valid JSON (${(cause as Error).message})`, 'fix the JSON syntax', { cause });
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new MangoError(`config file ${value} must hold a JSON object`, 'see models/config.ts for the fields');
    const decoder = 'vocabSize' in parsed || 'context' in parsed;
    const fields: readonly string[] = decoder ? gptConfigFields : configFields;
    const unknown = Object.keys(parsed).filter((k) => !fields.includes(k));
    if (unknown.length) throw new MangoError(`config file ${value} has unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')}`, `the fields are ${fields.join(', ')} (a ${decoder ? 'language-model' : 'ViT'} config)`);
    return decoder ? resolveGPTConfig(parsed as Partial<GPTConfig>) : resolveConfig(parsed as Partial<ViTConfig>);
  }
  if (value in gptPresets) return resolveGPTConfig(value);
  if (!(value in presets)) {
    throw new MangoError(`unknown config "${value}"${didYouMean(value, [...Object.keys(presets), ...Object.keys(gptPresets)])}`,
      `use one of: ${Object.keys(presets).join(', ')} (ViTs), ${Object.keys(gptPresets).join(', ')} (language models), or a JSON file`);
  }
  return resolveConfig(value);
}

/** A config that must be a ViT's (where language models are not supported), e.g. for `flag` --source. */
export function loadViTConfig(value: string, flag: string): ViTConfig {
  const config = loadConfig(value);
  if (isGPTConfig(config)) throw new MangoError(`${flag} ${value} is a language model; this command takes a ViT config here`, 'pass a ViT preset (e.g. fmnist-d32-l4) or JSON file');
  return config;
}

/** --names: how a language model's weights are named in a written file. */
export function weightNames(value: string | undefined): 'mango' | 'gpt2' {
  if (value === undefined || value === 'mango' || value === 'gpt2') return value ?? 'mango';
  throw new MangoError(`unknown --names "${value}"`, "use mango (the decoder's own names) or gpt2 (Hugging Face GPT-2's)");
}

export const datasetNames = ['fashion-mnist', 'cifar10', 'imagefolder', ...textDataNames] as const;

/** --data, checked before anything starts. */
export function datasetName(value: string | undefined): string | undefined {
  if (value === undefined || (datasetNames as readonly string[]).includes(value)) return value;
  throw new MangoError(`unknown dataset "${value}"${didYouMean(value, datasetNames)}`, `use ${datasetNames.join(', ')} (imagefolder: --data-dir <root> with train/<class>/ and val/<class>/; austen: Jane Austen's novels, for language models; text: --data-dir <folder of .txt files>)`);
}

export interface DataRequest {
  name: string;
  dir?: string;
  /** the model the data is for: an image folder is resized to its input */
  model: ViTConfig;
  subset?: number;
  testSubset?: number;
  validation?: number;
}

/**
 * The dataset's splits. `validation` holds that many training images out first (a fixed draw, the same for
 * every run that asks for it), so a subset of the rest never contains them.
 */
export function loadData(request: DataRequest): { train: Dataset; test: Dataset; validation?: Dataset } {
  const { name, dir, model, subset: trainSubset, testSubset, validation } = request;
  let data: { train: Dataset; test: Dataset };
  if (name === 'fashion-mnist') data = loadFashionMnist(dir);
  else if (name === 'cifar10') {
    if (!dir) throw new MangoError('CIFAR-10 needs --data-dir', 'download the CIFAR-10 binary version and pass the cifar-10-batches-bin folder');
    data = loadCifar10(dir);
  } else if (name === 'imagefolder') {
    if (!dir) throw new MangoError('--data imagefolder needs --data-dir', 'pass the folder that holds train/<class>/*.png|jpg and val/<class>/…');
    data = loadImageFolder(dir, { imageSize: model.imageSize, channels: model.channels });
  } else throw new MangoError(`unknown dataset "${name}"`, `use ${datasetNames.join(', ')}`);
  const split = validation ? holdOut(data.train, validation) : { train: data.train, validation: undefined };
  return {
    train: trainSubset ? subset(split.train, trainSubset) : split.train,
    test: testSubset ? subset(data.test, testSubset) : data.test,
    ...(split.validation ? { validation: split.validation } : {}),
  };
}

/** The data of either family for a model: images for a ViT, a text corpus (default: Jane Austen) for a decoder. */
export async function loadModelData(request: Omit<DataRequest, 'model' | 'name'> & { name?: string; model: ModelConfig }): Promise<{ train: SplitData; test: SplitData; validation?: SplitData }> {
  const { model } = request;
  const text = (textDataNames as readonly string[]).includes(request.name ?? '');
  if (isGPTConfig(model)) {
    if (request.name !== undefined && !text) throw new MangoError(`a language model cannot train on the image dataset ${request.name}`, `use --data ${textDataNames.join(' or ')} (or leave --data out: Jane Austen's novels)`);
    if (request.validation !== undefined) throw new MangoError('--validation applies to image data', 'a text corpus always has its validation split (5 % of the documents)');
    return loadTextData({ name: request.name ?? 'austen', dir: request.dir, model, subset: request.subset, testSubset: request.testSubset });
  }
  if (text) throw new MangoError(`a ViT cannot train on the text corpus ${request.name}`, 'use an image dataset, or a language-model config (e.g. lm-d64-l4)');
  const data = loadData({ ...request, name: request.name ?? 'fashion-mnist', model });
  checkDataFitsModel(data.train, model);
  return data;
}

export function checkDataFitsModel(data: Dataset, config: ViTConfig): void {
  const [c, h] = data.imageShape;
  if (c !== config.channels || h !== config.imageSize || data.classes !== config.classes) {
    throw new MangoError(`the ${data.name} images (${h}²×${c}, ${data.classes} classes) do not fit the model (${config.imageSize}²×${config.channels}, ${config.classes} classes)`,
      data.name === 'imagefolder' ? `use a config with classes: ${data.classes} (a JSON --config, or a preset of that many classes)` : 'pick a config for this dataset (fmnist-* for Fashion-MNIST, cifar-* for CIFAR-10)');
  }
}

/** An AbortSignal raised by the first Ctrl-C; a second Ctrl-C exits at once. */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    say('stopping after this step (checkpointing)… press Ctrl-C again to quit at once');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  return controller.signal;
}

export function integer(value: string | undefined, name: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new MangoError(`--${name} must be an integer ≥ ${min} (got "${value}")`, `pass e.g. --${name} ${Math.max(min, 1)}`);
  return n;
}

export function number(value: string | undefined, name: string, range: { min?: number; above?: number } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const { min, above } = range;
  const bound = above !== undefined ? ` > ${above}` : min !== undefined ? ` ≥ ${min}` : '';
  if (value.trim() === '' || !Number.isFinite(n) || (above !== undefined && !(n > above)) || (min !== undefined && !(n >= min))) {
    throw new MangoError(`--${name} must be a number${bound} (got "${value}")`, `pass e.g. --${name}=0.001`);
  }
  return n;
}

/** A number > 0 (learning rates, budgets). */
export const positive = (value: string | undefined, name: string) => number(value, name, { above: 0 });

/**
 * Fails now, with the real cause, if `dir` could not be created later: the nearest existing ancestor must be
 * a writable folder. Nothing is created, so a run that stops before its first write leaves nothing behind.
 */
export function checkCanCreate(dir: string, what: string): void {
  let at = resolve(dir);
  while (!existsSync(at) && dirname(at) !== at) at = dirname(at);
  let code: string | undefined;
  if (!statSync(at).isDirectory()) code = 'ENOTDIR';
  else {
    try {
      accessSync(at, constants.W_OK);
    } catch (error) {
      code = (error as NodeJS.ErrnoException).code;
    }
  }
  if (code) throw new CheckpointError(`cannot create ${what} ${dir} (${code})`, 'choose a writable output folder (--out)');
}
