/** The savings metric on hand-computed curves. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pairedBootstrap, quantile } from '../../experiments/intervals.ts';
import { savingOrBound, summarize, type RunRecord } from '../../experiments/summary.ts';
import { accuracyAt, flopsToReach, meanCurve, saving } from '../../experiments/savings.ts';

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

test('summarize: the bar is the mean scratch final accuracy; every run is measured against the mean scratch curve; paired intervals', () => {
  const run = (label: string, seed: number, points: [number, number][], stoppedEarly = false): RunRecord => ({
    label, method: label === 'scratch' ? 'scratch' : label.startsWith('mango') ? 'mango' : 'net2net', seed, operatorFlops: 0, operatorLosses: [], evals: curve(points),
    finalAccuracy: points.at(-1)![1], totalFlops: points.at(-1)![0], seconds: 1, ...(stoppedEarly ? { stoppedEarly } : {}),
  });
  const result = summarize([
    run('scratch', 0, [[0, 0.1], [10, 0.5], [20, 0.7]]), run('scratch', 1, [[0, 0.1], [10, 0.3], [20, 0.5]]),
    run('net2net', 0, [[0, 0.5], [10, 0.7], [20, 0.8]]), run('net2net', 1, [[0, 0.4], [10, 0.6], [20, 0.7]]),
    run('mango-r1', 0, [[0, 0.6], [10, 0.75]], true), run('mango-r1', 1, [[0, 0.45], [10, 0.65]], true),
  ], { margins: [0.1] });
  assert.ok(Math.abs(result.bar - 0.6) < 1e-12);
  const grown = result.summaries.find((s) => s.label === 'net2net')!;
  // seed 0 reaches 0.6 at 5, seed 1 at 10 → savings 0.75 and 0.5.
  assert.ok(Math.abs(grown.saving!.estimate - 0.625) < 1e-12);
  // Draws of seeds {0,0} and {1,1} move the bar to 0.7 and 0.5 (and the reference with it): savings 0.5 and 0.75.
  assert.ok(grown.saving!.low >= 0.5 - 1e-12 && grown.saving!.high <= 0.75 + 1e-12 && grown.saving!.low < 0.625 && grown.saving!.high > 0.625, JSON.stringify(grown.saving));
  // At the bar 0.1 lower (0.5) the mean scratch curve needs 15: seed 0 reaches 0.5 at 0, seed 1 at 5.
  assert.ok(Math.abs(grown.savingsBelow[0].saving!.estimate - (1 - (0 + 5) / 2 / 15)) < 1e-12);
  assert.is(grown.fullRuns, 2);
  const mango = result.summaries.find((s) => s.label === 'mango-r1')!;
  assert.is(mango.fullRuns, 0, 'runs stopped past the bar give no final accuracy');
  assert.is(mango.finalAccuracy, undefined);
  // mango: seed 0 at 0 → 1.0, seed 1 reaches 0.6 at 7.5 → 0.625; minus net2net (0.75, 0.5) → mean difference 0.1875.
  const difference = result.comparisons.find((c) => c.mango === 'mango-r1' && c.baseline === 'net2net')!.difference!;
  assert.ok(Math.abs(difference.estimate - 0.1875) < 1e-12);
  assert.ok(difference.low <= difference.estimate && difference.estimate <= difference.high);
});

test('savingOrBound: a run that never reaches the bar counts its whole budget', () => {
  const reference = curve([[0, 0.1], [10, 0.6]]);
  const short = { label: 'net2net', method: 'net2net' as const, seed: 0, operatorFlops: 0, operatorLosses: [], evals: curve([[0, 0.2], [15, 0.5]]), finalAccuracy: 0.5, totalFlops: 15, seconds: 1 };
  assert.equal(savingOrBound(short, reference, 0.6), { saving: 1 - 15 / 10, reached: false });
});

test('pairedBootstrap: deterministic, the interval holds the estimate, one seed gives a point', () => {
  const values = new Map([[0, 1], [1, 2], [2, 4], [3, 7]]);
  const mean = (seeds: readonly number[]) => seeds.reduce((s, k) => s + values.get(k)!, 0) / seeds.length;
  const a = pairedBootstrap([0, 1, 2, 3], mean, { resamples: 500, seed: 3 })!;
  assert.equal(a, pairedBootstrap([0, 1, 2, 3], mean, { resamples: 500, seed: 3 }));
  assert.is(a.estimate, 3.5);
  assert.ok(a.low < 3.5 && a.high > 3.5 && a.low >= 1 && a.high <= 7);
  const one = pairedBootstrap([2], mean)!;
  assert.equal([one.low, one.estimate, one.high], [4, 4, 4]);
  assert.is(quantile([0, 10], 0.25), 2.5);
});

test.run();
