/**
 * `npm run bench:train [-- --quick]`: images/s of one training step (forward, backward, clipping, AdamW) for
 * the two reference configs (d64·L4·h2 and d128·L8·h4, patch 7 on 28²×1: 17 tokens, small GEMMs) and a
 * GEMM-bound one (d192·L12·h3, patch 4 on 32²×3: 65 tokens), batch 128, on our WebGPU backend, next to
 * tfjs-backend-webgpu training the same model on the same Dawn device in this process (bench/lib/tfjs-vit.ts),
 * and PyTorch on the CPU (Debian's python3-torch, run as a child process; skipped with a message if absent;
 * no ratio against it where it runs on the reference BLAS: bench/lib/blas.ts). A language-model row: the same step
 * for the GPT-2-style decoder lm-d64-l4 (byte vocabulary, context 128), batch 32 sequences, in tokens/s, ours
 * next to PyTorch (bench/pytorch_lm_train.py; no tfjs). --quick: batch 16 (LM: 4), one round, few steps (proves
 * the bench runs; not a measurement); --only=REGEX keeps the rows whose config name matches; --no-tfjs skips tfjs. Writes bench/results/train.{json,md} (or under $MANGO_BENCH_RESULTS).
 */
import * as E from '../engine/index.ts';
import { openWebGpuBackend } from '../engine/backend/webgpu/backend.ts';
import { closeSharedRuntime } from '../engine/backend/webgpu/runtime.ts';
import { MatmulTuning } from '../engine/backend/webgpu/matmul-tuning.ts';
import { resolveConfig, type ViTConfig } from '../models/config.ts';
import type { Batch } from '../models/data/batches.ts';
import { GPT } from '../models/lm/gpt.ts';
import { describeGPT, resolveGPTConfig } from '../models/lm/gpt-config.ts';
import { ViT } from '../models/vit.ts';
import type { TorchFacts } from './lib/blas.ts';
import { measure } from './lib/measure.ts';
import { judgePytorch, runPytorch, type PytorchVerdict } from './lib/pytorch.ts';
import { randomBatch, randomTokens } from './lib/random-batch.ts';
import { report, type Row } from './lib/report.ts';
import { trainStep } from './lib/train-step.ts';
import { tfjsOnDevice } from './lib/tfjs-on-dawn.ts';
import { tfjsVitTrainer } from './lib/tfjs-vit.ts';

const quick = process.argv.includes('--quick');
const batchSize = quick ? 16 : 128;
const lmBatchSize = quick ? 4 : 32;
const rounds = quick ? 1 : 3;
const torchSteps = quick ? 3 : 10;
const ourSampling = quick ? { minSamples: 2, maxTime: 0.5 } : { minSamples: 5, maxTime: 4 };
const tfjsSampling = quick ? { minSamples: 2, maxTime: 0.5 } : { minSamples: 3, maxTime: 5 };
/** --only=REGEX: just the rows whose config name matches (e.g. --only=^lm- for the language model alone). */
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const selected = (name: string) => only === undefined || new RegExp(only).test(name);
/** --no-tfjs: skip the tfjs columns (its GEMM-bound step alone takes many minutes on a CPU adapter). */
const withTfjs = !process.argv.includes('--no-tfjs');
const configs = [
  { name: 'fmnist-d64-l4', config: resolveConfig('fmnist-d64-l4') },
  { name: 'fmnist-d128-l8', config: resolveConfig('fmnist-d128-l8') },
  // DeiT-Tiny's width and depth on CIFAR-sized images: GEMMs large enough that the BLAS sets PyTorch's pace.
  { name: 'd192·L12·h3, 32²×3, patch 4 (GEMM-bound)', config: resolveConfig({ imageSize: 32, channels: 3, patchSize: 4, dim: 192, depth: 12, heads: 3, classes: 10 }) },
].filter((c) => selected(c.name));
const lm = { name: 'lm-d64-l4', config: resolveGPTConfig('lm-d64-l4') };
const gpu = await openWebGpuBackend();
const device = `${gpu.runtime.dawn.adapter.description} (${gpu.runtime.dawn.adapter.vendor}/${gpu.runtime.dawn.adapter.architecture})`;
// Both matmul choices side by side: the shape heuristic alone, and autotuned (the default where tuning is on).
const defaultTable = gpu.matmulTuning;
const untuned = new MatmulTuning('heuristic only', defaultTable.software, { enabled: false });
const autotuned = defaultTable.enabled ? defaultTable : new MatmulTuning(defaultTable.deviceKey, defaultTable.software, { enabled: true });

