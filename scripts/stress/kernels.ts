/** Kernels used only by the stress suite: an exactly checkable elementwise op and a long-running one. */
import type { KernelVariant } from '../../engine/backend/webgpu/runtime.ts';

export const workgroupSize = 256;
const maxWorkgroupsPerDimension = 65535;

/** y[i] = x[i] * a + b, over `n` elements; uniforms { n: u32, a: f32, b: f32, rowStride: u32 }. */
export const affine: KernelVariant = {
  key: 'stress-affine',
  wgsl: () => `
struct Params { n: u32, a: f32, b: f32, workgroupsPerRow: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;
@compute @workgroup_size(${workgroupSize}) fn main(@builtin(workgroup_id) w: vec3u, @builtin(local_invocation_index) l: u32) {
  let i = (w.y * p.workgroupsPerRow + w.x) * ${workgroupSize}u + l;
  if (i < p.n) { y[i] = x[i] * p.a + p.b; }
}`,
};

export function affineDispatch(n: number, a: number, b: number): { workgroups: [number, number, number]; uniforms: ArrayBuffer } {
  const groups = Math.max(1, Math.ceil(n / workgroupSize));
  const perRow = Math.min(groups, maxWorkgroupsPerDimension);
  const uniforms = new ArrayBuffer(16);
  new Uint32Array(uniforms, 0, 1)[0] = n;
  new Float32Array(uniforms, 4, 2).set([a, b]);
  new Uint32Array(uniforms, 12, 1)[0] = perRow;
  return { workgroups: [perRow, Math.ceil(groups / perRow), 1], uniforms };
}

/** Each of 4096 invocations iterates `iterations` times; the result is a deterministic checksum. */
export const spin: KernelVariant = {
  key: 'stress-spin',
  wgsl: () => `
@group(0) @binding(0) var<storage, read_write> out: array<u32>;
@group(0) @binding(1) var<uniform> iterations: vec4u;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3u) {
  var h = g.x * 2654435761u;
  for (var k = 0u; k < iterations.x; k++) { h = (h ^ (h >> 13u)) * 1274126177u + k; }
  out[g.x] = h;
}`,
};
export const spinInvocations = 4096;

export function spinReference(invocation: number, iterations: number): number {
  let h = Math.imul(invocation, 2654435761) >>> 0;
  for (let k = 0; k < iterations; k++) h = (Math.imul((h ^ (h >>> 13)) >>> 0, 1274126177) + k) >>> 0;
  return h;
}
