/**
 * Reductions (sum, max, min, argmax) over any axes of a strided view. The view is split into kept axes
 * (one output each) and reduced axes (a run of `run` elements per output). Variants:
 *  - `thread`: one invocation per output (walking its run without per-element division);
 *  - `workgroup`: one workgroup per output, strided loop + shared-memory tree;
 *  - split: for few outputs with long runs, a first pass of either variant writes `parts` partials per
 *    output (and argmax positions), a second pass of the same variant over the partials finishes.
 */
import type { ReduceOp } from '../../backend.ts';
import type { GpuRuntime } from '../runtime.ts';
import { flatWorkgroupIndex, gridFor, isNanFn, linearBuiltins, maxRank, stridedOffsetFn, stridedWalk } from './common.ts';
import { KernelFamily } from './family.ts';
import { UniformLayout } from './uniforms.ts';
import { flag } from '../../../flags.ts';

export type ReduceVariant = 'thread' | 'workgroup';

/** The backend's reductions plus Σx² (squared norms for gradient clipping). */
export type KernelReduceOp = ReduceOp | 'squaredNorm';

export interface ReduceConfig {
  op: KernelReduceOp;
  variant: ReduceVariant;
  /** Second pass of a split reduction: input holds partial values, `positions` their argmax indices. */
  finishing: boolean;
  /** First pass of a split reduction: writes values (never argmax indices) for the second pass. */
  partial?: boolean;
  /** Rank of the reduced run; the `thread` variant walks it without dividing per element. */
  runRank?: number;
}

const workgroupSize = 64;

const layout = new UniformLayout('Params', [
  ['outputs', 'u32'], ['run', 'u32'], ['keptRank', 'u32'], ['runRank', 'u32'], ['offset', 'u32'],
  ['parts', 'u32'], ['partLength', 'u32'], ['partialStride', 'u32'], ['outOffset', 'u32'],
  ['keptShape', 'u32x', maxRank], ['keptStrides', 'u32x', maxRank], ['runShape', 'u32x', maxRank], ['runStrides', 'u32x', maxRank],
]);

/** A readable name of the configuration (profiles, errors). */
export function label(c: ReduceConfig): string {
  const walked = c.variant === 'thread' && !c.finishing ? `:r${c.runRank ?? 1}` : '';
  return `reduce[${c.op}:${c.variant}${c.finishing ? ':finish' : ''}${c.partial ? ':partial' : ''}${walked}]`;
}

/** identity, combine(acc, v) for the value; argmax also tracks the winning position. */
function combiner(op: KernelReduceOp): { init: string; better: string } {
  switch (op) {
    case 'sum': case 'squaredNorm': return { init: '0.0', better: '' };
    case 'max': case 'argmax': return { init: '-3.4028234663852886e38', better: 'v > best' };
    case 'min': return { init: '3.4028234663852886e38', better: 'v < best' };
  }
}

export function wgsl(c: ReduceConfig): string {
  const { init, better } = combiner(c.op);
  const isSum = c.op === 'sum' || c.op === 'squaredNorm';
  // Accumulate one element `v` at position `pos` into (best, at, nan); partials are already squared.
  const step = isSum
    ? (c.op === 'squaredNorm' && !c.finishing ? 'best += v * v;' : 'best += v;')
    : `if (isNan(v)) { if (!nan) { nan = true; at = pos; } } else if (!nan && (${better} || (v == best && pos < at))) { best = v; at = pos; }`;
  const read = c.finishing
    ? 'let v = x[out * p.partialStride + r]; let pos = u32(positions[out * p.partialStride + r]);'
    : 'let v = x[keptBase + runAt(r)]; let pos = r;';
  const positionsBinding = c.finishing ? '@group(0) @binding(3) var<storage, read> positions: array<f32>;' : '';
  const uniformBinding = c.finishing ? 4 : 3;
  const result = c.op === 'argmax' && !c.partial ? 'f32(at)' : isSum ? 'best' : 'select(best, nanValue(), nan)';
  const head = `
${layout.wgsl()}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> ypos: array<f32>;
${positionsBinding}
@group(0) @binding(${uniformBinding}) var<uniform> p: Params;
${isNanFn}
${stridedOffsetFn('keptAt', 'p.keptShape', 'p.keptStrides', 'p.keptRank', 'p.offset')}
${stridedOffsetFn('runAt', 'p.runShape', 'p.runStrides', 'p.runRank', '0u')}`;
  // A split first pass treats (output, part) pairs as outputs over a sub-run [part*partLength, ...);
  // neighbouring slots are neighbouring outputs (adjacent columns of a row-major input).
  const range = `let out = slot % p.outputs; let part = slot / p.outputs;
  let first = part * p.partLength; let last = min(p.run, first + p.partLength);
  let keptBase = ${c.finishing ? '0u' : 'keptAt(out)'};`;
  const write = `y[p.outOffset + out * p.parts + part] = ${result}; ypos[out * p.parts + part] = f32(at);`;
  if (c.variant === 'thread') {
    // The first pass walks its run by carrying (no division per element); a finishing pass reads partials.
    const walk = stridedWalk(c.runRank ?? 1, 'p.runShape', [{ name: 'o', strides: 'p.runStrides', base: 'keptBase' }]);
    const [before, body] = c.finishing ? ['', `${read} ${step}`] : [walk.start('first'), `let v = x[o]; let pos = r;
    ${step}
    ${walk.advance}`];
    return `${head}
@compute @workgroup_size(${workgroupSize}) fn main(${linearBuiltins}) {
  ${flatWorkgroupIndex}
  let slot = group * ${workgroupSize}u + lid;
  if (slot >= p.outputs * p.parts) { return; }
  ${range}
  var best = ${init}; var at = 0xffffffffu; var nan = false;
  ${before}
  for (var r = first; r < last; r++) {
    ${body}
  }
  if (at == 0xffffffffu) { at = first; }
  ${write}
}`;
  }
  return `${head}
var<workgroup> bestShared: array<f32, ${workgroupSize}>;
var<workgroup> atShared: array<u32, ${workgroupSize}>;
var<workgroup> nanShared: array<u32, ${workgroupSize}>;
@compute @workgroup_size(${workgroupSize}) fn main(${linearBuiltins}) {
  ${flatWorkgroupIndex}
  let slot = group;
  ${range}
  var best = ${init}; var at = 0xffffffffu; var nan = false;
  for (var r = first + lid; r < last; r += ${workgroupSize}u) { ${read} ${step} }
  bestShared[lid] = best; atShared[lid] = at; nanShared[lid] = select(0u, 1u, nan);
  workgroupBarrier();
  for (var stride = ${workgroupSize / 2}u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      ${isSum ? 'bestShared[lid] += bestShared[lid + stride];' : `
      let v = bestShared[lid + stride]; let pos = atShared[lid + stride]; let otherNan = nanShared[lid + stride] == 1u;
      best = bestShared[lid]; at = atShared[lid]; nan = nanShared[lid] == 1u;
      if (otherNan) { if (!nan || pos < at) { nan = true; at = pos; } }
      else if (!nan && pos != 0xffffffffu && (${better} || (v == best && pos < at) || at == 0xffffffffu)) { best = v; at = pos; }
      bestShared[lid] = best; atShared[lid] = at; nanShared[lid] = select(0u, 1u, nan);`}
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    best = bestShared[0]; at = atShared[0]; nan = nanShared[0] == 1u;
    if (at == 0xffffffffu) { at = first; }
    ${write}
  }
}`;
}

