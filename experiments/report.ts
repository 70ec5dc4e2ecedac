/** The experiment's report: the summary with intervals, written as results.json, results.md and the accuracy-vs-FLOPs plot. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from '../models/config.ts';
import { writeJson } from '../io/files.ts';
import { accuracyPlot, methodCurves } from './plot.ts';
import type { ExperimentSpec } from './spec.ts';
import { markdownTable, summarize, type RunRecord, type Summary } from './summary.ts';

export function writeReport(spec: Pick<ExperimentSpec, 'outDir' | 'source' | 'target'>, runs: RunRecord[]): Summary {
  const summary = summarize(runs);
  writeJson(join(spec.outDir, 'results.json'), { ...summary, runs, interrupted: false });
  writeFileSync(join(spec.outDir, 'results.md'), `# Growth savings\n\n${markdownTable(summary, spec)}\n`);
  writeFileSync(join(spec.outDir, 'accuracy-vs-flops.svg'), accuracyPlot(methodCurves(runs), {
    title: `Test accuracy vs training FLOPs: ${describe(spec.source)} → d${spec.target.dim}·L${spec.target.depth}·h${spec.target.heads}`,
    lines: [{ y: summary.bar, label: `bar ${(100 * summary.bar).toFixed(2)}%` }],
  }));
  return summary;
}
