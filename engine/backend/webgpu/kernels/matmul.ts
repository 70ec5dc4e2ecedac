/**
 * Batched matmul C[b] = op(A[b]) · op(B[b]) over strided operands: element (i, k) of op(A[b]) lives at
 * aOffset + batchOffset(b) + i·aRow + k·aCol (transposes and batch broadcasting are only strides), so no
 * operand is ever copied. Three designs, chosen per shape by `chooseMatmul`:
 *  - `tiled`: workgroup tiles of A and B staged in workgroup memory, each thread a WM×WN register block;
 *  - `register`: no workgroup memory, each thread reads its A rows / B columns directly (a win where
 *    "global" memory is cached, e.g. on CPU-backed adapters) into a WM×WN register block;
 *  - `subgroup` (matmul-subgroup.ts): lanes load different rows of A and share them by subgroup broadcast
 *    (CPU-backed adapters with fixed-width subgroups, where a per-lane load is a gather).
 * Bounds checks are compiled in only when the shape does not fit the tile (`fits` in the key).
 */
import type { GpuRuntime } from '../runtime.ts';
import { maxRank, stridedOffsetFn } from './common.ts';
import { KernelFamily } from './family.ts';
import { UniformLayout } from './uniforms.ts';
import { flag } from '../../../flags.ts';
import { sizeOf } from '../../../shape.ts';
import { coalesce } from '../layout.ts';
import { subgroupKernel, subgroupRead } from './matmul-subgroup.ts';

export interface MatmulConfig {
  design: 'tiled' | 'register' | 'subgroup';
  /** threads per workgroup along N (x) and M (y); for `subgroup`, the subgroup width and subgroups per workgroup */
  threadsX: number;
  threadsY: number;
  /** outputs per thread along M and N */
  perThreadM: number;
  perThreadN: number;
  /** K step of the tiled design */
  tileK: number;
  /** the shape is a multiple of the tile in M, N and K: no bounds checks */
  fits: boolean;
  /** thread x owns columns x, x+threadsX, ... of its tile (adjacent lanes read adjacent columns; on GPUs no shared-memory bank conflicts) */
  interleaved?: boolean;
  /** epilogue adds Bias[column] to every output (set per dispatch, not tuned) */
  bias?: boolean;
}

/**
 * How the register design reads an operand: four floats at a time along the output axis ('m' for A,
 * 'n' for B) where that axis is contiguous and aligned, or one at a time (''). Decided per problem by
 * `vectorAccess` (MANGO_MATMUL_VECTOR=0 forces scalar reads, for comparisons); sums still run k by k in
 * the same order, so results are bit-identical. (Reading four k-steps at a time from k-contiguous
 * operands was measured slower on lavapipe: the extra live registers spill.)
 */
export interface VectorAccess {
  /** 'k': along K (the subgroup design only) */
  a: '' | 'm' | 'k';
  b: '' | 'n';
}

const scalarAccess: VectorAccess = { a: '', b: '' };

const layout = new UniformLayout('Params', [
  ['M', 'u32'], ['N', 'u32'], ['K', 'u32'], ['batchRank', 'u32'],
  ['aOffset', 'u32'], ['aRow', 'u32'], ['aCol', 'u32'], ['bOffset', 'u32'], ['bRow', 'u32'], ['bCol', 'u32'],
  ['batchShape', 'u32x', maxRank], ['aBatchStrides', 'u32x', maxRank], ['bBatchStrides', 'u32x', maxRank],
]);

/** A readable name of a configuration: labels its pipeline (profiles, errors) and tells candidates apart. */
export function cacheKey(c: MatmulConfig, v: VectorAccess = scalarAccess): string {
  const vector = v.a || v.b ? `:v${v.a || '-'}${v.b || '-'}` : '';
  return `matmul[${c.design}:${c.threadsX}x${c.threadsY}:${c.perThreadM}x${c.perThreadN}:k${c.tileK}${c.fits ? ':fit' : ''}${c.interleaved ? ':il' : ''}${c.bias ? ':bias' : ''}${vector}]`;
}

/** MANGO_MATMUL_VECTOR=0 turns vector reads (and the layouts chosen for them) off, for comparisons. */
export function vectorReadsEnabled(): boolean {
  return flag('matmulVectorReads');
}

