/** The savings metric on hand-computed curves. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { summarize, type RunRecord } from '../../growth/experiment.ts';
import { accuracyAt, flopsToReach, meanCurve, saving } from '../../growth/savings.ts';

const curve = (points: [number, number][]) => points.map(([flops, accuracy], step) => ({ step, flops, accuracy }));

test('flopsToReach interpolates linearly; accuracyAt takes the last point within the budget', () => {
  const c = curve([[0, 0.1], [10, 0.5], [20, 0.7]]);
  assert.is(flopsToReach(c, 0.6), 15);
  assert.is(flopsToReach(c, 0.05), 0);
  assert.is(flopsToReach(c, 0.8), undefined);
  assert.is(accuracyAt(c, 12), 0.5);
});

test('meanCurve averages pointwise; saving is measured against that one reference', () => {
  const a = curve([[0, 0.1], [10, 0.5], [20, 0.7]]), b = curve([[0, 0.1], [10, 0.3], [20, 0.5]]);
  const mean = meanCurve([a, b]);
  assert.equal(mean.map((p) => p.accuracy.toFixed(2)), ['0.10', '0.40', '0.60']);
  // bar 0.6: the mean scratch curve reaches it at 20; a grown run at [2 → 0.55, 12 → 0.65] reaches it at 7.
  const grown = curve([[2, 0.55], [12, 0.65]]);
  assert.ok(Math.abs(saving(grown, mean, 0.6)! - (1 - 7 / 20)) < 1e-12);
});

test('summarize: the bar is the mean scratch final accuracy and every run is compared with the mean scratch curve', () => {
  const run = (label: string, seed: number, points: [number, number][]): RunRecord => ({
    label, method: label === 'scratch' ? 'scratch' : 'net2net', seed, operatorFlops: 0, operatorLosses: [], evals: curve(points),
    finalAccuracy: points.at(-1)![1], totalFlops: points.at(-1)![0], seconds: 1,
  });
  const result = summarize([
    run('scratch', 0, [[0, 0.1], [10, 0.5], [20, 0.7]]), run('scratch', 1, [[0, 0.1], [10, 0.3], [20, 0.5]]),
    run('net2net', 0, [[0, 0.5], [10, 0.7], [20, 0.8]]), run('net2net', 1, [[0, 0.4], [10, 0.6], [20, 0.7]]),
  ]);
  assert.ok(Math.abs(result.scratchFinalAccuracy - 0.6) < 1e-12);
  const grown = result.summaries.find((s) => s.label === 'net2net')!;
  // seed 0 reaches 0.6 at 5, seed 1 at 10 → savings 0.75 and 0.5.
  assert.ok(Math.abs(grown.saving!.mean - 0.625) < 1e-12);
  assert.ok(Math.abs(grown.saving!.spread - Math.sqrt(2 * 0.125 ** 2)) < 1e-12);
});

test.run();
