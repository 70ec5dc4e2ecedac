/**
 * `npm run bench:kernels [-- --quick] [--only=REGEX] [--embedding=V,D,N]`: our kernels vs tfjs-backend-webgpu
 * 4.22 on the same Dawn device, in one process: matmul (square and ViT-shaped), attention (scores → softmax
 * → values), softmax, layer norm, mode-n product, the embedding gradient (scatter-add; GPT-2 sizes unless
 * --embedding gives others); --only keeps the cases whose name matches. Reports GFLOP/s (compute-bound) or
 * GB/s (memory-bound: bytes read + written once) and the ratio ours / tfjs; for the matmul rows also the
 * machine's limit, the same GEMMs in PyTorch on the CPU (one bench/pytorch_gemm.py child), and ours as % of
 * it. Writes bench/results/kernels.{json,md}.
 */
import * as E from '../engine/index.ts';
import { openWebGpuBackend } from '../engine/backend/webgpu/backend.ts';
import { closeSharedRuntime } from '../engine/backend/webgpu/runtime.ts';
import type { TorchFacts } from './lib/blas.ts';
import { measure } from './lib/measure.ts';
import { judgePytorch, runPytorch } from './lib/pytorch.ts';
import { report, type Row } from './lib/report.ts';
import { tfjsLayerNorm, tfjsOnDevice, type TfTensor } from './lib/tfjs-on-dawn.ts';

const quick = process.argv.includes('--quick');
const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const only = option('only');
const [vocab, width, tokens] = (option('embedding') ?? '50257,768,4096').split(',').map(Number);
const gpu = await openWebGpuBackend();
const runtime = gpu.runtime;
const tf = await tfjsOnDevice(runtime);
const device = `${runtime.dawn.adapter.description} (${runtime.dawn.adapter.vendor}/${runtime.dawn.adapter.architecture})`;

const ours = (build: () => E.Tensor) => async (reps: number) => {
  for (let r = 0; r < reps; r++) E.withBackend(gpu, () => E.tidy(() => { build(); }));
  await runtime.sync();
};
const theirs = (build: () => TfTensor) => async (reps: number) => {
  let last: TfTensor | undefined;
  for (let r = 0; r < reps; r++) {
    last?.dispose();
    last = tf.tidy(build);
  }
  const probe = tf.slice(last!, last!.shape.map(() => 0), last!.shape.map(() => 1));
  await probe.data();
  probe.dispose();
  last!.dispose();
};

interface Case {
  name: string;
  /** useful FLOPs, or bytes for memory-bound kernels */
  work: number;
  unit: 'GFLOP/s' | 'GB/s';
  reps: number;
  /** [m, k, n] for the plain GEMMs, which get the CPU-limit column */
  gemm?: [number, number, number];
  ours: () => E.Tensor;
  tfjs: () => TfTensor;
}

const randn = (shape: number[]) => ({ ours: E.randn(shape, { backend: gpu }).keep(), tfjs: tf.randomNormal(shape) });

function matmulCase(name: string, m: number, k: number, n: number): Case {
  const a = randn([m, k]), b = randn([k, n]);
  const flops = 2 * m * n * k;
  return { name, work: flops, unit: 'GFLOP/s', reps: Math.max(1, Math.round(1e9 / flops)), gemm: [m, k, n], ours: () => a.ours.matmul(b.ours), tfjs: () => tf.matMul(a.tfjs, b.tfjs) };
}

/** −10⁹ above the diagonal, 0 on and below it: [tokens, tokens] on both libraries. */
function causalMask(tokens: number) {
  const values = Float32Array.from({ length: tokens * tokens }, (_, n) => (n % tokens > Math.floor(n / tokens) ? -1e9 : 0));
  return { ours: E.fromArray(values, [tokens, tokens], gpu).keep(), tfjs: tf.tensor(values, [tokens, tokens]) };
}

function attentionCase(batchHeads: number, tokens: number, headDim: number, fused: boolean, causal = false): Case {
  const q = randn([batchHeads, tokens, headDim]), k = randn([batchHeads, tokens, headDim]), v = randn([batchHeads, tokens, headDim]);
  const scale = 1 / Math.sqrt(headDim);
  const mask = causal ? causalMask(tokens) : undefined;
  // Causal: only the scores on and below the diagonal count as useful work.
  const flops = 4 * batchHeads * headDim * (causal ? tokens * (tokens + 1) / 2 : tokens * tokens);
  return {
    name: `attention ${fused ? 'fused' : 'GEMM→softmax→GEMM'}${causal ? ' causal' : ''} B·H=${batchHeads} T=${tokens} d=${headDim}`, work: flops, unit: 'GFLOP/s', reps: Math.max(1, Math.round(1e8 / flops)),
    ours: fused ? () => E.attention(q.ours, k.ours, v.ours, scale, { causal }) : () => {
      const scores = q.ours.matmul(k.ours, { transposeB: true }).mul(scale);
      return (mask ? scores.add(mask.ours) : scores).softmax(-1).matmul(v.ours);
    },
    tfjs: () => {
      const scores = tf.mul(tf.matMul(q.tfjs, k.tfjs, false, true), tf.scalar(scale));
      return tf.matMul(tf.softmax(mask ? tf.add(scores, mask.tfjs) : scores), v.tfjs);
    },
  };
}