/** The widest reads the register design can use for this problem and configuration (the subgroup design: its reads). */
export function vectorAccess(c: MatmulConfig, problem: MatmulProblem): VectorAccess {
  if (c.design === 'subgroup') {
    const read = subgroupRead(c, problem);
    return read ? { a: read, b: 'n' } : scalarAccess;
  }
  if (c.design !== 'register') return scalarAccess;
  const aligned = (...values: number[]) => values.every((x) => x % 4 === 0);
  const batchAligned = (strides: number[]) => strides.every((s, d) => problem.batchShape[d] === 1 || s % 4 === 0);
  const { M, N } = problem;
  const aBase = aligned(problem.aOffset) && batchAligned(problem.aBatchStrides);
  const bBase = aligned(problem.bOffset) && batchAligned(problem.bBatchStrides);
  const a = aBase && problem.aRow === 1 && aligned(M, c.perThreadM, problem.aCol) ? 'm' : '';
  const b = bBase && problem.bCol === 1 && !c.interleaved && aligned(N, c.perThreadN, problem.bRow) ? 'n' : '';
  return { a, b };
}

export function tileOf(c: MatmulConfig): { tileM: number; tileN: number } {
  return { tileM: c.threadsY * c.perThreadM, tileN: c.threadsX * c.perThreadN };
}

const header = (c: MatmulConfig, v: VectorAccess) => `
${layout.wgsl()}
@group(0) @binding(0) var<storage, read> A: array<${v.a ? 'vec4f' : 'f32'}>;
@group(0) @binding(1) var<storage, read> B: array<${v.b ? 'vec4f' : 'f32'}>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
${c.bias ? '@group(0) @binding(3) var<storage, read> Bias: array<f32>;' : ''}
@group(0) @binding(${c.bias ? 4 : 3}) var<uniform> p: Params;
${stridedOffsetFn('aBatchOffset', 'p.batchShape', 'p.aBatchStrides', 'p.batchRank', 'p.aOffset')}
${stridedOffsetFn('bBatchOffset', 'p.batchShape', 'p.bBatchStrides', 'p.batchRank', 'p.bOffset')}`;

function unrolled(count: number, body: (i: number) => string): string {
  return Array.from({ length: count }, (_, i) => body(i)).join('\n    ');
}

/** Column of a thread's j-th output: blocked (col0 + j) or interleaved (col0 + j·threadsX). */
function column(c: MatmulConfig, j: number): string {
  return c.interleaved ? `(col0 + ${j * c.threadsX}u)` : `(col0 + ${j}u)`;
}

function writeBack(c: MatmulConfig): string {
  const stores: string[] = [];
  if (c.bias) {
    for (let j = 0; j < c.perThreadN; j++) {
      stores.push(c.fits ? `let bias${j} = Bias[${column(c, j)}];` : `var bias${j} = 0.0; if (${column(c, j)} < p.N) { bias${j} = Bias[${column(c, j)}]; }`);
    }
  }
  for (let i = 0; i < c.perThreadM; i++) {
    for (let j = 0; j < c.perThreadN; j++) {
      const store = `C[cBase + (row0 + ${i}u) * p.N + ${column(c, j)}] = acc${i}_${j}${c.bias ? ` + bias${j}` : ''};`;
      stores.push(c.fits ? store : `if (row0 + ${i}u < p.M && ${column(c, j)} < p.N) { ${store} }`);
    }
  }
  return stores.join('\n  ');
}

const accumulators = (c: MatmulConfig) =>
  unrolled(c.perThreadM, (i) => unrolled(c.perThreadN, (j) => `var acc${i}_${j} = 0.0;`));

const fma = (c: MatmulConfig, aValue = (i: number) => `a${i}`, bValue = (j: number) => `b${j}`) =>
  unrolled(c.perThreadM, (i) => unrolled(c.perThreadN, (j) => `acc${i}_${j} = fma(${aValue(i)}, ${bValue(j)}, acc${i}_${j});`));

const lanes = ['x', 'y', 'z', 'w'];

