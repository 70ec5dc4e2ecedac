/**
 * The validation search behind the headline experiment's grown-run settings (issue 16, point 4): each probe
 * grows the shipped source into the target with one setting, trains the first `--probe-epochs` of the
 * experiment's own schedule (the same cosine over the whole budget, so the start is the real one), and
 * evaluates on the validation split only — the test set is never loaded into a decision. Finished probes are
 * kept in `--out` (one JSON each), so a rerun continues.
 *
 *   npx tsx scripts/validation-search.ts --out docs/results/width-2x-search
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describe } from '../models/config.ts';
import { loadViTWeights } from '../models/checkpoint/weights.ts';
import { evaluationPoint, trainModel, type EvalPoint } from '../models/train/trainer.ts';
import { ViT } from '../models/vit.ts';
import { grow, type GrowthMethod } from '../growth/grow.ts';
import { chooseBackend, loadData, loadViTConfig } from '../cli/options.ts';

interface Probe {
  name: string;
  method: GrowthMethod;
  rank?: number;
  operatorSteps: number;
  operatorLr: number;
  warmupSteps?: number;
  /** the grown run's peak lr (default --lr, the scratch recipe's) */
  lr?: number;
  /** epochs of the budget's schedule to train (default --probe-epochs) */
  epochs?: number;
}

const { values: v } = parseArgs({
  options: {
    source: { type: 'string', default: 'pretrained/fmnist-d16-l4.safetensors' }, target: { type: 'string', default: 'fmnist-d32-l4' },
    validation: { type: 'string', default: '5000' }, lr: { type: 'string', default: '0.002' }, 'budget-epochs': { type: 'string', default: '12' },
    'probe-epochs': { type: 'string', default: '2' }, probes: { type: 'string' }, out: { type: 'string', default: 'docs/results/width-2x-search' },
  },
});

const batchSize = 128;
const data = loadData({ name: 'fashion-mnist', model: loadViTConfig(v.target!, '--target'), validation: Number(v.validation) });
const validation = data.validation!;
const perEpoch = Math.floor(data.train.count / batchSize);
const total = Math.round(perEpoch * Number(v['budget-epochs']));
const probeSteps = (p: Probe) => Math.round(perEpoch * (p.epochs ?? Number(v['probe-epochs'])));
const warmup = Math.round(total * 0.05);
const evalEvery = Math.round(perEpoch / 2);

const allProbes: Probe[] = [
  { name: 'net2net', method: 'net2net', operatorSteps: 0, operatorLr: 0 },
  { name: 'mango-r1-op0', method: 'mango', rank: 1, operatorSteps: 0, operatorLr: 0 },
  { name: 'mango-r1-op100-lr1e-3', method: 'mango', rank: 1, operatorSteps: 100, operatorLr: 1e-3 },
  { name: 'mango-r1-op100-lr1e-4', method: 'mango', rank: 1, operatorSteps: 100, operatorLr: 1e-4 },
  { name: 'mango-r1-op300-lr1e-3', method: 'mango', rank: 1, operatorSteps: 300, operatorLr: 1e-3 },
  { name: 'mango-r1-op100-lr1e-3-warmup0', method: 'mango', rank: 1, operatorSteps: 100, operatorLr: 1e-3, warmupSteps: 0 },
  // The whole budget: does a gentler peak lr keep the grown model's head start to the end?
  { name: 'mango-r1-op100-lr1e-3-12ep', method: 'mango', rank: 1, operatorSteps: 100, operatorLr: 1e-3, epochs: 12 },
  { name: 'mango-r1-op100-lr1e-3-12ep-grownlr1e-3', method: 'mango', rank: 1, operatorSteps: 100, operatorLr: 1e-3, epochs: 12, lr: 1e-3 },
];
const wanted = v.probes?.split(',');
const probes = wanted ? allProbes.filter((p) => wanted.includes(p.name)) : allProbes;

const backend = await chooseBackend(undefined);
const weights = loadViTWeights(v.source!, {});
const target = loadViTConfig(v.target!, '--target');
mkdirSync(v.out!, { recursive: true });
console.log(`validation search: ${describe(weights.config)} → ${describe(target)}, a ${total}-step schedule, ${validation.count} validation images`);