function modeProductCase(p: number, i: number, q: number, j: number): Case {
  const x = randn([p, i, q]), u = randn([j, i]);
  const flops = 2 * p * q * i * j;
  return {
    name: `mode-2 product [${p},${i},${q}] ×₂ [${j},${i}]`, work: flops, unit: 'GFLOP/s', reps: Math.max(1, Math.round(1e8 / flops)),
    ours: () => E.modeProduct(x.ours, u.ours, 1),
    // The same contraction as tfjs users write it: move the mode last, one GEMM, move it back.
    tfjs: () => tf.transpose(tf.reshape(tf.matMul(tf.reshape(tf.transpose(x.tfjs, [0, 2, 1]), [p * q, i]), u.tfjs, false, true), [p, q, j]), [0, 2, 1]),
  };
}

function softmaxCase(rows: number, cols: number, what: string): Case {
  const x = randn([rows, cols]);
  const bytes = 2 * 4 * rows * cols;
  return { name: `softmax [${rows},${cols}] (${what})`, work: bytes, unit: 'GB/s', reps: Math.max(1, Math.round(2e8 / bytes)), ours: () => x.ours.softmax(-1), tfjs: () => tf.softmax(x.tfjs) };
}

function layerNormCase(rows: number, cols: number, what: string): Case {
  const x = randn([rows, cols]), gamma = randn([cols]), beta = randn([cols]);
  const bytes = 2 * 4 * rows * cols;
  return {
    name: `layer norm [${rows},${cols}] (${what})`, work: bytes, unit: 'GB/s', reps: Math.max(1, Math.round(2e8 / bytes)),
    ours: () => E.layerNorm(x.ours, gamma.ours, beta.ours, 1e-6),
    tfjs: () => tfjsLayerNorm(tf, x.tfjs, gamma.tfjs, beta.tfjs, 1e-6),
  };
}

/** d(wte) of `gather(wte, 0, ids)`: tfjs's own gather gradient is unsortedSegmentSum (float atomics). */
function embeddingGradientCase(rows: number, cols: number, count: number): Case {
  const dy = randn([count, cols]);
  const random = new E.Random(1);
  const ids = Int32Array.from({ length: count }, () => Math.floor(rows * random.uniform()));
  const idsOurs = E.fromArray(Float32Array.from(ids), [count], gpu).keep();
  const idsTfjs = tf.tensor1d(ids, 'int32');
  const segments = tf as unknown as { unsortedSegmentSum(x: TfTensor, ids: TfTensor, segments: number): TfTensor };
  const bytes = 4 * (count * cols + count + rows * cols);
  return {
    name: `embedding gradient (scatter-add) V=${rows} D=${cols} N=${count}`, work: bytes, unit: 'GB/s', reps: Math.max(1, Math.round(2e8 / bytes)),
    ours: () => E.scatterAdd([rows, cols], 0, idsOurs, dy.ours),
    tfjs: () => segments.unsortedSegmentSum(dy.tfjs, idsTfjs, rows),
  };
}

