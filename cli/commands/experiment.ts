/** `mango experiment`: the savings experiment (methods × seeds), resumable; `--default` is the main job. */
import { MangoError } from '../../engine/index.ts';
import { describeModel } from '../../models/architecture.ts';
import { isGPTConfig } from '../../models/lm/gpt-config.ts';
import { isTokenSplit } from '../../models/lm/token-split.ts';
import { batchesFor } from '../../models/train/batches-for.ts';
import { sizeOf } from '../../experiments/spec.ts';
import { checkGrowth, growthMethods, type GrowthMethod } from '../../growth/grow.ts';
import { describeDuration, estimate } from '../../experiments/estimate.ts';
import { runExperiment } from '../../experiments/scheduler.ts';
import { checkExperimentFolder, type MethodSpec } from '../../experiments/spec.ts';
import { markdownTable, type Summary } from '../../experiments/summary.ts';
import { loadModelWeights } from '../../models/checkpoint/model-weights.ts';
import { pretrainedPath } from '../../models/pretrained.ts';
import { helpOption, helpText, parseOptions, type OptionSpec } from '../option-table.ts';
import { backendName, checkCanCreate, chooseBackend, datasetName, integer, interruptSignal, loadConfig, loadModelData, number, positive } from '../options.ts';

/**
 * The main job (`npm start`), sized for about 15 minutes on 2 CPU cores through lavapipe: the shipped
 * pretrained source, width ×2 with the head dimension kept (as DeiT-S → DeiT-B), scratch vs Mango vs
 * Net2Net on one seed and a short budget, the full test set, a validation split held out.
 */
const shippedSource = pretrainedPath('fmnist-d16-l4');
const mainJob = {
  'source-weights': shippedSource, target: 'fmnist-d32-l4', validation: '5000', batch: '128', lr: '0.002',
  'target-epochs': '4', 'op-steps': '100', methods: 'scratch,mango,net2net', seeds: '1', evals: '8', out: 'runs/main',
};

/** Defaults without --default (the help shows them). */
const standard = {
  source: 'fmnist-d64-l4', target: 'fmnist-d128-l8', methods: 'scratch,mango', seeds: '3', batch: '128',
  'source-epochs': '3', 'target-epochs': '3', lr: '0.001', 'op-steps': '100', 'op-lr': '0.001', evals: '8', out: 'runs/experiment',
};

