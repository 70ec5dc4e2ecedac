/** metrics.csv: Lightning-style rows (empty cells where a row has no value), and a resume drops the rows past its checkpoint. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MetricsCsv, metricsColumns, readMetricsCsv } from '../../models/train/metrics-csv.ts';

test('rows with empty cells; a resume from step 4 keeps rows up to 4, then appends', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'csv-')), 'metrics.csv');
  const first = new MetricsCsv(path);
  for (let step = 1; step <= 6; step++) first.append({ step, epoch: 0, flops: step * 100, train_loss: 2 / step, lr: 0.001 });
  first.append({ step: 6, epoch: 0, flops: 600, test_loss: 1.1, test_accuracy: 0.5 });
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  assert.is(lines[0], metricsColumns.join(','));
  assert.is(lines.at(-1), '6,0,600,,,,1.1,0.5,,');
  const resumed = new MetricsCsv(path, 4);
  resumed.append({ step: 5, epoch: 0, flops: 500, train_loss: 0.3 });
  assert.equal(readMetricsCsv(path).map((r) => [r.step, r.train_loss]), [[1, 2], [2, 1], [3, 2 / 3], [4, 0.5], [5, 0.3]]);
  new MetricsCsv(path);
  assert.equal(readMetricsCsv(path), [], 'a fresh run starts a fresh file');
});

test.run();