// The [V, D] gradient is one storage binding: at GPT-2's sizes (154 MB) more than some adapters bind (lavapipe: 128 MiB).
const bindingLimit = runtime.dawn.limits.maxStorageBufferBindingSize;
const embeddingFits = 4 * vocab * width <= bindingLimit;
const skipped = embeddingFits ? [] : [`embedding gradient V=${vocab} D=${width}: skipped, its ${(4 * vocab * width / 2 ** 20).toFixed(0)} MiB gradient exceeds this adapter's ${(bindingLimit / 2 ** 20).toFixed(0)} MiB storage binding limit (--embedding=V,D,N sets smaller sizes).`];
const allCases: Case[] = [
  matmulCase('matmul 256²', 256, 256, 256),
  matmulCase('matmul 512²', 512, 512, 512),
  matmulCase('matmul 1024²', 1024, 1024, 1024),
  ...(quick ? [] : [matmulCase('matmul 2048²', 2048, 2048, 2048)]),
  matmulCase('matmul ViT fc1 [128·17,64]×[64,256]', 2176, 64, 256),
  matmulCase('matmul ViT fc2 [128·17,256]×[256,64]', 2176, 256, 64),
  matmulCase('matmul ViT qkv [128·17,128]×[128,384]', 2176, 128, 384),
  ...[[256, 17, 32], [64, 65, 32], [12, 197, 64]].flatMap(([bh, t, d]) => [attentionCase(bh, t, d, true), attentionCase(bh, t, d, false)]),
  attentionCase(64, 65, 32, true, true),
  attentionCase(64, 65, 32, false, true),
  softmaxCase(128 * 4 * 17, 17, 'attention rows, d64·h4 ViT'),
  softmaxCase(12 * 197, 197, 'attention rows, ViT-B/16 one image'),
  softmaxCase(2048, 1000, 'ImageNet logits'),
  layerNormCase(128 * 17, 64, 'd64 ViT, batch 128'),
  layerNormCase(128 * 17, 128, 'd128 ViT, batch 128'),
  layerNormCase(16 * 197, 768, 'ViT-B/16, batch 16'),
  modeProductCase(64, 48, 96, 128),
  ...(embeddingFits ? [embeddingGradientCase(vocab, width, tokens)] : []),
];
const cases = only ? allCases.filter((c) => new RegExp(only).test(c.name)) : allCases;

// The machine's limit for the GEMM rows: lavapipe runs our shaders on these same CPU cores, where PyTorch's
// BLAS runs the same products. Measured first, in one child, while the GPU side is idle.
const gemmShapes = cases.flatMap((c) => (c.gemm ? [c.gemm] : []));
const torch = judgePytorch(gemmShapes.length ? runPytorch<TorchFacts & { gemms: { shape: number[]; gflops: number }[] }>('pytorch_gemm.py', [JSON.stringify(gemmShapes)])
  : 'PyTorch skipped: no plain GEMM among the selected cases');
const limitColumn = 'CPU limit: PyTorch GFLOP/s', shareColumn = 'ours % of CPU limit';
function cpuLimit(c: Case, oursRate: number): Row {
  if (!c.gemm) return { [limitColumn]: '—', [shareColumn]: '—' };
  if (!torch.facts) return { [limitColumn]: 'n/a', [shareColumn]: 'n/a' };
  const limit = torch.facts.gemms[gemmShapes.indexOf(c.gemm)].gflops;
  return { [limitColumn]: limit, [shareColumn]: torch.comparable ? 100 * oursRate / limit : '—' };
}

const rows: Row[] = [];
for (const c of cases) {
  await ours(c.ours)(1);
  await E.tuneKernels(gpu);   // as the trainer does: matmul configurations tuned once per shape where tuning is on
  const seconds = await measure(c.name, [{ name: 'ours', run: ours(c.ours) }, { name: 'tfjs', run: theirs(c.tfjs) }], c.reps,
    quick ? { minSamples: 2, maxTime: 1 } : { minSamples: 4, maxTime: 1.5, rounds: 3 });
  const oursRate = c.work / seconds.get('ours')! / 1e9;
  const tfjsRate = c.work / seconds.get('tfjs')! / 1e9;
  rows.push({ kernel: c.name, unit: c.unit, ours: oursRate, tfjs: tfjsRate, 'ours/tfjs': oursRate / tfjsRate, 'goal ≥2×': oursRate / tfjsRate >= 2 ? 'met' : 'not met', ...cpuLimit(c, oursRate) });
}
report('kernels', 'Kernels: ours vs tfjs-backend-webgpu 4.22 (same Dawn device, same process)', device, rows,
  [`Ours with the matmul choice training uses on this adapter (${gpu.matmulTuning.enabled ? 'autotuned, cached per device' : 'shape heuristic; autotuning is opt-in on CPU adapters'}). GFLOP/s = useful flops / median time per op (benny); GB/s = (input read once + output written once) / time; each sample enqueues several ops and waits once; ${quick ? 'one round (--quick)' : 'best of 3 alternating rounds of ours and tfjs'}.`,
  `${limitColumn}: the same float32 GEMM in PyTorch on this machine's CPU cores, all threads (bench/pytorch_gemm.py, median of 5 timings of ~1 GFLOP each) — lavapipe runs our shaders on those cores, so this is what the machine can do; "—": not a plain GEMM.`,
  ...torch.notes, ...skipped]);
closeSharedRuntime();
process.exit(0);
