/**
 * Σx² of several small contiguous tensors in one dispatch (gradient clipping's squared norms): tensor s
 * is bound as x{s}, workgroup s strides over it and tree-reduces in workgroup memory, writing
 * out[outOffset + s]. One dispatch per `slots` tensors instead of one or two per tensor.
 */
import type { GpuRuntime } from '../runtime.ts';
import { workgroupReductions } from './common.ts';
import { KernelFamily } from './family.ts';
import { UniformLayout, at } from './uniforms.ts';

const workgroupSize = 64;
/** Most tensors in one dispatch (one binding is the output); the backend lowers it to the device's storage-buffer limit. */
export const maxSlots = 15;

const layoutFor = (slots: number) => new UniformLayout('Params', [
  ['outOffset', 'u32'], ['counts', 'u32x', slots], ['offsets', 'u32x', slots],
]);

/** A readable name of the configuration (profiles, errors). */
export function label(slots: number): string {
  return `squaredNorms[${slots}]`;
}

export function wgsl(slots: number): string {
  const cases = Array.from({ length: slots }, (_, s) =>
    `case ${s}u: { for (var i = lid; i < count; i += ${workgroupSize}u) { let v = x${s}[offset + i]; acc += v * v; } }`).join('\n    ');
  return `${layoutFor(slots).wgsl()}
${Array.from({ length: slots }, (_, s) => `@group(0) @binding(${s}) var<storage, read> x${s}: array<f32>;`).join('\n')}
@group(0) @binding(${slots}) var<storage, read_write> out: array<f32>;
@group(0) @binding(${slots + 1}) var<uniform> p: Params;
${workgroupReductions(workgroupSize)}
@compute @workgroup_size(${workgroupSize}) fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let slot = wid.x;
  let count = ${at('p.counts', 'slot')};
  let offset = ${at('p.offsets', 'slot')};
  var acc = 0.0;
  switch slot {
    ${cases}
    default: {}
  }
  let total = reduceSum(acc, lid);
  if (lid == 0u) { out[p.outOffset + slot] = total; }
}`;
}

export interface SquaredNormInput {
  buffer: GPUBuffer;
  /** first element and element count of the (contiguous) tensor in `buffer` */
  offset: number;
  count: number;
}

const family = new KernelFamily('squaredNorms', wgsl, label);

/** out[outOffset + s] = Σ inputs[s]²; at most `maxSlots` inputs. */
export function dispatch(runtime: GpuRuntime, inputs: readonly SquaredNormInput[], out: GPUBuffer, outOffset: number): void {
  const slots = inputs.length;
  if (slots === 0) return;
  if (slots > maxSlots) throw new Error(`squaredNorms takes at most ${maxSlots} tensors, got ${slots}`);
  const uniforms = layoutFor(slots).pack({ outOffset, counts: inputs.map((x) => x.count), offsets: inputs.map((x) => x.offset) });
  runtime.dispatch(family.variant(slots), [...inputs.map((x) => x.buffer), out], [slots, 1, 1], uniforms);
}