export interface ReduceShape {
  keptShape: number[];
  keptStrides: number[];
  runShape: number[];
  runStrides: number[];
  offset: number;
}

const family = new KernelFamily('reduce', wgsl, label);
/** Only the first pass of the per-thread design walks its run, so only it depends on the run's rank. */
const kernelFor = (c: ReduceConfig) => family.variant(c.variant === 'thread' && !c.finishing ? c : { ...c, runRank: undefined });

/** Records the reduction of `x` (a strided view described by `shape`) into `y` from element `outOffset` on. */
export function dispatch(runtime: GpuRuntime, op: KernelReduceOp, x: GPUBuffer, shape: ReduceShape, y: GPUBuffer, outOffset = 0): void {
  const outputs = shape.keptShape.reduce((a, b) => a * b, 1);
  const run = shape.runShape.reduce((a, b) => a * b, 1);
  if (outputs === 0) return;
  const common = {
    outputs, run, keptRank: shape.keptShape.length, runRank: shape.runShape.length, offset: shape.offset,
    keptShape: shape.keptShape, keptStrides: shape.keptStrides, runShape: shape.runShape, runStrides: shape.runStrides,
  };
  const positionsScratch = () => runtime.allocate(Math.max(1, outputs) * 4);
  // One invocation per output wins whenever there are enough outputs to fill the device (bench/NOTES.md).
  const variant: ReduceVariant = flag('reduceVariant') ?? (outputs >= 32 || run <= 64 ? 'thread' : 'workgroup');
  // Few outputs over long runs: split each run into parts, reduce the partials in a second pass.
  const parts = variant === 'workgroup'
    ? (outputs < 256 && run >= 8192 ? Math.min(256, Math.ceil(run / 2048)) : 1)
    : (outputs < 2048 && run >= 256 ? Math.min(Math.ceil(run / 128), Math.ceil(4096 / outputs)) : 1);
  const groupsFor = (slots: number, v: ReduceVariant) => gridFor(v === 'thread' ? Math.ceil(slots / workgroupSize) : slots);
  if (parts > 1) {
    const partLength = Math.ceil(run / parts);
    const partials = runtime.allocate(outputs * parts * 4);
    const partialPositions = runtime.allocate(outputs * parts * 4);
    const first: ReduceConfig = { op, variant, finishing: false, partial: true, runRank: shape.runShape.length };
    runtime.dispatch(kernelFor(first), [x, partials, partialPositions], groupsFor(outputs * parts, variant),
      layout.pack({ ...common, parts, partLength, partialStride: 0, outOffset: 0 }));
    const second: ReduceConfig = { op, variant, finishing: true };
    const positions = positionsScratch();
    runtime.dispatch(kernelFor(second), [partials, y, positions, partialPositions], groupsFor(outputs, variant),
      layout.pack({ ...common, run: parts, parts: 1, partLength: parts, partialStride: parts, offset: 0, outOffset }));
    runtime.release(partials);
    runtime.release(partialPositions);
    runtime.release(positions);
    return;
  }
  const config: ReduceConfig = { op, variant, finishing: false, runRank: shape.runShape.length };
  const positions = positionsScratch();
  runtime.dispatch(kernelFor(config), [x, y, positions], groupsFor(outputs, variant),
    layout.pack({ ...common, parts: 1, partLength: run, partialStride: 0, outOffset }));
  runtime.release(positions);
}