function registerKernel(c: MatmulConfig, v: VectorAccess): string {
  const rowOk = (i: number) => (c.fits ? '' : `row0 + ${i}u < p.M`);
  const colOk = (j: number) => (c.fits ? '' : `${column(c, j)} < p.N`);
  const guarded = (name: string, type: string, ok: string, value: string) =>
    ok ? `var ${name} = ${type}(0.0); if (${ok}) { ${name} = ${value}; }` : `let ${name} = ${value};`;
  // Loads for one k, and the expressions of A(i, k) and B(k, j).
  const loadA = v.a === 'm'
    ? unrolled(c.perThreadM / 4, (g) => guarded(`a${g}`, 'vec4f', rowOk(4 * g), `A[(aBase + row0 + ${4 * g}u + k * p.aCol) / 4u]`))
    : unrolled(c.perThreadM, (i) => guarded(`a${i}`, 'f32', rowOk(i), `A[aBase + (row0 + ${i}u) * p.aRow + k * p.aCol]`));
  const aValue = v.a === 'm' ? (i: number) => `a${i >> 2}.${lanes[i & 3]}` : (i: number) => `a${i}`;
  const loadB = v.b === 'n'
    ? unrolled(c.perThreadN / 4, (g) => guarded(`b${g}`, 'vec4f', colOk(4 * g), `B[(bBase + k * p.bRow + col0 + ${4 * g}u) / 4u]`))
    : unrolled(c.perThreadN, (j) => guarded(`b${j}`, 'f32', colOk(j), `B[bBase + k * p.bRow + ${column(c, j)} * p.bCol]`));
  const bValue = v.b === 'n' ? (j: number) => `b${j >> 2}.${lanes[j & 3]}` : (j: number) => `b${j}`;
  return `${header(c, v)}
@compute @workgroup_size(${c.threadsX}, ${c.threadsY}) fn main(@builtin(global_invocation_id) g: vec3u) {
  let row0 = g.y * ${c.perThreadM}u;
  let col0 = ${c.interleaved ? `(g.x / ${c.threadsX}u) * ${c.threadsX * c.perThreadN}u + g.x % ${c.threadsX}u` : `g.x * ${c.perThreadN}u`};
  if (row0 >= p.M || col0 >= p.N) { return; }
  let aBase = aBatchOffset(g.z);
  let bBase = bBatchOffset(g.z);
  let cBase = g.z * p.M * p.N;
  ${accumulators(c)}
  for (var k = 0u; k < p.K; k++) {
    ${loadA}
    ${loadB}
    ${fma(c, aValue, bValue)}
  }
  ${writeBack(c)}
}`;
}

function tiledKernel(c: MatmulConfig): string {
  const { tileM, tileN } = tileOf(c);
  const threads = c.threadsX * c.threadsY;
  const guardA = c.fits ? '' : 'if (gm < p.M && gk < p.K) ';
  const guardB = c.fits ? '' : 'if (gk < p.K && gn < p.N) ';
  return `${header(c, scalarAccess)}
var<workgroup> As: array<f32, ${c.tileK * tileM}>;
var<workgroup> Bs: array<f32, ${c.tileK * tileN}>;
@compute @workgroup_size(${c.threadsX}, ${c.threadsY}) fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) local: vec3u,
    @builtin(local_invocation_index) lid: u32) {
  let tileRow = wid.y * ${tileM}u;
  let tileCol = wid.x * ${tileN}u;
  let row0 = tileRow + local.y * ${c.perThreadM}u;
  let col0 = tileCol + local.x${c.interleaved ? '' : ` * ${c.perThreadN}u`};
  let aBase = aBatchOffset(wid.z);
  let bBase = bBatchOffset(wid.z);
  let cBase = wid.z * p.M * p.N;
  ${accumulators(c)}
  for (var k0 = 0u; k0 < p.K; k0 += ${c.tileK}u) {
    for (var e = lid; e < ${tileM * c.tileK}u; e += ${threads}u) {
      let m = e / ${c.tileK}u; let kk = e % ${c.tileK}u;
      let gm = tileRow + m; let gk = k0 + kk;
      var v = 0.0;
      ${guardA}{ v = A[aBase + gm * p.aRow + gk * p.aCol]; }
      As[kk * ${tileM}u + m] = v;
    }
    for (var e = lid; e < ${tileN * c.tileK}u; e += ${threads}u) {
      let kk = e / ${tileN}u; let n = e % ${tileN}u;
      let gk = k0 + kk; let gn = tileCol + n;
      var v = 0.0;
      ${guardB}{ v = B[bBase + gk * p.bRow + gn * p.bCol]; }
      Bs[kk * ${tileN}u + n] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${c.tileK}u; kk++) {
      ${unrolled(c.perThreadM, (i) => `let a${i} = As[kk * ${tileM}u + local.y * ${c.perThreadM}u + ${i}u];`)}
      ${unrolled(c.perThreadN, (j) => `let b${j} = Bs[kk * ${tileN}u + ${c.interleaved ? `local.x + ${j * c.threadsX}u` : `local.x * ${c.perThreadN}u + ${j}u`}];`)}
      ${fma(c)}
    }
    workgroupBarrier();
  }
  ${writeBack(c)}
}`;
}

