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

/** WGSL loop running `body` for each element index `i` < `count` this invocation owns. */
export function forEachElement(count: string, body: string): string {
  const span = linearWorkgroupSize * elementsPerInvocation;
  return `for (var k = 0u; k < ${elementsPerInvocation}u; k++) {
    let i = group * ${span}u + k * ${linearWorkgroupSize}u + lid;
    if (i >= ${count}) { break; }
    ${body}
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
 * NaN helpers: an IEEE test a compiler cannot fold away (`x != x` may be assumed false), and a NaN made
 * at run time (a constant NaN expression is a WGSL compile error).
 */
export const isNanFn = `fn isNan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn nanValue() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }`;
export const nanConst = 'nanValue()';
