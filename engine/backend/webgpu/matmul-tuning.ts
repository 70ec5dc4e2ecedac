/**
 * Matmul autotuning, cached per device. Every matmul problem the process dispatches is remembered by its
 * shape class (M, N, K, which operands are transposed, batch count); `tune()` times each new class's
 * candidate configurations on scratch buffers and keeps the fastest, and the choice is saved in a JSON
 * file keyed by the adapter, so later processes on the same device start tuned. All candidates sum in the
 * same order, so tuning changes speed, never results. On by default on hardware GPUs and off on CPU-backed
 * adapters, where timings of one GEMM in isolation did not carry over to training steps (bench/NOTES.md);
 * MANGO_AUTOTUNE=1 / =0 forces it. MANGO_TUNING_CACHE sets the file (default ~/.cache/mango-grow/matmul-tuning.json).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { cacheKey, candidateConfigs, chooseMatmul, dispatch, tileOf, type MatmulConfig, type MatmulProblem } from './kernels/matmul.ts';
import type { GpuRuntime } from './runtime.ts';

import type { KernelTuningReport } from '../backend.ts';
import { flag } from '../../flags.ts';

type Layout = 'n' | 't';

const tuningRounds = 3;
/** A candidate must beat the heuristic by this factor to replace it. */
const clearMargin = 1.05;

/** A problem's shape class, or undefined for layouts the tuner does not rebuild (neither operand axis unit-strided). */
function shapeClass(p: MatmulProblem): string | undefined {
  const a: Layout | undefined = p.aCol === 1 ? 'n' : p.aRow === 1 ? 't' : undefined;
  const b: Layout | undefined = p.bCol === 1 ? 'n' : p.bRow === 1 ? 't' : undefined;
  if (!a || !b) return undefined;
  const batches = p.batchShape.reduce((x, y) => x * y, 1);
  const broadcast = `${p.aBatchStrides.every((s) => s === 0) ? 'a0' : ''}${p.bBatchStrides.every((s) => s === 0) ? 'b0' : ''}`;
  return `${p.M}x${p.N}x${p.K}:${a}${b}:${batches}${broadcast}`;
}

/** A contiguous problem of the same class, on freshly allocated scratch buffers. */
function scratchProblem(p: MatmulProblem): MatmulProblem {
  const batches = p.batchShape.reduce((x, y) => x * y, 1);
  const [aRow, aCol] = p.aCol === 1 ? [p.K, 1] : [1, p.M];
  const [bRow, bCol] = p.bCol === 1 ? [p.N, 1] : [1, p.K];
  const aBroadcast = batches > 1 && p.aBatchStrides.every((s) => s === 0);
  const bBroadcast = batches > 1 && p.bBatchStrides.every((s) => s === 0);
  return {
    M: p.M, N: p.N, K: p.K, batchShape: batches > 1 ? [batches] : [], aOffset: 0, bOffset: 0, aRow, aCol, bRow, bCol,
    aBatchStrides: batches > 1 ? [aBroadcast ? 0 : p.M * p.K] : [], bBatchStrides: batches > 1 ? [bBroadcast ? 0 : p.K * p.N] : [],
  };
}

export class MatmulTuning {
  private readonly chosen = new Map<string, MatmulConfig>();
  private readonly pending = new Map<string, MatmulProblem>();
  readonly enabled: boolean;
  private readonly file: string;

  /** lanes of the subgroup matmul design on this device (0: not used) */
  private readonly subgroupWidth: number;

  constructor(readonly deviceKey: string, readonly software: boolean, options: { file?: string; enabled?: boolean; subgroupWidth?: number } = {}) {
    this.subgroupWidth = options.subgroupWidth ?? 0;
    const forced = flag('autotune');
    this.enabled = options.enabled ?? (forced ?? !software);
    this.file = options.file ?? flag('tuningCache') ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mango-grow', 'matmul-tuning.json');
    if (this.enabled) this.load();
  }

