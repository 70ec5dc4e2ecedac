/**
 * `mango plot <run or experiment folder>`: accuracy and loss against training FLOPs as SVG, from a
 * `mango train` run (its log.jsonl) or a `mango experiment` folder (its results.json: one curve per method,
 * mean over seeds with a min–max band, the bar dashed).
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MangoError } from '../../engine/index.ts';
import { readJson } from '../../io/files.ts';
import { accuracyPlot, curvePlot, methodCurves } from '../../experiments/plot.ts';
import { runCurves } from '../../experiments/run-curves.ts';
import type { RunRecord } from '../../experiments/summary.ts';
import { helpOption, helpText, parseOptionsWithPositionals, type OptionSpec } from '../option-table.ts';

const options = [
  { name: 'out', value: '<folder>', help: 'where the SVG files go', shows: 'the folder plotted' },
  helpOption,
] as const satisfies readonly OptionSpec[];

interface Charts {
  what: string;
  accuracy: string;
  loss: string;
}

function experimentCharts(folder: string): Charts {
  const results = readJson<{ runs: RunRecord[]; bar?: number; metric?: 'accuracy' | 'loss' }>(join(folder, 'results.json'))!;
  if (!results.runs?.length) throw new MangoError(`${folder}/results.json holds no finished runs yet`, 'plot once a run has finished');
  // The bar is drawn on the metric it was set on: accuracy, or (a language model's) test loss, stored as −loss.
  const onLoss = results.metric === 'loss';
  const bar = results.bar === undefined ? [] : onLoss ? [{ y: -results.bar, label: `bar ${(-results.bar).toFixed(4)}` }] : [{ y: results.bar, label: `bar ${(100 * results.bar).toFixed(2)}%` }];
  return {
    what: `experiment, ${results.runs.length} runs`,
    accuracy: accuracyPlot(methodCurves(results.runs), { title: `Test ${onLoss ? 'next-token ' : ''}accuracy vs training FLOPs: ${folder}`, lines: onLoss ? [] : bar }),
    loss: curvePlot(methodCurves(results.runs, (p) => p.loss), { title: `Test loss vs training FLOPs: ${folder}`, yLabel: 'test cross-entropy (mean over seeds; band: min–max)', yFormat: 'number', lines: onLoss ? bar : [] }),
  };
}

function runCharts(folder: string): Charts {
  const curves = runCurves(join(folder, 'log.jsonl'));
  return {
    what: `training run, ${curves.evaluations} evaluations`,
    accuracy: curvePlot(curves.accuracy, { title: `Accuracy vs training FLOPs: ${folder}`, yLabel: 'accuracy', yFormat: 'percent' }),
    loss: curvePlot(curves.loss, { title: `Loss vs training FLOPs: ${folder}`, yLabel: 'cross-entropy', yFormat: 'number' }),
  };
}

export const plotCommand = {
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseOptionsWithPositionals(args, options);
    if (values.help || positionals.length !== 1) {
      console.log(helpText('usage: mango plot <run folder | experiment folder> [--out <folder>]', options,
        ['writes accuracy-vs-flops.svg and loss-vs-flops.svg (a run folder of mango train, or a folder of mango experiment)']));
      return values.help ? 0 : 2;
    }
    const folder = positionals[0];
    if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new MangoError(`${folder} is not a folder`, 'pass the --out folder of mango train or mango experiment');
    const charts = existsSync(join(folder, 'results.json')) ? experimentCharts(folder)
      : existsSync(join(folder, 'log.jsonl')) ? runCharts(folder)
      : undefined;
    if (!charts) throw new MangoError(`${folder} has neither results.json (an experiment) nor log.jsonl (a training run)`, 'pass the --out folder of mango train or mango experiment');
    const out = values.out ?? folder;
    if (!existsSync(out)) throw new MangoError(`--out folder ${out} does not exist`, 'create it first, or leave --out out to write beside the data');
    const written = [['accuracy-vs-flops.svg', charts.accuracy], ['loss-vs-flops.svg', charts.loss]].map(([name, svg]) => {
      writeFileSync(join(out, name), svg);
      return join(out, name);
    });
    console.log(`${folder} (${charts.what}): wrote ${written.join(' and ')}`);
    return 0;
  },
};
