/**
 * Does a width-grown decoder stay a narrow model in disguise? Width growth by duplication puts every weight
 * matrix's grown side in a d_source-dimensional subspace (copies of source units); if training keeps it
 * there, the 2×-wide model never uses its extra width. For each method this grows the shipped LM source
 * d16 → d32, trains the first steps of the LM experiment's schedule (its batch, lr, warm-up, seed 0), and
 * reports, for every weight matrix with a model-width side, the share of that side's energy (squared
 * singular values) outside its best d_source-dimensional subspace: 0 means "still the narrow model".
 * With --checkpoints it measures given training checkpoints (e.g. an experiment run's) instead (--out records them).
 *   node --import tsx scripts/symmetry-probe.ts [--steps 0,50,150] [--methods scratch,...] [--op-steps 100] [--out f.json]
 *   node --import tsx scripts/symmetry-probe.ts --checkpoints run-s0/checkpoints/step-00000220.safetensors,...
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { chooseBackend } from '../cli/options.ts';
import { loadTextData } from '../cli/text-data.ts';
import { createModel, type Model } from '../models/architecture.ts';
import { loadCheckpoint } from '../models/checkpoint/checkpoint.ts';
import { loadModelWeights } from '../models/checkpoint/model-weights.ts';
import { gptPresets, type GPTConfig } from '../models/lm/gpt-config.ts';
import { trainModel } from '../models/train/trainer.ts';
import { batchesFor } from '../models/train/batches-for.ts';
import { grow } from '../growth/grow.ts';
import { parseMethods } from '../cli/commands/experiment.ts';
import { labelOf } from '../experiments/spec.ts';
import { widthUsage, type WidthUsage } from './width-usage.ts';

const { values } = parseArgs({ options: {
  steps: { type: 'string', default: '0,50,150' },
  methods: { type: 'string', default: 'scratch,bert2bert-fpi,mango,mango:2,mango:4,net2net,bert2bert-aki,ligo' },
  'op-steps': { type: 'string', default: '100' },
  checkpoints: { type: 'string' },
  out: { type: 'string' },
} });
const checkpoints = values.steps.split(',').map(Number);
const operatorSteps = Number(values['op-steps']);
// The LM experiment's recipe (docs/results/lm-width-2x/spec.json).
const recipe = { batchSize: 64, lr: 0.003, totalSteps: 1756, warmupSteps: Math.round(1756 * 0.05), seed: 0 };

const source = loadModelWeights('pretrained/lm-d16-l4.safetensors');
const sourceConfig = source.config as GPTConfig, target = gptPresets['lm-d32-l4'];
const backend = await chooseBackend(undefined);
const data = await loadTextData({ name: 'austen', model: target, testSubset: 64 });

const line = (label: string, step: number, m: WidthUsage) =>
  console.log(`${label.padEnd(16)} step ${String(step).padStart(4)}: outside the best ${sourceConfig.dim}-dim subspace — embedding ${m.embedding.toExponential(2)}, median of ${m.matrices} matrices ${m.median.toExponential(2)}, max ${m.max.toExponential(2)}`);

if (values.checkpoints) {
  const measured: (WidthUsage & { checkpoint: string; step: number })[] = [];
  for (const path of values.checkpoints.split(',')) {
    const checkpoint = loadCheckpoint(path);
    const model = createModel(checkpoint.state.config, { backend });
    model.loadState(checkpoint.model);
    const m = await widthUsage(model, target.dim, sourceConfig.dim);
    measured.push({ checkpoint: basename(path), step: checkpoint.state.step, ...m });
    line(path, checkpoint.state.step, m);
    model.dispose();
  }
  if (values.out) writeFileSync(values.out, JSON.stringify({ source: 'pretrained/lm-d16-l4.safetensors', target: 'lm-d32-l4', checkpoints: measured }, null, 1) + '\n');
  process.exit(0);
}

const results: Record<string, (WidthUsage & { step: number })[]> = {};
for (const spec of parseMethods(values.methods)) {
  const { method, rank, widthInit } = spec;
  const label = labelOf(spec);
  let model: Model;
  if (method === 'scratch') {
    model = createModel(target, { seed: recipe.seed, backend });
  } else {
    const sourceModel = createModel(sourceConfig, { seed: 1000, backend });
    sourceModel.loadState(source.tensors);
    const grown = await grow(sourceModel, target, method, { rank, ...(widthInit ? { widthInit } : {}), seed: recipe.seed, backend });
    if (grown.operator) {
      if (operatorSteps > 0) {
        await grown.operator.trainOperator({ steps: operatorSteps, data: batchesFor(target, data.train, recipe.batchSize, recipe.seed + 7), batchSize: recipe.batchSize, lr: 0.001, warmupSteps: Math.min(10, operatorSteps), clipNorm: 1, seed: recipe.seed + 7 });
      }
      grown.operator.materialize();
      grown.operator.dispose();
    }
    sourceModel.dispose();
    model = grown.target;
  }
  const dir = mkdtempSync(join(tmpdir(), 'symmetry-probe-'));
  results[label] = [];
  for (const step of checkpoints) {
    if (step > 0) {
      const run = await trainModel({
        model, train: data.train, test: data.test, batchSize: recipe.batchSize, steps: step, lr: recipe.lr, warmupSteps: recipe.warmupSteps,
        schedule: { offset: 0, total: recipe.totalSteps }, clipNorm: 1, seed: recipe.seed, evalEvery: 0, checkpointEvery: step, outDir: dir, resume: true, showProgress: false,
      });
      if (run.interrupted) throw new Error('interrupted');
    }
    const m = await widthUsage(model, target.dim, sourceConfig.dim);
    results[label].push({ step, ...m });
    line(label, step, m);
  }
  model.dispose();
  rmSync(dir, { recursive: true, force: true });
}
if (values.out) writeFileSync(values.out, JSON.stringify({ recipe, operatorSteps, source: 'pretrained/lm-d16-l4.safetensors', target: 'lm-d32-l4', results }, null, 1) + '\n');
