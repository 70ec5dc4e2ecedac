/** The experiment's report: the summary with intervals, written as results.json, results.md and the metric-vs-FLOPs plot. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeModel } from '../models/architecture.ts';
import { writeJson } from '../io/files.ts';
import { accuracyPlot, curvePlot, methodCurves } from './plot.ts';
import type { ExperimentSpec } from './spec.ts';
import { markdownTable, metricOf, summarize, type RunRecord, type Summary } from './summary.ts';

export function writeReport(spec: Pick<ExperimentSpec, 'outDir' | 'source' | 'target'>, runs: RunRecord[]): Summary {
  const metric = metricOf(spec.target);
  const summary = summarize(runs, { metric });
  writeJson(join(spec.outDir, 'results.json'), { ...summary, runs, interrupted: false });
  writeFileSync(join(spec.outDir, 'results.md'), `# Growth savings\n\n${markdownTable(summary, spec)}\n`);
  const title = `${describeModel(spec.source)} → d${spec.target.dim}·L${spec.target.depth}·h${spec.target.heads}`;
  if (metric === 'loss') {
    writeFileSync(join(spec.outDir, 'loss-vs-flops.svg'), curvePlot(methodCurves(runs, (p) => p.loss), {
      title: `Test loss vs training FLOPs: ${title}`, yLabel: 'test loss, nats/token (mean over seeds; band: min–max)', yFormat: 'number',
      lines: [{ y: -summary.bar, label: `bar ${(-summary.bar).toFixed(4)}` }],
    }));
  } else {
    writeFileSync(join(spec.outDir, 'accuracy-vs-flops.svg'), accuracyPlot(methodCurves(runs), {
      title: `Test accuracy vs training FLOPs: ${title}`,
      lines: [{ y: summary.bar, label: `bar ${(100 * summary.bar).toFixed(2)}%` }],
    }));
  }
  return summary;
}