type TorchTrain = TorchFacts & { imagesPerSecond: number };
type TorchLM = TorchFacts & { tokensPerSecond: number };
function pytorch(config: ViTConfig): TorchTrain | string {
  const { dim, depth, heads, imageSize, channels, patchSize, classes, mlpRatio } = config;
  return runPytorch<TorchTrain>('pytorch_vit_train.py', [...[dim, depth, heads, batchSize, torchSteps].map(String),
    '--image', String(imageSize), '--channels', String(channels), '--patch', String(patchSize), '--classes', String(classes), '--mlp-ratio', String(mlpRatio)]);
}
function pytorchLM(): TorchLM | string {
  const { dim, depth, heads, vocabSize, context, mlpRatio, tiedHead } = lm.config;
  return runPytorch<TorchLM>('pytorch_lm_train.py', [...[dim, depth, heads, lmBatchSize, torchSteps].map(String),
    '--vocab', String(vocabSize), '--context', String(context), '--mlp-ratio', String(mlpRatio), ...(tiedHead ? [] : ['--untied'])]);
}

const notes: string[] = [];
/**
 * Ours (autotuned and heuristic matmul choices) and PyTorch on one step: this machine's speed drifts over
 * minutes, so the two (the close comparison) alternate for a few rounds and each keeps its best round (each a
 * median over steps). Returns seconds per step by matmul choice, and PyTorch's best run (by `rate`) judged.
 */
async function oursAndPytorch<T extends TorchFacts>(name: string, training: ReturnType<typeof trainStep>, torchRun: () => T | string,
  rate: (facts: T) => number): Promise<{ seconds: Map<string, number>; torch: PytorchVerdict<T> }> {
  // Ours with matmul configurations autotuned after the first step (as the trainer does where tuning is
  // on), and with the shape heuristic alone.
  gpu.matmulTuning = autotuned;
  await training.step();
  const tuning = await E.tuneKernels(gpu);
  gpu.matmulTuning = defaultTable;
  if (tuning) notes.push(`autotuning ${name}: ${tuning.tuned} matmul shapes in ${tuning.seconds.toFixed(1)} s (once per device; cached).`);
  const withTable = (table: MatmulTuning) => async (reps: number) => {
    gpu.matmulTuning = table;
    for (let r = 0; r < reps; r++) await training.step();
    gpu.matmulTuning = defaultTable;
  };
  const seconds = new Map<string, number>();
  let torch: T | string = 'PyTorch skipped';
  for (let round = 0; round < rounds; round++) {
    const ourRound = await measure(`train step ${name}, round ${round + 1}`,
      [{ name: 'autotuned', run: withTable(autotuned) }, { name: 'heuristic', run: withTable(untuned) }], 1, ourSampling);
    for (const [key, s] of ourRound) seconds.set(key, Math.min(seconds.get(key) ?? Infinity, s));
    const torchRound = torchRun();
    if (typeof torch === 'string' || (typeof torchRound !== 'string' && rate(torchRound) > rate(torch))) torch = torchRound;
  }
  return { seconds, torch: judgePytorch(torch) };
}

/** The PyTorch columns of a row: its rate, its BLAS's GEMM rate, and a ratio only where PyTorch is a fair baseline. */
function pytorchColumns<T extends TorchFacts>(ours: number, torch: PytorchVerdict<T>, theirs: (facts: T) => number, unit: string): Row {
  const pt = torch.facts;
  // No ratio against a PyTorch on the reference BLAS (or otherwise far below what users get): "—", and the notes say why.
  return {
    [`PyTorch CPU ${unit}`]: pt ? theirs(pt) : 'n/a',
    'PyTorch GEMM 1024³ GFLOP/s': pt ? pt.blas.gemmGflops : 'n/a',
    'ours/PyTorch': !pt ? 'n/a' : torch.comparable ? ours / theirs(pt) : '—',
    'goal ≥2× PyTorch': !pt ? 'n/a' : torch.comparable ? (ours / theirs(pt) >= 2 ? 'met' : 'not met') : '—',
  };
}
const rounding = `${quick ? `one round (--quick: batch ${batchSize}, LM batch ${lmBatchSize}, few steps; proves the bench runs, not a measurement)` : `best of ${rounds} alternating rounds`}, each a median over steps`;

const results = new Map<string, { batch: Batch; seconds: Map<string, number>; torch: PytorchVerdict<TorchTrain> }>();
// Ours first for every config (the LM too): running tfjs in this process first slows our later steps
// (measured 366 → 496 ms median), so tfjs goes last.
for (const { name, config } of configs) {
  const batch = randomBatch(config, batchSize, 1);
  const model = new ViT(config, { seed: 0, backend: gpu });
  const training = trainStep(model, batch);
  results.set(name, { batch, ...await oursAndPytorch(name, training, () => pytorch(config), (t) => t.imagesPerSecond) });
  training.dispose();
  model.dispose();
}