const options = [
  { name: 'default', help: [`the main job: the shipped source pretrained/fmnist-d16-l4.safetensors → ${mainJob.target},`,
    `scratch vs Mango R=1 vs Net2Net, ${mainJob['target-epochs']} epochs each on Fashion-MNIST (validation split`,
    `${mainJob.validation}), output in ${mainJob.out} (what \`npm start\` runs)`] },
  { name: 'source', value: '<config>', help: 'source model config', shows: standard['source'] },
  { name: 'source-weights', value: '<file>', help: ['reuse this pretrained source (any timm-layout safetensors file, or a language', "model's) instead of training one; its architecture is the file's (--source, if", 'given, must agree)'] },
  { name: 'heads', value: '<n>', help: "the source's heads, for a --source-weights file that does not record them" },
  { name: 'target', value: '<config>', help: 'target model config', shows: standard['target'] },
  { name: 'methods', value: '<list>', help: [`comma list of: ${growthMethods.join(', ')};`, 'mango:R sets the rank; mango-mix:R starts the new width as', "random mixtures (LiGO's init) instead of copies"], shows: standard['methods'] },
  { name: 'seeds', value: '<n>', help: 'seeds per method', shows: standard['seeds'] },
  { name: 'data', value: '<name>', group: 'data', help: ['dataset (fashion-mnist | cifar10 | imagefolder; for language models austen |', 'text) and folder'], shows: 'fashion-mnist; austen for an LM' },
  { name: 'data-dir', value: '<folder>', group: 'data', help: '' },
  { name: 'subset', value: '<n>', group: 'subsets', help: 'use only the first n train / test images (an LM: n train tokens / n test windows)' },
  { name: 'test-subset', value: '<n>', group: 'subsets', help: '' },
  { name: 'validation', value: '<n>', help: ['hold n training images out (a fixed draw; never trained on, by the source',
    'either when it is trained here) and evaluate every run on them too: choose', 'settings on these, report on the test set'] },
  { name: 'stop-past-bar', help: ['grown runs stop once past the highest scratch final accuracy (an LM: below the', 'lowest final test loss; enough for every saving); seed 0 of each method still', 'trains the whole budget'] },
  { name: 'batch', value: '<n>', help: 'batch size', shows: standard['batch'] },
  { name: 'source-epochs', value: '<x>', help: 'source training (skipped when already done)', shows: standard['source-epochs'] },
  { name: 'target-epochs', value: '<x>', help: 'the training budget of every target run', shows: standard['target-epochs'] },
  { name: 'lr', value: '<x>', help: 'target learning rate', shows: standard['lr'] },
  { name: 'grown-lr', value: '<x>', help: ['peak learning rate of the runs that start from the source (all methods but', 'scratch and stackbert)'], shows: 'the --lr' },
  { name: 'warmup', value: '<n>', help: 'target warmup steps (same for all methods)', shows: '5% of steps' },
  { name: 'op-steps', value: '<n>', help: 'operator training steps (mango, ligo)', shows: standard['op-steps'] },
  { name: 'op-lr', value: '<x>', help: 'operator learning rate', shows: standard['op-lr'] },
  { name: 'noise', value: '<x>', help: "Mango's off-slot init noise, relative to each slice's RMS", shows: '0.01' },
  { name: 'evals', value: '<n>', help: 'evaluations per target run', shows: standard['evals'] },
  { name: 'out', value: '<folder>', help: 'experiment folder (rerun to resume)', shows: standard['out'] },
  { name: 'backend', value: '<name>', help: 'webgpu | cpu' },
  helpOption,
] as const satisfies readonly OptionSpec[];

export function parseMethods(list: string): MethodSpec[] {
  return list.split(',').map((item) => {
    const [given, rank] = item.trim().split(':');
    const mix = given === 'mango-mix';
    const name = mix ? 'mango' : given;
    if (!growthMethods.includes(name as GrowthMethod)) throw new MangoError(`unknown method "${given}" in --methods`, `use any of: ${growthMethods.join(', ')}, mango-mix`);
    return { method: name as GrowthMethod, ...(rank ? { rank: integer(rank, 'methods rank', 1) } : name === 'mango' ? { rank: 1 } : {}), ...(mix ? { widthInit: 'mix' as const } : {}) };
  });
}