const source = new ViT(weights.config, { seed: 1000, backend });
source.loadState(weights.tensors);
const sourcePoint = await evaluationPoint(source, 0, 0, validation);
console.log(`source: ${(100 * sourcePoint.accuracy).toFixed(2)}% validation, loss ${sourcePoint.loss?.toFixed(4)}`);

for (const probe of probes) {
  const file = join(v.out!, `${probe.name}.json`);
  if (existsSync(file)) {
    console.log(`${probe.name}: done earlier`);
    continue;
  }
  const started = performance.now();
  const grown = await grow(source, target, probe.method, { rank: probe.rank, seed: 0, backend });
  const atGrowth = await evaluationPoint(grown.target, 0, 0, validation);
  let operatorFlops = 0, operatorLosses: number[] = [];
  if (grown.operator && probe.operatorSteps > 0) {
    const op = await grown.operator.trainOperator({
      steps: probe.operatorSteps, data: data.train, batchSize, lr: probe.operatorLr, warmupSteps: Math.min(10, probe.operatorSteps),
      labelSmoothing: 0.1, clipNorm: 1, seed: 7, showProgress: true,
    });
    grown.operator.materialize();
    operatorFlops = op.flops;
    operatorLosses = op.losses;
  }
  grown.operator?.dispose();
  const afterOperator = await evaluationPoint(grown.target, 0, operatorFlops, validation);
  const trainLosses: number[] = [];
  const result = await trainModel({
    model: grown.target, train: data.train, test: validation, batchSize, steps: probeSteps(probe), lr: probe.lr ?? Number(v.lr),
    warmupSteps: probe.warmupSteps ?? warmup, schedule: { offset: 0, total }, labelSmoothing: 0.1, clipNorm: 1, seed: 0,
    evalEvery, startFlops: operatorFlops, showProgress: true, label: probe.name, onStep: (_, loss) => trainLosses.push(loss),
  });
  grown.target.dispose();
  const record = {
    ...probe, atGrowth, afterOperator, operatorFlops, operatorLosses, evals: result.evals as EvalPoint[],
    trainLossByQuarterEpoch: meansOf(trainLosses, Math.round(perEpoch / 4)), seconds: (performance.now() - started) / 1000,
  };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  const last = result.evals.at(-1)!;
  console.log(`${probe.name}: validation ${(100 * atGrowth.accuracy).toFixed(2)}% at growth → ${(100 * afterOperator.accuracy).toFixed(2)}% after the operator → ${(100 * last.accuracy).toFixed(2)}% (loss ${last.loss?.toFixed(4)}) after ${probeSteps(probe)} steps`);
}

function meansOf(values: number[], size: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i += size) {
    const chunk = values.slice(i, i + size);
    out.push(Number((chunk.reduce((a, b) => a + b, 0) / chunk.length).toFixed(4)));
  }
  return out;
}

const done = allProbes.map((p) => join(v.out!, `${p.name}.json`)).filter(existsSync).map((f) => JSON.parse(readFileSync(f, 'utf8')));
const pct = (x: number) => (100 * x).toFixed(2);
const rows = done.map((r) => {
  const accs = r.evals.map((e: EvalPoint) => e.accuracy);
  const mean = accs.reduce((a: number, b: number) => a + b, 0) / accs.length;
  return `| ${r.name} | ${r.lr ?? v.lr} | ${(r.evals.at(-1).step / perEpoch).toFixed(0)} | ${(r.operatorFlops / 1e12).toFixed(3)} | ${pct(r.atGrowth.accuracy)} / ${r.atGrowth.loss.toFixed(4)} | ${pct(r.afterOperator.accuracy)} / ${r.afterOperator.loss.toFixed(4)} | ${accs.map(pct).join(' · ')} | ${pct(mean)} | ${r.evals.at(-1).loss.toFixed(4)} |`;
});
writeFileSync(join(v.out!, 'search.md'), [
  `Validation search: ${describe(weights.config)} → ${describe(target)}; seed 0; every grown run trains the first epochs of the ${total}-step`,
  `schedule (warm-up ${warmup} unless the probe says otherwise); ${validation.count} validation images; the test set is not used.`,
  '',
  '| probe | peak lr | epochs | operator TFLOPs | val acc % / loss at growth | after the operator | val acc % every half epoch | mean | final val loss |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows, '',
].join('\n'));
console.log(`wrote ${join(v.out!, 'search.md')}`);
process.exit(0);