// The language model: one step over lmBatchSize sequences of the full context; tokens/s = sequences/s × context.
const lmRows: Row[] = [];
const lmNotes: string[] = [];
if (selected(lm.name)) {
  const model = new GPT(lm.config, { seed: 0, backend: gpu });
  const training = trainStep(model, randomTokens(lm.config, lmBatchSize, 1));
  const { seconds, torch } = await oursAndPytorch(lm.name, training, pytorchLM, (t) => t.tokensPerSecond);
  training.dispose();
  model.dispose();
  const tokens = (choice: string) => lmBatchSize * lm.config.context / seconds.get(choice)!;
  const ours = tokens(defaultTable.enabled ? 'autotuned' : 'heuristic');
  lmRows.push({
    config: `${lm.name}: ${describeGPT(lm.config)} (batch ${lmBatchSize} × ${lm.config.context} tokens)`, 'ours tokens/s': ours,
    'ours, heuristic tokens/s': tokens('heuristic'), 'ours, autotuned tokens/s': tokens('autotuned'), ...pytorchColumns(ours, torch, (t) => t.tokensPerSecond, 'tokens/s'),
  });
  lmNotes.push(...torch.notes);
  if (torch.facts) lmNotes.push(`Language model: PyTorch runs the same step on scripts/interop/hf_gpt2.py's GPT2LMHeadModel (Hugging Face names, same shapes, ${lm.config.tiedHead ? 'tied' : 'untied'} head): mean next-token cross-entropy, global-norm clipping 1, AdamW; ${rounding}; no tfjs row.`);
}

const tf = withTfjs ? await tfjsOnDevice(gpu.runtime) : undefined;
/** images/s of the tfjs trainer on this config and batch */
async function tfjsImagesPerSecond(name: string, config: ViTConfig, batch: Batch): Promise<number> {
  const labelsInt = Int32Array.from(batch.labels);
  const tfjs = tfjsVitTrainer(tf!, config, batchSize);
  let tfjsLoss = NaN;
  const tfjsStep = async (reps: number) => {
    for (let r = 0; r < reps; r++) tfjsLoss = await tfjs.step(batch.images, labelsInt);
  };
  const tfjsSeconds = (await measure(`train step ${name}, tfjs`, [{ name: 'tfjs', run: tfjsStep }], 1, tfjsSampling)).get('tfjs')!;
  if (!Number.isFinite(tfjsLoss)) throw new Error(`the tfjs model's loss is ${tfjsLoss}: the comparison model is broken`);
  tfjs.dispose();
  return batchSize / tfjsSeconds;
}
const rows: Row[] = [];
for (const { name, config } of configs) {
  const { batch, seconds, torch } = results.get(name)!;
  const ours = batchSize / seconds.get(defaultTable.enabled ? 'autotuned' : 'heuristic')!;
  const theirs = tf ? await tfjsImagesPerSecond(name, config, batch) : undefined;
  const row: Row = {
    config: `${name} (batch ${batchSize})`, 'ours img/s': ours, 'ours, heuristic img/s': batchSize / seconds.get('heuristic')!,
    'ours, autotuned img/s': batchSize / seconds.get('autotuned')!, 'tfjs-webgpu img/s': theirs ?? '—', 'ours/tfjs': theirs ? ours / theirs : '—',
    'goal ≥2× tfjs': theirs === undefined ? 'not run (--no-tfjs)' : ours / theirs >= 2 ? 'met' : 'not met',
  };
  Object.assign(row, pytorchColumns(ours, torch, (t) => t.imagesPerSecond, 'img/s'));
  notes.push(...torch.notes);
  if (torch.facts) {
    notes.push('PyTorch runs the same step: same model (timm layout), label smoothing, global-norm clipping, AdamW.');
    notes.push(`Ours and PyTorch: ${rounding}${tf ? '; tfjs measured afterwards' : ''}.`);
  }
  rows.push(row);
}
notes.push(`"ours" runs with the default matmul choice on this adapter: ${defaultTable.enabled ? 'autotuned' : 'the shape heuristic (autotuning is opt-in on CPU adapters: MANGO_AUTOTUNE=1)'}.`);
if (tf) notes.push('tfjs: tfjs-core 4.22 + tfjs-backend-webgpu on the same Dawn device; the same ViT written with tfjs ops (bench/lib/tfjs-vit.ts), Adam (tfjs has no AdamW), no gradient clipping — slightly less work per step than ours.');
report('train', 'Training step throughput: ours (WebGPU) vs tfjs-webgpu (same device) vs PyTorch CPU', device, rows, [...new Set([...notes, ...lmNotes])],
  [{ title: 'Language model (GPT-2-style decoder): tokens/s = sequences/s × context', rows: lmRows }]);
closeSharedRuntime();
process.exit(0);