export function wgsl(c: MatmulConfig, v: VectorAccess = scalarAccess): string {
  if (c.design === 'subgroup') {
    if (!v.a || !v.b) throw new Error(`${cacheKey(c, v)} needs vector reads of both operands`);
    return subgroupKernel(c, v.a === 'k' ? 'k' : 'm', header(c, { a: 'm', b: 'n' }));
  }
  return c.design === 'tiled' ? tiledKernel(c) : registerKernel(c, v);
}

export interface MatmulProblem {
  M: number;
  N: number;
  K: number;
  batchShape: number[];
  aBatchStrides: number[];
  bBatchStrides: number[];
  aOffset: number;
  aRow: number;
  aCol: number;
  bOffset: number;
  bRow: number;
  bCol: number;
}

/** A strided operand as the planner sees it. */
interface Operand {
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
}

/** K = 0: no GEMM runs; the output's `rows` × N are the bias, or zeros. */
interface EmptyPlan { outElements: number; empty: { rows: number; N: number } }

interface GemmPlan {
  /** elements of the output, batches·M·N */
  outElements: number;
  empty?: undefined;
  problem: MatmulProblem;
  /** copy B into this contiguous [K, N] layout first; `problem` then reads the copy */
  transposeB?: { shape: [number, number]; strides: [number, number]; offset: number };
}

export type MatmulPlan = EmptyPlan | GemmPlan;

/**
 * How the backend runs op(A)·op(B) on strided operands: M, N, K and the strides the kernel reads, batch
 * axes coalesced, x·W with W shared across the batch folded into one GEMM over all rows, and on CPU
 * adapters B transposed first where vector reads then pay.
 */
export function planMatmul(a: Operand, b: Operand, transposeA: boolean, transposeB: boolean, softwareAdapter: boolean): MatmulPlan {
  const r = a.shape.length;
  let [M, K] = transposeA ? [a.shape[r - 1], a.shape[r - 2]] : [a.shape[r - 2], a.shape[r - 1]];
  const N = transposeB ? b.shape[r - 2] : b.shape[r - 1];
  let batch = coalesce(a.shape.slice(0, r - 2), [a.strides.slice(0, r - 2), b.strides.slice(0, r - 2)]);
  const [aRow, aCol] = transposeA ? [a.strides[r - 1], a.strides[r - 2]] : [a.strides[r - 2], a.strides[r - 1]];
  const [bRow, bCol] = transposeB ? [b.strides[r - 1], b.strides[r - 2]] : [b.strides[r - 2], b.strides[r - 1]];
  const batches = sizeOf(batch.shape);
  const outElements = batches * M * N;
  if (K === 0) return { outElements, empty: { rows: batches * M, N } };
  // x·W with W shared across the batch and x's batch rows stacked: one GEMM with M·batch rows.
  if (batch.shape.length === 1 && batch.strides[1][0] === 0 && batch.strides[0][0] === M * aRow) {
    M *= batch.shape[0];
    batch = { shape: [], strides: [[], []] };
  }
  const problem: MatmulProblem = {
    M, N, K, batchShape: batch.shape, aBatchStrides: batch.strides[0], bBatchStrides: batch.strides[1],
    aOffset: a.offset, aRow, aCol, bOffset: b.offset, bRow, bCol,
  };
  // x·Wᵀ on a CPU adapter: W transposed once into [K, N] lets the kernel read four columns at a time
  // (measured 1.2-1.5× on the GEMM for ViT shapes, bench/NOTES.md); the copy is K·N floats against M·N·K FMAs.
  if (softwareAdapter && vectorReadsEnabled() && bRow === 1 && bCol !== 1 && batch.shape.length === 0 && M >= 256 && N % 4 === 0) {
    return { outElements, problem: { ...problem, bOffset: 0, bRow: N, bCol: 1 }, transposeB: { shape: [K, N], strides: [bRow, bCol], offset: b.offset } };
  }
  return { outElements, problem };
}

/**
 * The subgroup design's configuration for this problem, if it can read it: 4·S rows × 8 columns per lane
 * (4 for narrow outputs), two subgroups per workgroup where M allows (the fastest, or within 8 % of it,
 * on the training-step shapes, bench/NOTES.md).
 */
