/**
 * `mango inspect <file.safetensors | run folder> [--json]`: what a checkpoint or weights file holds — its
 * architecture, a training checkpoint's run state, a grown file's provenance (method, rank, source,
 * operator cost), a pretrained file's recipe and accuracy — and its tensors. A run folder shows its newest
 * checkpoint (or grown.safetensors).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MangoError } from '../../engine/index.ts';
import { listCheckpoints } from '../../models/checkpoint/checkpoint.ts';
import { describeModel, type ModelConfig } from '../../models/architecture.ts';
import { isGPTConfig } from '../../models/lm/gpt-config.ts';
import { gptForwardFlops } from '../../models/lm/gpt-flops.ts';
import { holdsDecoder, loadModelWeights } from '../../models/checkpoint/model-weights.ts';
import { CheckpointError, readSafetensors } from '../../models/checkpoint/safetensors.ts';
import { loadViTWeights, UnknownHeadsError } from '../../models/checkpoint/weights.ts';
import { forwardFlops } from '../../models/flops.ts';
import { helpOption, helpText, parseOptionsWithPositionals, type OptionSpec } from '../option-table.ts';

const options = [
  { name: 'json', help: 'print one JSON object instead of text' },
  helpOption,
] as const satisfies readonly OptionSpec[];

/** Metadata keys a grown or pretrained file carries, in the order they are shown. */
const provenanceKeys = ['format', 'family', 'names', 'method', 'rank', 'widthInit', 'grownFrom', 'operatorSteps', 'operatorFlops', 'command', 'steps', 'testAccuracy', 'testLoss', 'testImages', 'testTokens', 'validationAccuracy', 'validationLoss', 'validationImages', 'validationTokens', 'recipe'];

interface Inspection {
  file: string;
  kind: 'training checkpoint' | 'grown weights' | 'weights';
  model: string;
  config?: ModelConfig;
  configSource?: 'metadata' | 'shapes';
  /** why the file cannot serve as a model (when it cannot) */
  problem?: string;
  run?: { step: number; epoch: number; batch: number; flops: number; optimizer: string };
  provenance: Record<string, unknown>;
  /** forward FLOPs per image, or per sequence of the full context */
  forwardFlopsPerImage?: number;
  tensors: { name: string; dtype: string; shape: number[] }[];
  values: number;
}

/** The file to show for a path: the file itself, or a run folder's newest checkpoint / grown file. */
function fileFor(path: string): string {
  if (!existsSync(path)) throw new MangoError(`${path} does not exist`, 'pass a .safetensors file or a run folder');
  if (!statSync(path).isDirectory()) return path;
  const newest = listCheckpoints(join(path, 'checkpoints')).at(-1);
  const grown = join(path, 'grown.safetensors');
  const found = newest ?? (existsSync(grown) ? grown : undefined);
  if (!found) throw new MangoError(`${path} is a folder without checkpoints/ or grown.safetensors`, 'pass a .safetensors file, or a run folder of mango train / mango grow');
  return found;
}

const parsed = (value: string) => {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
};

function forwardOf(config: ModelConfig): number {
  return isGPTConfig(config) ? gptForwardFlops(config).forward : forwardFlops(config).forward;
}

function inspect(path: string): Inspection {
  const file = readSafetensors(path);
  if (file.tensors.size === 0) throw new MangoError(`${path} holds no tensors`, 'pass a weights or checkpoint file');
  const tensors = [...file.tensors].map(([name, t]) => ({ name, dtype: 'F32', shape: t.shape }));
  const values = [...file.tensors.values()].reduce((n, t) => n + t.data.length, 0);
  const provenance = Object.fromEntries(provenanceKeys.filter((k) => file.metadata[k] !== undefined).map((k) => [k, parsed(file.metadata[k])]));
  const kind = file.metadata.state ? 'training checkpoint' : file.metadata.method ? 'grown weights' : 'weights';
  const base = { file: path, kind, provenance, tensors, values } as const;
  if (file.metadata.state) {
    const state = JSON.parse(file.metadata.state);
    return {
      ...base, model: describeModel(state.config), config: state.config, configSource: 'metadata', forwardFlopsPerImage: forwardOf(state.config),
      run: { step: state.step, epoch: state.position.epoch, batch: state.position.batch, flops: state.flops, optimizer: state.optimizer.kind },
    };
  }
  try {
    const weights = loadModelWeights(path);
    return { ...base, model: describeModel(weights.config), config: weights.config, configSource: weights.configSource, forwardFlopsPerImage: forwardOf(weights.config) };
  } catch (error) {
    if (holdsDecoder(path) && error instanceof CheckpointError && /number of attention heads/.test(error.message)) {
      const config = loadModelWeights(path, { heads: 1 }).config;
      return { ...base, model: describeModel(config).replace('·h1', ''), configSource: 'shapes', problem: 'heads not recorded: pass --heads, or keep Hugging Face\'s config.json beside the file' };
    }
    if (error instanceof UnknownHeadsError) {
      const config = loadViTWeights(path, { heads: 1 }).config;
      return { ...base, model: describeModel(config).replace('·h1', ''), configSource: 'shapes', problem: 'heads not recorded: pass --heads to grow or train it' };
    }
    if (!(error instanceof CheckpointError)) throw error;
    return { ...base, model: 'not usable as a ViT source', problem: error.message.split('\n')[0] };
  }
}

function printText(x: Inspection): void {
  console.log(`${x.file}: ${x.kind}`);
  const notes = [x.configSource === 'metadata' ? 'recorded in its metadata' : x.configSource === 'shapes' ? 'from its tensor shapes' : undefined, x.problem].filter(Boolean);
  console.log(`model: ${x.model}${notes.length ? ` (${notes.join('; ')})` : ''}`);
  if (x.config) console.log(`config: ${JSON.stringify(x.config)}`);
  if (x.run) console.log(`step ${x.run.step} (epoch ${x.run.epoch}, batch ${x.run.batch}), training FLOPs so far ${(x.run.flops / 1e12).toFixed(4)} T, optimizer ${x.run.optimizer}`);
  for (const [key, value] of Object.entries(x.provenance)) console.log(`${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  if (x.forwardFlopsPerImage !== undefined) console.log(`forward FLOPs per ${x.config && isGPTConfig(x.config) ? "sequence of the full context" : "image"}: ${(x.forwardFlopsPerImage / 1e6).toFixed(2)} M`);
  for (const t of x.tensors) console.log(`  ${t.name.padEnd(40)} [${t.shape.join(', ')}]`);
  console.log(`${x.tensors.length} tensors, ${x.values.toLocaleString('en')} values`);
}

export const inspectCommand = {
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseOptionsWithPositionals(args, options);
    if (values.help || positionals.length !== 1) {
      console.log(helpText('usage: mango inspect <file.safetensors | run folder> [--json]', options));
      return values.help ? 0 : 2;
    }
    const inspection = inspect(fileFor(positionals[0]));
    if (values.json) console.log(JSON.stringify(inspection, null, 2));
    else printText(inspection);
    return 0;
  },
};
