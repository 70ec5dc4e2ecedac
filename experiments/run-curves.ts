/**
 * The curves of one training run, read from its `log.jsonl`: test (and validation) accuracy and loss at
 * each evaluation, and the training loss averaged over the steps between evaluations. Records an
 * interrupted attempt wrote past the checkpoint a resume started from are dropped.
 */
import { readFileSync } from 'node:fs';
import { MangoError } from '../engine/index.ts';
import type { Series } from './plot.ts';

interface LogEntry {
  type: string;
  step: number;
  flops?: number;
  loss?: number;
  accuracy?: number;
  validationAccuracy?: number;
  validationLoss?: number;
}

export interface RunCurves {
  accuracy: Series[];
  loss: Series[];
  evaluations: number;
}

function readLog(path: string): LogEntry[] {
  let entries: LogEntry[] = [];
  readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let entry: LogEntry;
    try {
      entry = JSON.parse(line) as LogEntry;
    } catch {
      throw new MangoError(`${path}: line ${i + 1} is not JSON`, 'the log is damaged; the checkpoints are not affected');
    }
    // A resume continues from its checkpoint's step: what the interrupted attempt logged after it is gone.
    if (entry.type === 'resume') entries = entries.filter((e) => !(e.step > entry.step));
    else entries.push(entry);
  });
  return entries;
}

export function runCurves(logPath: string): RunCurves {
  const entries = readLog(logPath);
  const evals = entries.filter((e) => e.type === 'eval' && e.flops !== undefined);
  if (evals.length === 0) throw new MangoError(`${logPath} has no evaluations yet`, 'plot once the run has evaluated (every epoch by default)');
  const point = (flops: number, y: number | undefined) => ({ flops, y: y ?? NaN });
  const trains = entries.filter((e) => e.type === 'train' && e.flops !== undefined && e.loss !== undefined);
  const trainLoss = evals.map((e, i) => {
    const window = trains.filter((t) => t.step <= e.step && (i === 0 || t.step > evals[i - 1].step));
    return window.length ? point(e.flops!, window.reduce((s, t) => s + t.loss!, 0) / window.length) : point(e.flops!, NaN);
  }).filter((p) => Number.isFinite(p.y));
  const hasValidation = evals.some((e) => e.validationAccuracy !== undefined);
  const accuracy: Series[] = [{ label: 'test accuracy', points: evals.map((e) => point(e.flops!, e.accuracy)) }];
  const loss: Series[] = [{ label: 'test loss', points: evals.map((e) => point(e.flops!, e.loss)).filter((p) => Number.isFinite(p.y)) }];
  if (hasValidation) {
    accuracy.push({ label: 'validation accuracy', points: evals.map((e) => point(e.flops!, e.validationAccuracy)) });
    loss.push({ label: 'validation loss', points: evals.map((e) => point(e.flops!, e.validationLoss)).filter((p) => Number.isFinite(p.y)) });
  }
  if (trainLoss.length) loss.push({ label: 'train loss (smoothed labels; mean since last eval)', points: trainLoss, faint: true });
  return { accuracy, loss: loss.filter((s) => s.points.length), evaluations: evals.length };
}
