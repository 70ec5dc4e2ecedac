/**
 * Scatter-add (gather's adjoint, the embedding gradient) without float atomics. One workgroup groups the
 * index positions by target row, a stable counting sort (histogram, prefix sum, fill in position order):
 * O(length + count·lanes), once for all of outer and inner. Then one invocation per output element sums
 * its row's positions in ascending order, as the CPU backend does: O(outer·(length + count)·inner), and
 * results do not vary run to run.
 */
import type { GpuRuntime } from '../runtime.ts';
import { flatWorkgroupIndex, forEachElement, linearBuiltins, linearGrid, linearWorkgroupSize } from './common.ts';
import { indexLayout, noConfig } from './copy.ts';
import { KernelFamily } from './family.ts';

const lanes = linearWorkgroupSize;

/**
 * Single workgroup. Leaves starts[0..length] (row r owns positions starts[r]..starts[r+1]) and order[]
 * (those positions, ascending within each row). Indices outside [0, length) belong to no row. The fill
 * takes `lanes` positions per round: within a round, each lane ranks its index among the equal ones of
 * lower lanes, and the lowest such lane alone advances the row's cursor, so no order depends on timing.
 */
export const scatterGroupKernel = new KernelFamily('scatter-group', () => `
${indexLayout.wgsl()}
@group(0) @binding(0) var<storage, read> indices: array<f32>;
@group(0) @binding(1) var<storage, read_write> cursor: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read_write> starts: array<u32>;
@group(0) @binding(3) var<storage, read_write> order: array<u32>;
@group(0) @binding(4) var<uniform> p: Params;
var<workgroup> keys: array<u32, ${lanes}>;
var<workgroup> bases: array<u32, ${lanes}>;
var<workgroup> sums: array<u32, ${lanes}>;

fn rowOf(k: u32) -> u32 {
  let v = indices[k];
  return select(p.length, u32(v), v >= 0.0 && v < f32(p.length));
}

@compute @workgroup_size(${lanes}) fn main(@builtin(local_invocation_index) lid: u32) {
  let chunk = (p.length + ${lanes - 1}u) / ${lanes}u;
  let lo = min(p.length, lid * chunk);
  let hi = min(p.length, lo + chunk);
  for (var r = lo; r < hi; r++) { atomicStore(&cursor[r], 0u); }
  storageBarrier();
  for (var k = lid; k < p.count; k += ${lanes}u) {
    let row = rowOf(k);
    if (row < p.length) { atomicAdd(&cursor[row], 1u); }
  }
  storageBarrier();

  var own = 0u;
  for (var r = lo; r < hi; r++) { own += atomicLoad(&cursor[r]); }
  sums[lid] = own;
  workgroupBarrier();
  for (var s = 1u; s < ${lanes}u; s *= 2u) {
    var left = 0u;
    if (lid >= s) { left = sums[lid - s]; }
    workgroupBarrier();
    sums[lid] += left;
    workgroupBarrier();
  }
  var running = sums[lid] - own;
  for (var r = lo; r < hi; r++) {
    let c = atomicLoad(&cursor[r]);
    starts[r] = running;
    atomicStore(&cursor[r], running);
    running += c;
  }
  if (lid == ${lanes - 1}u) { starts[p.length] = sums[lid]; }
  storageBarrier();

  let rounds = (p.count + ${lanes - 1}u) / ${lanes}u;
  for (var round = 0u; round < rounds; round++) {
    let k = round * ${lanes}u + lid;
    var key = p.length;
    if (k < p.count) { key = rowOf(k); }
    keys[lid] = key;
    workgroupBarrier();
    var rank = 0u;
    var same = 0u;
    var first = lid;
    for (var j = 0u; j < ${lanes}u; j++) {
      if (keys[j] == key) {
        if (j < lid) {
          if (rank == 0u) { first = j; }
          rank++;
        }
        same++;
      }
    }
    if (key < p.length && rank == 0u) {
      let base = atomicLoad(&cursor[key]);
      bases[lid] = base;
      atomicStore(&cursor[key], base + same);
    }
    workgroupBarrier();
    if (key < p.length) { order[bases[first] + rank] = k; }
    storageBarrier();
    workgroupBarrier();
  }
}`);

/** out[o, l, j] = Σ source[o, k, j] over the positions k of row l, ascending. */
export const scatterSumKernel = new KernelFamily('scatter-sum', () => `
${indexLayout.wgsl()}
@group(0) @binding(0) var<storage, read> source: array<f32>;
@group(0) @binding(1) var<storage, read> order: array<u32>;
@group(0) @binding(2) var<storage, read> starts: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;
@compute @workgroup_size(${linearWorkgroupSize}) fn main(${linearBuiltins}) {
  ${flatWorkgroupIndex}
  ${forEachElement('p.n', `let j = i % p.inner;
    let l = (i / p.inner) % p.length;
    let o = i / (p.inner * p.length);
    var sum = 0.0;
    for (var q = starts[l]; q < starts[l + 1u]; q++) { sum += source[(o * p.count + order[q]) * p.inner + j]; }
    out[i] = sum;`)}
}`);

/** Writes scatter-add of contiguous `source` [outer, count, inner] by `indices` [count] into `out` [outer, length, inner]. */
export function dispatchScatterAdd(runtime: GpuRuntime, source: GPUBuffer, indices: GPUBuffer, out: GPUBuffer,
  dims: { outer: number; length: number; count: number; inner: number }): void {
  const n = dims.outer * dims.length * dims.inner;
  if (n === 0) return;
  const params = indexLayout.pack({ n, ...dims });
  const cursor = runtime.allocate(dims.length * 4);
  const starts = runtime.allocate((dims.length + 1) * 4);
  const order = runtime.allocate(Math.max(1, dims.count) * 4);
  runtime.dispatch(scatterGroupKernel.variant(noConfig), [indices, cursor, starts, order], [1, 1, 1], params);
  runtime.dispatch(scatterSumKernel.variant(noConfig), [source, order, starts, out], linearGrid(n), params);
  for (const b of [cursor, starts, order]) runtime.release(b);
}
