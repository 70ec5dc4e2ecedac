/** Savings on a language model's test loss (lower is better): the same statistics as on accuracy, mirrored. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { markdownTable, metricOf, summarize, type RunRecord } from '../../experiments/summary.ts';
import { reportMarkdown, reportSummaries } from '../../experiments/report.ts';
import { MangoError } from '../../engine/index.ts';
import { gptPresets } from '../../models/lm/gpt-config.ts';
import { presets } from '../../models/config.ts';

/** A run whose points are [flops, test loss]; its accuracy field holds something unrelated, to prove it is not read. */
const run = (label: string, seed: number, points: [number, number][], stoppedEarly = false): RunRecord => ({
  label, method: label === 'scratch' ? 'scratch' : label.startsWith('mango') ? 'mango' : 'net2net', seed, operatorFlops: 0, operatorLosses: [],
  evals: points.map(([flops, loss], step) => ({ step, flops, loss, accuracy: 0.5 })), finalAccuracy: 0.5, totalFlops: points.at(-1)![0], seconds: 1,
  ...(stoppedEarly ? { stoppedEarly } : {}),
});

test('a decoder\'s metric is its loss, a ViT\'s its accuracy', () => {
  assert.is(metricOf(gptPresets['lm-d64-l4']), 'loss');
  assert.is(metricOf(presets['fmnist-d32-l4']), 'accuracy');
});

test('loss metric: the bar is the mean scratch final loss, a run saves the FLOPs it needs less to get below it', () => {
  const runs = [
    run('scratch', 0, [[0, 5.0], [10, 2.0], [20, 1.6]]), run('scratch', 1, [[0, 5.0], [10, 2.4], [20, 1.8]]),
    run('net2net', 0, [[0, 1.9], [10, 1.5]]), run('net2net', 1, [[0, 2.2], [10, 1.7]]),
    run('mango-r1', 0, [[0, 2.5], [20, 1.9]], true), run('mango-r1', 1, [[0, 2.5], [20, 2.1]], true),
  ];
  const result = summarize(runs, { metric: 'loss', margins: [0.1] });
  assert.is(result.metric, 'loss');
  assert.ok(Math.abs(-result.bar - 1.7) < 1e-12, `bar ${-result.bar}`);
  const net2net = result.summaries.find((s) => s.label === 'net2net')!;
  // The mean scratch curve (5.0, 2.2, 1.7) reaches 1.7 at 20; net2net seed 0 (1.9 → 1.5) at 5, seed 1 at 10: savings 0.75, 0.5.
  assert.ok(Math.abs(net2net.saving!.estimate - 0.625) < 1e-12, `saving ${net2net.saving!.estimate}`);
  assert.is(net2net.reached, 2);
  assert.ok(net2net.savingsBelow[0].saving!.estimate > net2net.saving!.estimate, 'an easier bar saves more');
  const mango = result.summaries.find((s) => s.label === 'mango-r1')!;
  assert.is(mango.reached, 0);
  const table = markdownTable(result, { source: gptPresets['lm-d64-l4'], target: gptPresets['lm-d128-l4'] });
  assert.match(table, /scratch's mean final test loss\): 1\.7000 nats\/token/);
  assert.match(table, /\| scratch \| 2 \(2\) \| 1\.7000 ± 0\.1414 \|/);
  assert.match(table, /saving % at bar \+0\.1 nats/);
});

/** The same run with a validation curve: validation loss = test loss + `offset`, except where `override` says. */
const withValidation = (r: RunRecord, offset: number, override: Record<number, number> = {}): RunRecord => ({
  ...r, evals: r.evals.map((p, i) => ({ ...p, validationLoss: override[i] ?? p.loss! + offset })),
});

test('validation-loss metric: the bar and the savings come from the validation curve, not the test curve', () => {
  const runs = [
    withValidation(run('scratch', 0, [[0, 5.0], [10, 2.0], [20, 1.6]]), 0.1), withValidation(run('scratch', 1, [[0, 5.0], [10, 2.4], [20, 1.8]]), 0.1),
    // On test loss net2net seed 0 reaches the bar at 5; on validation it starts at 2.0 and only reaches 1.8 at 10.
    withValidation(run('net2net', 0, [[0, 1.9], [10, 1.5]]), 0.1, { 0: 2.9, 1: 1.8 }), withValidation(run('net2net', 1, [[0, 2.2], [10, 1.7]]), 0.1),
  ];
  const result = summarize(runs, { metric: 'validation-loss', margins: [] });
  assert.ok(Math.abs(-result.bar - 1.8) < 1e-12, `bar ${-result.bar}`);
  // Mean scratch validation curve (5.1, 2.3, 1.8) reaches 1.8 at 20; net2net seed 0 reaches it at 10, seed 1 (2.3 → 1.8) at 10.
  const net2net = result.summaries.find((s) => s.label === 'net2net')!;
  assert.ok(Math.abs(net2net.saving!.estimate - 0.5) < 1e-12, `saving ${net2net.saving!.estimate}`);
  assert.ok(Math.abs(summarize(runs, { metric: 'loss', margins: [] }).summaries.find((s) => s.label === 'net2net')!.saving!.estimate - 0.625) < 1e-12);
  const spec = { source: gptPresets['lm-d64-l4'], target: gptPresets['lm-d128-l4'] };
  const markdown = reportMarkdown(spec, reportSummaries(spec, runs));
  assert.match(markdown, /mean final test loss\): 1\.7000/);
  assert.match(markdown, /## The bar on validation loss[\s\S]*mean final validation loss\): 1\.8000[\s\S]*\| method \| runs \(full budget\) \| final validation loss/);
});

test('validation-loss metric on records without validation losses: a typed error, and the report keeps to test loss', () => {
  const runs = [run('scratch', 0, [[0, 5.0], [10, 2.0]]), run('net2net', 0, [[0, 1.9], [10, 1.5]])];
  assert.throws(() => summarize(runs, { metric: 'validation-loss' }), (e: unknown) => e instanceof MangoError && /scratch seed 0 has no validation loss/.test(e.message));
  const spec = { source: gptPresets['lm-d64-l4'], target: gptPresets['lm-d128-l4'] };
  assert.is(reportSummaries(spec, runs).validation, undefined);
  assert.not.match(reportMarkdown(spec, reportSummaries(spec, runs)), /validation/);
});

test.run();
