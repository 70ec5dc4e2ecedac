/** WGSL snippets and dispatch arithmetic shared by kernel families. */

/** Highest tensor rank the strided kernels index directly (ranks above it are coalesced first). */
export const maxRank = 8;

/** Threads per workgroup for 1-D elementwise-style kernels. */
export const linearWorkgroupSize = 256;

/**
 * Elements each invocation of a 1-D kernel handles (lanes stay on adjacent elements): fewer, longer
 * invocations cut per-invocation overhead (measured 5× on lavapipe for an add, bench/NOTES.md).
 */
export const elementsPerInvocation = 8;

/** Workgroups for a 1-D kernel over n elements. */
export function linearGrid(n: number): [number, number, number] {
  return gridFor(Math.ceil(n / (linearWorkgroupSize * elementsPerInvocation)));
}

/**
 * WGSL loop running `body` for each element index `i` < `count` this invocation owns; `setup` runs once
 * before it with `firstIndex` in scope, `advance` after each element (for running indices).
 */
export function forEachElement(count: string, body: string, setup = '', advance = ''): string {
  const span = linearWorkgroupSize * elementsPerInvocation;
  return `let firstIndex = group * ${span}u + lid;
  ${setup}
  for (var k = 0u; k < ${elementsPerInvocation}u; k++) {
    let i = firstIndex + k * ${linearWorkgroupSize}u;
    if (i >= ${count}) { break; }
    ${body}
    ${advance}
  }`;
}

const maxWorkgroupsPerDimension = 65535;

/** A 2-D grid covering `groups` workgroups (WebGPU caps each dimension at 65535). */
export function gridFor(groups: number): [number, number, number] {
  const g = Math.max(1, groups);
  const x = Math.min(g, maxWorkgroupsPerDimension);
  return [x, Math.ceil(g / x), 1];
}

/** Flat workgroup index for kernels dispatched with gridFor(). */
export const flatWorkgroupIndex = 'let group = wid.y * nwg.x + wid.x;';
export const linearBuiltins = '@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32';

/**
 * WGSL function `fnName(i) -> u32`: the storage offset of row-major element i of a view whose shape is
 * the uniform array `shape` and strides `strides` (both u32x), rank `rank`, base offset `base`.
 */
export function stridedOffsetFn(fnName: string, shape: string, strides: string, rank: string, base: string): string {
  return `fn ${fnName}(index: u32) -> u32 {
  var rest = index;
  var offset = ${base};
  for (var d = i32(${rank}) - 1; d >= 0; d--) {
    let extent = ${shape}[u32(d) / 4u][u32(d) % 4u];
    offset += (rest % extent) * ${strides}[u32(d) / 4u][u32(d) % 4u];
    rest = rest / extent;
  }
  return offset;
}`;
}

/**
 * Walks a strided index space of compile-time rank in row-major order without dividing per element
 * (integer division is scalarised on CPU adapters such as lavapipe and dominated strided copies):
 * `start(i)` decomposes index i once, `advance` steps every offset to the next element by carrying.
 * Each view is a storage-offset variable `name` with strides `strides[d]` over the shared `shape[d]`.
 */
export function stridedWalk(rank: number, shape: string, views: readonly { name: string; strides: string; base: string }[]) {
  const extent = (d: number) => `${shape}[${d >> 2}][${d & 3}]`;
  const stride = (v: { strides: string }, d: number) => `${v.strides}[${d >> 2}][${d & 3}]`;
  const dims = Array.from({ length: rank }, (_, d) => d);
  const start = (index: string) => [
    `var rest = ${index};`,
    ...views.map((v) => `var ${v.name} = ${v.base};`),
    ...dims.map((d) => `var c${d} = 0u;`),
    ...[...dims].reverse().map((d) => `c${d} = rest % ${extent(d)}; rest = rest / ${extent(d)}; ${views.map((v) => `${v.name} += c${d} * ${stride(v, d)};`).join(' ')}`),
  ].join('\n    ');
  const carry = (d: number): string => d < 0 ? '' : `c${d} += 1u; ${views.map((v) => `${v.name} += ${stride(v, d)};`).join(' ')}
      if (c${d} == ${extent(d)}) { c${d} = 0u; ${views.map((v) => `${v.name} -= ${extent(d)} * ${stride(v, d)};`).join(' ')} ${carry(d - 1)} }`;
  return { start, advance: carry(rank - 1) };
}

/**
 * NaN helpers: an IEEE test a compiler cannot fold away (`x != x` may be assumed false), and a NaN made
 * at run time (a constant NaN expression is a WGSL compile error).
 */
export const isNanFn = `fn isNan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn nanValue() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }`;
export const nanConst = 'nanValue()';

/**
 * Shared-memory tree reductions over a workgroup of `size` lanes (a power of two): `reduceSum(v, lid)` and
 * `reduceMax(v, lid)` return the workgroup's total to every lane.
 */
export function workgroupReductions(size: number): string {
  const tree = (combine: string) => `workgroupBarrier();
  lanes[lid] = v;
  workgroupBarrier();
  for (var s = ${size / 2}u; s > 0u; s = s / 2u) {
    if (lid < s) { ${combine} }
    workgroupBarrier();
  }
  return lanes[0];`;
  return `
var<workgroup> lanes: array<f32, ${size}>;
fn reduceSum(v: f32, lid: u32) -> f32 {
  ${tree('lanes[lid] += lanes[lid + s];')}
}
fn reduceMax(v: f32, lid: u32) -> f32 {
  ${tree('lanes[lid] = max(lanes[lid], lanes[lid + s]);')}
}`;
}
