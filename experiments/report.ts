/**
 * The experiment's report: the summary with intervals, written as results.json, results.md and the
 * metric-vs-FLOPs plot. A language model with a validation split gets the same statistics a second time with
 * the bar on validation loss.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeModel } from '../models/architecture.ts';
import { writeJson } from '../io/files.ts';
import { accuracyPlot, curvePlot, methodCurves } from './plot.ts';
import type { ExperimentSpec } from './spec.ts';
import { markdownTable, metricOf, summarize, type RunRecord, type Summary } from './summary.ts';

const hasValidationLoss = (runs: readonly RunRecord[]) => runs.every((r) => r.evals.every((p) => p.validationLoss !== undefined));

/** The summaries a report holds: the headline metric, and for a decoder with validation losses the validation-loss one. */
export function reportSummaries(spec: Pick<ExperimentSpec, 'target'>, runs: readonly RunRecord[]): { summary: Summary; validation?: Summary } {
  const metric = metricOf(spec.target);
  const summary = summarize(runs, { metric });
  return metric === 'loss' && hasValidationLoss(runs) ? { summary, validation: summarize(runs, { metric: 'validation-loss' }) } : { summary };
}

export function reportMarkdown(spec: Pick<ExperimentSpec, 'source' | 'target'>, summaries: { summary: Summary; validation?: Summary }): string {
  const main = `# Growth savings\n\n${markdownTable(summaries.summary, spec)}\n`;
  return summaries.validation ? `${main}\n## The bar on validation loss\n\n${markdownTable(summaries.validation, spec)}\n` : main;
}

/** Writes the report; returns the summaries and the plots' file names. */
export function writeReport(spec: Pick<ExperimentSpec, 'outDir' | 'source' | 'target'>, runs: RunRecord[]): Summary & { validation?: Summary; plots: string[] } {
  const summaries = reportSummaries(spec, runs);
  const { summary, validation } = summaries;
  writeJson(join(spec.outDir, 'results.json'), { ...summary, ...(validation ? { validation } : {}), runs, interrupted: false });
  writeFileSync(join(spec.outDir, 'results.md'), reportMarkdown(spec, summaries));
  const title = `${describeModel(spec.source)} → d${spec.target.dim}·L${spec.target.depth}·h${spec.target.heads}`;
  const lossPlot = (split: 'Test' | 'Validation', loss: (p: RunRecord['evals'][number]) => number | undefined, of: Summary) => curvePlot(methodCurves(runs, loss), {
    title: `${split} loss vs training FLOPs: ${title}`, yLabel: `${split.toLowerCase()} loss, nats/token (mean over seeds; band: min–max)`, yFormat: 'number',
    lines: [{ y: -of.bar, label: `bar ${(-of.bar).toFixed(4)}` }],
  });
  const plots: [string, string][] = [];
  if (summary.metric === 'loss') {
    plots.push(['loss-vs-flops.svg', lossPlot('Test', (p) => p.loss, summary)]);
    if (validation) plots.push(['validation-loss-vs-flops.svg', lossPlot('Validation', (p) => p.validationLoss, validation)]);
  } else {
    plots.push(['accuracy-vs-flops.svg', accuracyPlot(methodCurves(runs), {
      title: `Test accuracy vs training FLOPs: ${title}`,
      lines: [{ y: summary.bar, label: `bar ${(100 * summary.bar).toFixed(2)}%` }],
    })]);
  }
  for (const [name, svg] of plots) writeFileSync(join(spec.outDir, name), svg);
  return { ...summary, ...(validation ? { validation } : {}), plots: plots.map(([name]) => name) };
}
