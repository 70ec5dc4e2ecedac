/** AdamW: one kernel reads parameter, gradient and both moments and writes the three updated buffers. */
import type { AdamWHyper } from '../../backend.ts';
import type { GpuRuntime } from '../runtime.ts';
import { flatWorkgroupIndex, forEachElement, linearBuiltins, linearGrid, linearWorkgroupSize } from './common.ts';
import { KernelFamily } from './family.ts';
import { UniformLayout } from './uniforms.ts';

const layout = new UniformLayout('Params', [
  ['n', 'u32'], ['lr', 'f32'], ['beta1', 'f32'], ['beta2', 'f32'], ['eps', 'f32'], ['weightDecay', 'f32'],
  ['biasCorrection1', 'f32'], ['biasCorrection2', 'f32'],
]);

/** `scaled`: the gradient is multiplied by scale[0] (a device-side clipping factor) first. */
export const adamwKernel = new KernelFamily('adamw', (scaled: boolean) => `
${layout.wgsl()}
@group(0) @binding(0) var<storage, read> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read> mIn: array<f32>;
@group(0) @binding(3) var<storage, read> vIn: array<f32>;
@group(0) @binding(4) var<storage, read_write> paramOut: array<f32>;
@group(0) @binding(5) var<storage, read_write> mOut: array<f32>;
@group(0) @binding(6) var<storage, read_write> vOut: array<f32>;
${scaled ? '@group(0) @binding(7) var<storage, read> scale: array<f32>;' : ''}
@group(0) @binding(${scaled ? 8 : 7}) var<uniform> p: Params;
@compute @workgroup_size(${linearWorkgroupSize}) fn main(${linearBuiltins}) {
  ${flatWorkgroupIndex}
  ${forEachElement('p.n', `let g = grad[i]${scaled ? ' * scale[0]' : ''};
    let m = p.beta1 * mIn[i] + (1.0 - p.beta1) * g;
    let v = p.beta2 * vIn[i] + (1.0 - p.beta2) * g * g;
    mOut[i] = m;
    vOut[i] = v;
    paramOut[i] = param[i] * (1.0 - p.lr * p.weightDecay) - p.lr * (m / p.biasCorrection1) / (sqrt(v / p.biasCorrection2) + p.eps);`)}
}`, (scaled) => `adamw${scaled ? ':scaled' : ''}`);

/** buffers: param, grad, m, v (inputs), then paramOut, mOut, vOut, then the gradient scale if any. */
export function dispatch(runtime: GpuRuntime, buffers: readonly GPUBuffer[], n: number, hyper: AdamWHyper): void {
  if (n === 0) return;
  const scaled = buffers.length === 8;
  runtime.dispatch(adamwKernel.variant(scaled), buffers, linearGrid(n), layout.pack({ n, ...hyper }));
}