function subgroupChoice(problem: MatmulProblem, subgroupWidth: number): MatmulConfig | undefined {
  const { M, N } = problem;
  if (M * N < 4096 || M < 16 || N < 4 * subgroupWidth) return undefined;
  const wide = N % (8 * subgroupWidth) === 0;
  const tall = M >= 8 * subgroupWidth;
  const base: Omit<MatmulConfig, 'fits'> = { design: 'subgroup', threadsX: subgroupWidth, threadsY: tall ? 2 : 1, perThreadM: 4 * subgroupWidth, perThreadN: wide ? 8 : 4, tileK: 1 };
  if (!subgroupRead({ ...base, fits: false }, problem)) return undefined;
  const { tileM, tileN } = tileOf({ ...base, fits: false });
  return { ...base, fits: M % tileM === 0 && N % tileN === 0 };
}

/**
 * The shape heuristic (measured on lavapipe, see bench/NOTES.md): on software adapters with fixed-width
 * subgroups (`subgroupWidth` lanes) the subgroup design where it can read the operands; else on software
 * adapters big register blocks (8×16 per thread, 16 threads) for large outputs and 4×4 blocks for small
 * ones; on real GPUs the tiled design. MANGO_MATMUL=tiled|register|subgroup forces a design (subgroup
 * where it can run).
 */
export function chooseMatmul(problem: MatmulProblem, softwareAdapter = true, subgroupWidth = 0): MatmulConfig {
  const { M, N, K } = problem;
  const forced = flag('matmulDesign');
  if (subgroupWidth > 0 && (forced === 'subgroup' || (forced === undefined && softwareAdapter))) {
    const config = subgroupChoice(problem, subgroupWidth);
    if (config) return config;
  }
  // On a CPU-backed adapter "global" loads hit CPU caches and barriers are costly: register blocking wins.
  const design = forced === 'subgroup' || forced === undefined ? (softwareAdapter ? 'register' : 'tiled') : forced;
  let base: Omit<MatmulConfig, 'fits'>;
  if (design === 'tiled') {
    base = { design, threadsX: 16, threadsY: 16, perThreadM: 4, perThreadN: 4, tileK: 16 };
  } else if (M * N >= 4096 && M >= 8 && N >= 16) {
    // Widest tile (16 columns per thread) that divides N; else the widest that fits in N.
    const widths = [16, 8, 4, 2, 1];
    const threadsX = widths.find((t) => N % (16 * t) === 0 && M % (8 * (16 / t)) === 0)
      ?? Math.min(16, 2 ** Math.floor(Math.log2(Math.max(1, Math.floor(N / 16)))));
    base = { design, threadsX, threadsY: 16 / threadsX, perThreadM: 8, perThreadN: 16, tileK: 1 };
  } else if (M < 8 && N >= 64) {
    // GEMV-like: a few rows, many columns; no tile rows wasted.
    base = { design, threadsX: 16, threadsY: 1, perThreadM: M <= 4 ? M : 8, perThreadN: 4, tileK: 1 };
  } else if (N < 8 && M >= 64) {
    base = { design, threadsX: 1, threadsY: 16, perThreadM: 4, perThreadN: N <= 4 ? N : 8, tileK: 1 };
  } else {
    base = { design, threadsX: 4, threadsY: 4, perThreadM: 4, perThreadN: 4, tileK: 1 };
  }
  const { tileM, tileN } = tileOf({ ...base, fits: false });
  const fits = M % tileM === 0 && N % tileN === 0 && (design === 'register' || K % base.tileK === 0);
  return { ...base, fits };
}

/** The candidate space's version: a tuning cache made over another space is tuned again (it is part of the device key). */
export const candidateSpaceVersion = 5;

/**
 * Configurations worth timing for a problem (the autotuner's search space): the heuristic's choice, register
 * blocks of 8×16, 8×8 and 4×4 outputs per thread in every workgroup aspect ratio, and the tiled design (on
 * hardware adapters also 64×128 and 128×128 tiles; MANGO_MATMUL_CANDIDATES=all lists those anywhere), and with
 * `subgroupWidth` the subgroup design's row and column blocks that can read the operands. Every candidate sums
 * over k in the same order, so all of them give bit-identical results; only speed differs.
 */
