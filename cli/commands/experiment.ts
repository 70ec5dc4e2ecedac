/** `mango experiment`: the savings experiment (methods × seeds), resumable; `--default` is the main job. */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MangoError } from '../../engine/index.ts';
import { describe } from '../../models/config.ts';
import { checkGrowth, growthMethods, type GrowthMethod } from '../../growth/grow.ts';
import { runExperiment } from '../../experiments/scheduler.ts';
import { checkExperimentFolder, type MethodSpec } from '../../experiments/spec.ts';
import { markdownTable } from '../../experiments/summary.ts';
import { loadViTWeights } from '../../models/checkpoint/weights.ts';
import { backendName, checkCanCreate, checkDataFitsModel, chooseBackend, describeBackend, integer, interruptSignal, loadConfig, loadData, number, positive } from '../options.ts';

/**
 * The main job (`npm start`), sized for about 15 minutes on 2 CPU cores through lavapipe: the shipped
 * pretrained source, width ×2 with the head dimension kept (as DeiT-S → DeiT-B), scratch vs Mango vs
 * Net2Net on one seed and a short budget, the full test set, a validation split held out.
 */
const shippedSource = fileURLToPath(new URL('../../pretrained/fmnist-d16-l4.safetensors', import.meta.url));
const mainJob = {
  'source-weights': shippedSource, target: 'fmnist-d32-l4', validation: '5000', batch: '128', lr: '0.002',
  'target-epochs': '4', 'op-steps': '100', methods: 'scratch,mango,net2net', seeds: '1', evals: '8', out: 'runs/main',
};

const help = `usage: mango experiment [options]

  --default                  the main job: the shipped source pretrained/fmnist-d16-l4.safetensors → ${mainJob.target},
                             scratch vs Mango R=1 vs Net2Net, ${mainJob['target-epochs']} epochs each on Fashion-MNIST (validation split
                             ${mainJob.validation}), output in ${mainJob.out} (what \`npm start\` runs)
  --source <config>          source model config                                     [fmnist-d64-l4]
  --source-weights <file>    reuse this pretrained source (any timm-layout safetensors file) instead of
                             training one; its architecture is the file's (--source, if given, must agree)
  --heads <n>                the source's heads, for a --source-weights file that does not record them
  --target <config>          target model config                                     [fmnist-d128-l8]
  --methods <list>           comma list of: ${growthMethods.join(', ')}; mango:R sets the rank   [scratch,mango]
  --seeds <n>                seeds per method                                        [3]
  --data, --data-dir         dataset (fashion-mnist | cifar10) and folder            [fashion-mnist]
  --subset <n>, --test-subset <n>   use only the first n train / test images
  --validation <n>           hold n training images out (a fixed draw; never trained on, by the source
                             either when it is trained here) and evaluate every run on them too: choose
                             settings on these, report on the test set
  --stop-past-bar            grown runs stop once past the highest scratch final accuracy (enough for every
                             saving); seed 0 of each method still trains the whole budget
  --batch <n>                batch size                                              [128]
  --source-epochs <x>        source training (skipped when already done)             [3]
  --target-epochs <x>        the training budget of every target run                 [3]
  --lr <x>                   target learning rate                                    [0.001]
  --warmup <n>               target warmup steps (same for all methods)              [5% of steps]
  --op-steps <n>             operator training steps (mango, ligo)                   [100]
  --op-lr <x>                operator learning rate                                  [0.001]
  --noise <x>                Mango's off-slot init noise, relative to each slice's RMS [0.01]
  --evals <n>                evaluations per target run                              [8]
  --out <folder>             experiment folder (rerun to resume)                     [runs/experiment]
  --backend <name>           webgpu | cpu
  -h, --help`;

function parseMethods(list: string): MethodSpec[] {
  return list.split(',').map((item) => {
    const [name, rank] = item.trim().split(':');
    if (!growthMethods.includes(name as GrowthMethod)) throw new MangoError(`unknown method "${name}" in --methods`, `use any of: ${growthMethods.join(', ')}`);
    return { method: name as GrowthMethod, ...(rank ? { rank: integer(rank, 'methods rank', 1) } : name === 'mango' ? { rank: 1 } : {}) };
  });
}

