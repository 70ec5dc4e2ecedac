/** A run's curves from its log.jsonl: evaluations, training loss between them, and what a resume discards. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCurves } from '../../experiments/run-curves.ts';

const write = (entries: object[]) => {
  const path = join(mkdtempSync(join(tmpdir(), 'curves-')), 'log.jsonl');
  writeFileSync(path, entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return path;
};
const train = (step: number, loss: number) => ({ type: 'train', step, flops: 10 * step, loss });
const evaluation = (step: number, accuracy: number, loss: number, validationAccuracy?: number) => ({ type: 'eval', step, flops: 10 * step, accuracy, loss, validationAccuracy, validationLoss: validationAccuracy && loss + 0.1 });

test('evaluations become test/validation curves; training loss is averaged between evaluations', () => {
  const curves = runCurves(write([train(1, 2), train(2, 1), evaluation(2, 0.5, 1.5, 0.4), train(3, 0.5), train(4, 0.7), evaluation(4, 0.6, 1.2, 0.55)]));
  assert.equal(curves.accuracy.map((s) => s.label), ['test accuracy', 'validation accuracy']);
  assert.equal(curves.accuracy[0].points, [{ flops: 20, y: 0.5 }, { flops: 40, y: 0.6 }]);
  const trainLoss = curves.loss.find((s) => s.label.startsWith('train loss'))!;
  assert.equal(trainLoss.points.map((p) => p.y), [1.5, 0.6]);
  assert.ok(trainLoss.faint && curves.evaluations === 2);
});

test('a resume drops what the interrupted attempt logged after the checkpoint it resumes from', () => {
  const curves = runCurves(write([
    train(1, 2), evaluation(1, 0.3, 2), { type: 'checkpoint', step: 1 }, train(2, 1.9), evaluation(2, 0.99, 0.1), { type: 'skipped-checkpoint', path: 'x' },
    { type: 'resume', step: 1 }, train(2, 1.8), evaluation(2, 0.4, 1.8),
  ]));
  assert.equal(curves.accuracy[0].points.map((p) => p.y), [0.3, 0.4]);
  assert.equal(curves.loss.find((s) => s.label.startsWith('train loss'))!.points.map((p) => p.y), [2, 1.8]);
});

test.run();