  /** The tuned configuration for this problem's class, if any (and remembers untuned classes for `tune`). */
  configFor(problem: MatmulProblem): MatmulConfig | undefined {
    if (!this.enabled) return undefined;
    const key = shapeClass(problem);
    if (!key) return undefined;
    const config = this.chosen.get(key);
    if (!config && !this.pending.has(key)) this.pending.set(key, problem);
    return config;
  }

  get untuned(): number {
    return this.pending.size;
  }

  get tuned(): number {
    return this.chosen.size;
  }

  /** Times the candidates of every class seen but not yet tuned, keeps the fastest, saves the cache. */
  async tune(runtime: GpuRuntime): Promise<KernelTuningReport> {
    const started = performance.now();
    let tuned = 0, speedup = 0;
    for (const [key, seen] of [...this.pending]) {
      this.pending.delete(key);
      const problem = scratchProblem(seen);
      const batches = Math.max(1, problem.batchShape.reduce((x, y) => x * y, 1));
      const bytes = (n: number) => Math.max(4, n * 4);
      const a = runtime.allocate(bytes(batches * problem.M * problem.K));
      const b = runtime.allocate(bytes(batches * problem.K * problem.N));
      const c = runtime.allocate(bytes(batches * problem.M * problem.N));
      try {
        const flops = 2 * batches * problem.M * problem.N * problem.K;
        const reps = Math.max(1, Math.min(50, Math.round(1e8 / flops)));   // ≥ ~10 ms per timing on a CPU adapter
        const time = async (config: MatmulConfig) => {
          const t0 = performance.now();
          for (let r = 0; r < reps; r++) dispatch(runtime, problem, a, b, c, undefined, config);
          await runtime.sync();
          return performance.now() - t0;
        };
        const heuristic = chooseMatmul(problem, this.software, this.subgroupWidth);
        const withinGridLimits = (config: MatmulConfig) => Math.ceil(problem.M / tileOf(config).tileM) <= 65535 && Math.ceil(problem.N / tileOf(config).tileN) <= 65535;
        const candidates = [heuristic, ...candidateConfigs(problem, this.software, this.subgroupWidth).filter((config) => withinGridLimits(config) && cacheKey(config) !== cacheKey(heuristic))];
        for (const config of candidates) dispatch(runtime, problem, a, b, c, undefined, config);   // compile pipelines, warm caches
        await runtime.sync();
        // Rounds interleave the candidates, so a slow spell on a shared machine hits all of them alike.
        const best = candidates.map(() => Infinity);
        for (let round = 0; round < tuningRounds; round++) {
          for (const [i, config] of candidates.entries()) best[i] = Math.min(best[i], await time(config));
        }
        // The heuristic keeps its place unless a candidate beats it clearly (timing noise is a few percent).
        let chosen = 0;
        for (let i = 1; i < candidates.length; i++) if (best[i] < best[chosen] && best[i] < best[0] / clearMargin) chosen = i;
        this.chosen.set(key, candidates[chosen]);
        tuned++;
        speedup += best[0] / best[chosen];
      } finally {
        for (const buffer of [a, b, c]) runtime.release(buffer);
      }
    }
    if (tuned > 0) this.save();
    return { tuned, seconds: (performance.now() - started) / 1000, speedup: tuned ? speedup / tuned : 1 };
  }

  private load(): void {
    try {
      const all = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, Record<string, MatmulConfig>>;
      for (const [key, config] of Object.entries(all[this.deviceKey] ?? {})) {
        if (config && ['register', 'tiled', 'subgroup'].includes(config.design) && [config.threadsX, config.threadsY, config.perThreadM, config.perThreadN, config.tileK].every((n) => Number.isInteger(n) && n > 0)) {
          this.chosen.set(key, config);
        }
      }
    } catch {
      // No cache yet, or an unreadable one: tune again and overwrite it.
    }
  }

  private save(): void {
    let all: Record<string, Record<string, MatmulConfig>> = {};
    try {
      all = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      all = {};
    }
    all[this.deviceKey] = Object.fromEntries(this.chosen);
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const temp = `${this.file}.tmp-${process.pid}`;
      writeFileSync(temp, `${JSON.stringify(all, null, 1)}\n`);
      renameSync(temp, this.file);
    } catch {
      // A read-only home: the choices still hold for this process.
    }
  }
}
