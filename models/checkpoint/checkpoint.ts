/**
 * Training checkpoints in a folder: `step-NNNNNNNN.safetensors` holds the model under timm names (loads
 * into timm with strict=True) and the run state in its metadata; `step-NNNNNNNN.optim.safetensors` holds
 * the optimizer state. The optimizer file is written first, so a model file marks a complete checkpoint;
 * both are atomic, and the previous checkpoint is removed only after the new one is complete.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { validateModelConfig, type ModelConfig } from '../architecture.ts';
import type { BatchPosition } from '../data/batches.ts';
import type { HostTensor } from './host-tensor.ts';
import { CheckpointError, readSafetensors, writeSafetensors } from './safetensors.ts';
import { makeFolder } from '../../io/files.ts';

export interface RunState {
  config: ModelConfig;
  step: number;
  position: BatchPosition;
  /** training FLOPs spent so far (analytic) */
  flops: number;
  /** state of the model's random generator (dropout, stochastic depth) */
  random: number[];
  optimizer: { kind: string; step: number };
  /** anything else the caller wants back on resume (e.g. the growth method), JSON-encodable */
  extra?: Record<string, unknown>;
}

export interface Checkpoint {
  path: string;
  state: RunState;
  model: Map<string, HostTensor>;
  optimizer: Map<string, HostTensor>;
}

const modelFile = (dir: string, step: number) => join(dir, `step-${String(step).padStart(8, '0')}.safetensors`);
const optimizerFileOf = (model: string) => model.replace(/\.safetensors$/, '.optim.safetensors');

export function saveCheckpoint(dir: string, state: RunState, model: ReadonlyMap<string, HostTensor>, optimizer: ReadonlyMap<string, HostTensor>, keep = 2): string {
  makeFolder(dir, 'the checkpoint folder', CheckpointError);
  const path = modelFile(dir, state.step);
  const previous = listCheckpoints(dir).filter((p) => p !== path).at(-1);
  try {
    writeSafetensors(optimizerFileOf(path), optimizer, { format: 'mango-optimizer', step: String(state.step) });
    writeSafetensors(path, model, { format: 'mango-checkpoint', version: '1', state: JSON.stringify(state) });
  } catch (error) {
    rmSync(optimizerFileOf(path), { force: true });
    const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    const full = code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
    throw new CheckpointError(
      `could not write the step-${state.step} checkpoint in ${dir} (${full ? `${code}: no space left for it` : code ?? (error as Error).message}); ${previous ? `the previous checkpoint ${previous} is intact` : 'there is no earlier checkpoint'}`,
      full ? 'free disk space (or choose another --out), then rerun with --resume' : 'check that the output folder is writable, then rerun with --resume', { cause: error });
  }
  for (const old of listCheckpoints(dir).slice(0, -keep)) {
    rmSync(old, { force: true });
    rmSync(optimizerFileOf(old), { force: true });
  }
  return path;
}

/** Model files in `dir`, oldest first. */
export function listCheckpoints(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /^step-\d{8}\.safetensors$/.test(f)).sort().map((f) => join(dir, f));
}

export function loadCheckpoint(path: string): Checkpoint {
  const file = readSafetensors(path);
  if (file.metadata.format !== 'mango-checkpoint' || !file.metadata.state) {
    throw new CheckpointError(`${path} is not a mango training checkpoint (no run state in its metadata)`, 'pass a step-*.safetensors file written by `mango train`');
  }
  let state: RunState;
  try {
    state = JSON.parse(file.metadata.state);
    validateModelConfig(state.config, `${path} config`);
  } catch (cause) {
    throw new CheckpointError(`${path}: the run state in its metadata is unreadable (${(cause as Error).message})`, 'use an earlier checkpoint', { cause });
  }
  const optimizer = readSafetensors(optimizerFileOf(path));
  if (optimizer.metadata.step !== String(state.step)) {
    throw new CheckpointError(`${path}: optimizer file is from step ${optimizer.metadata.step}, model from step ${state.step}`, 'use an earlier checkpoint');
  }
  return { path, state, model: file.tensors, optimizer: optimizer.tensors };
}

/** The newest checkpoint in `dir` that loads completely, skipping damaged ones; undefined if none. */
export function latestCheckpoint(dir: string, onSkip?: (path: string, error: Error) => void): Checkpoint | undefined {
  for (const path of listCheckpoints(dir).reverse()) {
    try {
      return loadCheckpoint(path);
    } catch (error) {
      onSkip?.(path, error as Error);
    }
  }
  return undefined;
}