export function candidateConfigs(problem: MatmulProblem, softwareAdapter: boolean, subgroupWidth = 0): MatmulConfig[] {
  const { M, N } = problem;
  const out: Omit<MatmulConfig, 'fits'>[] = [chooseMatmul(problem, softwareAdapter, subgroupWidth)];
  const register = (perThreadM: number, perThreadN: number, threadsX: number, threadsY: number) => {
    // Tiles far larger than the output waste threads.
    if (threadsX * perThreadN <= Math.max(16, 2 * N) && threadsY * perThreadM <= Math.max(16, 2 * M)) {
      out.push({ design: 'register', threadsX, threadsY, perThreadM, perThreadN, tileK: 1 });
    }
  };
  for (const threadsX of [1, 2, 4, 8, 16]) register(8, 16, threadsX, 16 / threadsX);
  for (const threadsX of [2, 4, 8]) register(8, 8, threadsX, 16 / threadsX);
  register(4, 4, 4, 4);
  register(4, 4, 8, 8);
  out.push({ design: 'tiled', threadsX: 16, threadsY: 16, perThreadM: 4, perThreadN: 4, tileK: 16 });
  if (subgroupWidth > 0) {
    for (const perThreadM of [1, 2, 4].map((f) => f * subgroupWidth)) {
      for (const perThreadN of [4, 8]) {
        for (const threadsY of [1, 2, 4]) {
          const config: MatmulConfig = { design: 'subgroup', threadsX: subgroupWidth, threadsY, perThreadM, perThreadN, tileK: 1, fits: false };
          const { tileM, tileN } = tileOf(config);
          if (subgroupRead(config, problem) && tileM <= Math.max(16, 2 * M) && tileN <= Math.max(32, 2 * N)) out.push(config);
        }
      }
    }
  }
  const all = flag('matmulCandidates');
  if (!softwareAdapter || all) {
    // GPU tiles: bigger register blocks per thread (more FMAs per shared-memory load), columns interleaved
    // across lanes; the 128×128 tile only where the output is big enough to fill the GPU with them.
    out.push({ design: 'tiled', threadsX: 16, threadsY: 16, perThreadM: 4, perThreadN: 4, tileK: 16, interleaved: true });
    out.push({ design: 'tiled', threadsX: 16, threadsY: 8, perThreadM: 8, perThreadN: 8, tileK: 16, interleaved: true });
    if (M * N >= 1 << 20 || all) out.push({ design: 'tiled', threadsX: 16, threadsY: 16, perThreadM: 8, perThreadN: 8, tileK: 8, interleaved: true });
  }
  const unique = new Map<string, MatmulConfig>();
  for (const base of out) {
    const { tileM, tileN } = tileOf({ ...base, fits: false });
    const config = { ...base, fits: M % tileM === 0 && N % tileN === 0 && (base.design !== 'tiled' || problem.K % base.tileK === 0) };
    unique.set(cacheKey(config), config);
  }
  return [...unique.values()];
}

const family = new KernelFamily('matmul', ({ config, vector }: { config: MatmulConfig; vector: VectorAccess }) => wgsl(config, vector),
  ({ config, vector }) => cacheKey(config, vector));

/**
 * C = A·B (+ bias over every row when `bias` is given) with the configuration `chosen` (tuned, or
 * chooseMatmul's); a subgroup configuration this problem's strides do not allow (one tuned for its shape
 * class) falls back to the register heuristic.
 */
export function dispatch(runtime: GpuRuntime, problem: MatmulProblem, a: GPUBuffer, b: GPUBuffer, c: GPUBuffer, bias: GPUBuffer | undefined, chosen: MatmulConfig): void {
  const runnable = chosen.design === 'subgroup' && !subgroupRead(chosen, problem) ? chooseMatmul(problem, true, 0) : chosen;
  const config = bias ? { ...runnable, bias: true } : runnable;
  const batches = problem.batchShape.reduce((x, y) => x * y, 1);
  if (problem.M === 0 || problem.N === 0 || batches === 0) return;
  const { tileM, tileN } = tileOf(config);
  const uniforms = layout.pack({ ...problem, batchRank: problem.batchShape.length });
  const vector = vectorReadsEnabled() || config.design === 'subgroup' ? vectorAccess(config, problem) : scalarAccess;
  runtime.dispatch(family.variant({ config, vector }), bias ? [a, b, c, bias] : [a, b, c],
    [Math.ceil(problem.N / tileN), Math.ceil(problem.M / tileM), batches], uniforms);
}