export const experimentCommand = {
  async run(args: string[]): Promise<number> {
    const given = parseOptions(args, options);
    if (given.help) {
      console.log(helpText('usage: mango experiment [options]', options));
      return 0;
    }
    const defaults: Record<string, string> = given.default ? mainJob : standard;
    const v = { ...defaults, ...Object.fromEntries(Object.entries(given).filter(([, x]) => x !== undefined && x !== false)) } as Record<string, string | undefined>;
    // Every argument is checked before any data loads or the GPU starts.
    const weights = v['source-weights']
      ? loadModelWeights(v['source-weights'], { config: given.source ? loadConfig(given.source) : undefined, configLabel: `--source ${given.source}`, heads: integer(v.heads, 'heads', 1), configFlag: '--source' })
      : undefined;
    const source = weights?.config ?? loadConfig(v.source!);
    const target = loadConfig(v.target!);
    const methods = parseMethods(v.methods!);
    if (!methods.some((m) => m.method === 'scratch')) methods.unshift({ method: 'scratch' });
    for (const m of methods) checkGrowth(source, target, m.method, m);
    const batchSize = integer(v.batch, 'batch', 1)!;
    const seeds = Array.from({ length: integer(v.seeds, 'seeds', 1)! }, (_, i) => i);
    const evals = integer(v.evals, 'evals', 1) ?? 8;
    const subsets = [integer(v.subset, 'subset', 1), integer(v['test-subset'], 'test-subset', 1)] as const;
    // A pretrained source is not trained here: its epochs do not apply.
    const epochFractions = { source: weights ? 0 : positive(v['source-epochs'], 'source-epochs')!, target: positive(v['target-epochs'], 'target-epochs')! };
    const lr = positive(v.lr, 'lr') ?? 1e-3;
    const grownLr = positive(v['grown-lr'], 'grown-lr');
    const warmup = integer(v.warmup, 'warmup');
    const operatorSteps = integer(v['op-steps'], 'op-steps', 0)!;
    const operatorLr = positive(v['op-lr'], 'op-lr') ?? 1e-3;
    const mangoNoise = number(v.noise, 'noise', { min: 0 });
    const backendChoice = backendName(v.backend);
    const dataName = datasetName(v.data);

    const data = await loadModelData({ name: dataName, dir: v['data-dir'], model: target, subset: subsets[0], testSubset: subsets[1], validation: integer(v.validation, 'validation', 1) });
    const perEpoch = batchesFor(target, data.train, batchSize, 0).perEpoch;
    const steps = (epochs: number) => Math.max(1, Math.round(perEpoch * epochs));
    const targetSteps = steps(epochFractions.target);
    const settings = {
      source, target, train: data.train, test: data.test, batchSize, sourceSteps: weights ? 0 : steps(epochFractions.source), targetSteps, lr,
      ...(grownLr !== undefined ? { grownLr } : {}),
      warmupSteps: warmup ?? Math.round(targetSteps * 0.05), operatorSteps, operatorLr, mangoNoise,
      evalEvery: Math.max(1, Math.floor(targetSteps / evals)), methods, seeds, outDir: v.out!, labelSmoothing: isGPTConfig(target) ? 0 : 0.1,
      ...(data.validation ? { validation: data.validation } : {}),
      ...(weights ? { sourceWeights: { path: weights.path, tensors: weights.tensors } } : {}),
      ...(v['stop-past-bar'] ? { stopPastBar: { fullBudgetSeeds: [seeds[0]] } } : {}),
    };
    checkExperimentFolder(settings);
    checkCanCreate(v.out!, 'the experiment folder');
    const backend = await chooseBackend(backendChoice);
    const unit = isTokenSplit(data.train) ? ' tokens' : '';
    console.log(`experiment: ${describeModel(source)} → ${describeModel(target)} on ${data.train.name} (${sizeOf(data.train)} train / ${sizeOf(data.test)} test${data.validation ? ` / ${sizeOf(data.validation)} validation` : ''}${unit}), ${backend.describe()}`);
    console.log(`methods ${methods.map((m) => (m.widthInit ? 'mango-mix' : m.method) + (m.rank ? `:${m.rank}` : '')).join(', ')} × seeds ${seeds.join(', ')}; ${targetSteps} target steps of ${batchSize}; folder ${v.out}`);
    const time = await estimate(settings, backend);
    if (time.runsLeft > 0) {
      console.log(`estimate: ${time.runsLeft} run(s) to do, ${(time.flops / 1e12).toFixed(1)} TFLOPs of training and evaluation; at the ${(time.flopsPerSecond / 1e9).toFixed(1)} GFLOP/s `
        + `measured here on the target ≈ ${describeDuration(time.seconds)}${settings.stopPastBar ? ' at most (grown runs stop once past the bar)' : ''}`);
    }
    const result = await runExperiment({ ...settings, backend, showProgress: true, signal: interruptSignal(), log: (line) => console.log(line) });
    if (result.interrupted) {
      console.log(`stopped; finished runs are kept. Rerun the same command to resume (${v.out}).`);
      return 130;
    }
    if (result.summaries) console.log(`\n${markdownTable(result as Summary, { source, target })}\n`);
    if (result.validation) console.log(`The bar on validation loss:\n\n${markdownTable(result.validation, { source, target })}\n`);
    console.log(`wrote ${v.out}/results.md, results.json, ${(result.plots ?? []).join(', ')} and per-run checkpoints and logs`);
    if (given.default) console.log('one seed on a short budget: a demonstration, not the result. Multi-seed results, and the commands that make them: README.md, "Results"');
    return 0;
  },
};