export const experimentCommand = {
  summary: 'run the growth savings experiment',
  async run(args: string[]): Promise<number> {
    const { values: given } = parseArgs({
      args,
      options: {
        default: { type: 'boolean', default: false }, source: { type: 'string' }, target: { type: 'string' }, methods: { type: 'string' },
        seeds: { type: 'string' }, data: { type: 'string', default: 'fashion-mnist' }, 'data-dir': { type: 'string' }, subset: { type: 'string' },
        'test-subset': { type: 'string' }, batch: { type: 'string' }, 'source-epochs': { type: 'string' }, 'target-epochs': { type: 'string' },
        lr: { type: 'string' }, warmup: { type: 'string' }, 'op-steps': { type: 'string' }, 'op-lr': { type: 'string' }, noise: { type: 'string' }, evals: { type: 'string' },
        out: { type: 'string' }, backend: { type: 'string' }, 'source-weights': { type: 'string' }, heads: { type: 'string' },
        validation: { type: 'string' }, 'stop-past-bar': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (given.help) {
      console.log(help);
      return 0;
    }
    const defaults = given.default ? mainJob : {
      source: 'fmnist-d64-l4', target: 'fmnist-d128-l8', methods: 'scratch,mango', seeds: '3', batch: '128',
      'source-epochs': '3', 'target-epochs': '3', 'op-steps': '100', out: 'runs/experiment',
    } as Record<string, string>;
    const v = { ...defaults, ...Object.fromEntries(Object.entries(given).filter(([, x]) => x !== undefined && x !== false)) } as Record<string, string | undefined>;
    // Every argument is checked before any data loads or the GPU starts.
    const weights = v['source-weights']
      ? loadViTWeights(v['source-weights'], { config: given.source ? loadConfig(given.source) : undefined, configLabel: `--source ${given.source}`, heads: integer(v.heads, 'heads', 1), configFlag: '--source' })
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
    const warmup = integer(v.warmup, 'warmup');
    const operatorSteps = integer(v['op-steps'], 'op-steps', 0)!;
    const operatorLr = positive(v['op-lr'], 'op-lr') ?? 1e-3;
    const mangoNoise = number(v.noise, 'noise', { min: 0 });
    const backendChoice = backendName(v.backend);

    const data = loadData(v.data!, v['data-dir'], ...subsets, integer(v.validation, 'validation', 1));
    checkDataFitsModel(data.train, source);
    checkDataFitsModel(data.train, target);
    const perEpoch = Math.floor(data.train.count / batchSize);
    const steps = (epochs: number) => Math.max(1, Math.round(perEpoch * epochs));
    const targetSteps = steps(epochFractions.target);
    const settings = {
      source, target, train: data.train, test: data.test, batchSize, sourceSteps: weights ? 0 : steps(epochFractions.source), targetSteps, lr,
      warmupSteps: warmup ?? Math.round(targetSteps * 0.05), operatorSteps, operatorLr, mangoNoise,
      evalEvery: Math.max(1, Math.floor(targetSteps / evals)), methods, seeds, outDir: v.out!, labelSmoothing: 0.1,
      ...(data.validation ? { validation: data.validation } : {}),
      ...(weights ? { sourceWeights: { path: weights.path, tensors: weights.tensors } } : {}),
      ...(v['stop-past-bar'] ? { stopPastBar: { fullBudgetSeeds: [seeds[0]] } } : {}),
    };
    checkExperimentFolder(settings);
    checkCanCreate(v.out!, 'the experiment folder');
    const backend = await chooseBackend(backendChoice);
    console.log(`experiment: ${describe(source)} → ${describe(target)} on ${data.train.name} (${data.train.count} train / ${data.test.count} test${data.validation ? ` / ${data.validation.count} validation` : ''}), ${describeBackend(backend)}`);
    console.log(`methods ${methods.map((m) => m.method + (m.rank ? `:${m.rank}` : '')).join(', ')} × seeds ${seeds.join(', ')}; ${targetSteps} target steps of ${batchSize}; folder ${v.out}`);
    const result = await runExperiment({ ...settings, backend, showProgress: true, signal: interruptSignal(), log: (line) => console.log(line) });
    if (result.interrupted) {
      console.log(`stopped; finished runs are kept. Rerun the same command to resume (${v.out}).`);
      return 130;
    }
    if (result.summaries) console.log(`\n${markdownTable(result as Required<typeof result>, { source, target })}\n`);
    console.log(`wrote ${v.out}/results.md, results.json, accuracy-vs-flops.svg and per-run checkpoints and logs`);
    if (given.default) console.log('one seed on a short budget: a demonstration, not the result. Multi-seed results, and the commands that make them: README.md, "Results"');
    return 0;
  },
};
