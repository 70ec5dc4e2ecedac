/**
 * `metrics.csv` beside `log.jsonl`, one row per logged record as Lightning's CSVLogger writes it: training
 * steps fill the train columns, evaluations the test/validation ones, the other cells stay empty
 * (`pandas.read_csv(...).dropna(subset=['test_accuracy'])` gives the evaluations). On resume the rows past the
 * checkpoint's step, written by the interrupted run, are dropped, so the file describes one run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../io/files.ts';
import { CheckpointError } from '../checkpoint/safetensors.ts';
import { appendRunLine } from './run-line.ts';

export const metricsColumns = ['step', 'epoch', 'flops', 'train_loss', 'lr', 'images_per_second', 'test_loss', 'test_accuracy', 'validation_loss', 'validation_accuracy'] as const;
export type MetricsRow = Partial<Record<(typeof metricsColumns)[number], number>> & { step: number };

const header = `${metricsColumns.join(',')}\n`;
const cell = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? '' : String(value));

export class MetricsCsv {
  constructor(readonly path: string, resumedFrom?: number) {
    if (resumedFrom !== undefined && existsSync(path)) {
      const kept = readFileSync(path, 'utf8').split('\n').slice(1).filter((line) => line && Number(line.split(',')[0]) <= resumedFrom);
      writeFileAtomic(path, new TextEncoder().encode(header + kept.map((line) => `${line}\n`).join('')), CheckpointError);
    } else {
      writeFileAtomic(path, new TextEncoder().encode(header), CheckpointError);
    }
  }

  append(row: MetricsRow): void {
    appendRunLine(this.path, `${metricsColumns.map((c) => cell(row[c])).join(',')}\n`);
  }
}

/** Reads a metrics.csv back (for plots and tests): one object per row, empty cells left out. */
export function readMetricsCsv(path: string): MetricsRow[] {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const columns = head.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').flatMap((v, i) => (v === '' ? [] : [[columns[i], Number(v)]]))) as MetricsRow);
}
