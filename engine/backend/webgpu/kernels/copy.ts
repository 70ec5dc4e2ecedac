/**
 * Data movement: strided copy (contiguous(), concat and pad write through destination strides), fill,
 * gather (index_select); its adjoint, scatter-add, is in scatter-add.ts.
 */
import type { GpuRuntime } from '../runtime.ts';
import { flatWorkgroupIndex, forEachElement, gridFor, linearBuiltins, linearGrid, linearWorkgroupSize, maxRank, stridedWalk } from './common.ts';
import { isContiguous } from '../../../shape.ts';
import { KernelFamily } from './family.ts';
import { UniformLayout } from './uniforms.ts';

const copyLayout = new UniformLayout('Params', [
  ['n', 'u32'], ['rank', 'u32'], ['srcOffset', 'u32'], ['dstOffset', 'u32'],
  ['shape', 'u32x', maxRank], ['srcStrides', 'u32x', maxRank], ['dstStrides', 'u32x', maxRank],
]);

export interface CopyConfig {
  srcContiguous: boolean;
  dstContiguous: boolean;
  /** rank of the (coalesced) shape; the strided walk is unrolled for it */
  rank: number;
}

/** Consecutive elements per invocation: one index decomposition, then carries only. */
const copyRun = 16;

export const copyKernel = new KernelFamily('copy', (c: CopyConfig) => {
    const header = `
${copyLayout.wgsl()}
@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
@compute @workgroup_size(${linearWorkgroupSize}) fn main(${linearBuiltins}) {
  ${flatWorkgroupIndex}`;
    if (c.srcContiguous && c.dstContiguous) {
      return `${header}
  ${forEachElement('p.n', 'dst[p.dstOffset + i] = src[p.srcOffset + i];')}
}`;
    }
    const walk = stridedWalk(c.rank, 'p.shape', [
      { name: 's', strides: 'p.srcStrides', base: 'p.srcOffset' },
      { name: 'd', strides: 'p.dstStrides', base: 'p.dstOffset' },
    ]);
    return `${header}
  let first = (group * ${linearWorkgroupSize}u + lid) * ${copyRun}u;
  if (first >= p.n) { return; }
  let last = min(p.n, first + ${copyRun}u);
  ${walk.start('first')}
  for (var i = first; i < last; i++) {
    dst[d] = src[s];
    ${walk.advance}
  }
}`;
}, (c) => `copy[${c.srcContiguous ? 'c' : 's'}${c.dstContiguous ? 'c' : 's'}${c.srcContiguous && c.dstContiguous ? '' : `:r${c.rank}`}]`);

export interface StridedRegion {
  buffer: GPUBuffer;
  strides: readonly number[];
  offset: number;
}

/** Copies the elements of `src` (read at `shape`) into `dst` (written at `shape`). */
export function dispatchCopy(runtime: GpuRuntime, shape: readonly number[], src: StridedRegion, dst: StridedRegion): void {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const [srcContiguous, dstContiguous] = [isContiguous(shape, src.strides), isContiguous(shape, dst.strides)];
  const contiguous = srcContiguous && dstContiguous;
  // A contiguous copy's source does not depend on the rank: one variant serves them all.
  const config: CopyConfig = { srcContiguous, dstContiguous, rank: contiguous ? 0 : shape.length };
  runtime.dispatch(copyKernel.variant(config), [src.buffer, dst.buffer],
    contiguous ? linearGrid(n) : gridFor(Math.ceil(n / (linearWorkgroupSize * copyRun))),
    copyLayout.pack({ n, rank: shape.length, srcOffset: src.offset, dstOffset: dst.offset, shape, srcStrides: src.strides, dstStrides: dst.strides }));
}

const fillLayout = new UniformLayout('Params', [['n', 'u32'], ['value', 'f32']]);
/** Kernels without a configuration take this one. */
export const noConfig = {};

export const fillKernel = new KernelFamily('fill', () => `
${fillLayout.wgsl()}
@group(0) @binding(0) var<storage, read_write> dst: array<f32>;
@group(0) @binding(1) var<uniform> p: Params;
@compute @workgroup_size(${linearWorkgroupSize}) fn main(${linearBuiltins}) {
  ${flatWorkgroupIndex}
  ${forEachElement('p.n', 'dst[i] = p.value;')}
}`);

export function dispatchFill(runtime: GpuRuntime, dst: GPUBuffer, n: number, value: number): void {
  if (n === 0) return;
  runtime.dispatch(fillKernel.variant(noConfig), [dst], linearGrid(n), fillLayout.pack({ n, value }));
}

export const indexLayout = new UniformLayout('Params', [['n', 'u32'], ['outer', 'u32'], ['length', 'u32'], ['count', 'u32'], ['inner', 'u32']]);

/** out[o, k, j] = x[o, indices[k], j] for contiguous x viewed as [outer, length, inner]. */
export const gatherKernel = new KernelFamily('gather', () => `
${indexLayout.wgsl()}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> indices: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
@compute @workgroup_size(${linearWorkgroupSize}) fn main(${linearBuiltins}) {
  ${flatWorkgroupIndex}
  ${forEachElement('p.n', `let j = i % p.inner;
    let k = (i / p.inner) % p.count;
    let o = i / (p.inner * p.count);
    let row = min(u32(indices[k]), p.length - 1u);
    out[i] = x[(o * p.length + row) * p.inner + j];`)}
}`);

export function dispatchGather(runtime: GpuRuntime, buffers: [GPUBuffer, GPUBuffer, GPUBuffer],
  dims: { outer: number; length: number; count: number; inner: number }, n: number): void {
  if (n === 0) return;
  runtime.dispatch(gatherKernel.variant(noConfig), buffers, linearGrid(n), indexLayout.pack({ n, ...dims }));
}

