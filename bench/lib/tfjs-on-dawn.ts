/**
 * tfjs-backend-webgpu 4.22 on the project's own Dawn device, so both libraries share one GPU in one
 * process. tfjs only checks that `navigator.gpu` exists; it is given our device directly.
 */
import type { GpuRuntime } from '../../engine/backend/webgpu/runtime.ts';

/** The part of tfjs-core the benchmarks use (typed by hand: tfjs ships an old @webgpu/types that clashes). */
export interface TfTensor {
  shape: number[];
  data(): Promise<Float32Array>;
  dispose(): void;
}
export interface Tf {
  randomNormal(shape: number[]): TfTensor;
  matMul(a: TfTensor, b: TfTensor, transposeA?: boolean, transposeB?: boolean): TfTensor;
  softmax(x: TfTensor, dim?: number): TfTensor;
  transpose(x: TfTensor, perm?: number[]): TfTensor;
  reshape(x: TfTensor, shape: number[]): TfTensor;
  mul(a: TfTensor, b: TfTensor | number): TfTensor;
  slice(x: TfTensor, begin: number[], size: number[]): TfTensor;
  tidy<T>(fn: () => T): T;
  scalar(v: number): TfTensor;
  moments(x: TfTensor, axis: number, keepDims: boolean): { mean: TfTensor; variance: TfTensor };
  sub(a: TfTensor, b: TfTensor | number): TfTensor;
  rsqrt(x: TfTensor): TfTensor;
  add(a: TfTensor, b: TfTensor | number): TfTensor;
  erf(x: TfTensor): TfTensor;
  unstack(x: TfTensor, axis: number): TfTensor[];
  concat(xs: TfTensor[], axis: number): TfTensor;
  tile(x: TfTensor, reps: number[]): TfTensor;
  fill(shape: number[], value: number): TfTensor;
  variable(x: TfTensor): TfTensor;
  tensor(values: Float32Array, shape: number[]): TfTensor;
  tensor1d(values: Int32Array, dtype: 'int32'): TfTensor;
  oneHot(indices: TfTensor, depth: number): TfTensor;
  losses: { softmaxCrossEntropy(onehot: TfTensor, logits: TfTensor, weights?: TfTensor, labelSmoothing?: number): TfTensor };
  train: { adam(lr: number): { minimize(f: () => TfTensor, returnCost: boolean, varList: TfTensor[]): TfTensor | null; dispose(): void } };
  memory(): { numTensors: number; numBytes: number };
}

/** Layer norm over the last axis as tfjs users write it (tfjs has no fused op; its batchNorm gradient rejects these ranks). */
export function tfjsLayerNorm(tf: Tf, x: TfTensor, gamma: TfTensor, beta: TfTensor, eps: number): TfTensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

export async function tfjsOnDevice(runtime: GpuRuntime): Promise<Tf> {
  const navigatorLike = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (!navigatorLike?.gpu) Object.defineProperty(globalThis, 'navigator', { value: { ...navigatorLike, gpu: {} }, configurable: true });
  const tfModule = '@tensorflow/tfjs-core';
  const backendModule = '@tensorflow/tfjs-backend-webgpu';
  const tf = await import(tfModule);
  const unionModule = '@tensorflow/tfjs';
  await import(unionModule);   // registers the gradients of every op (tfjs-core alone has none); training needs them
  const { WebGPUBackend } = await import(backendModule);
  const { adapter } = runtime.dawn;
  // tfjs registers its kernels under the backend name 'webgpu'; replace its factory with one on our device.
  tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(runtime.device, { vendor: adapter.vendor, architecture: adapter.architecture } as GPUAdapterInfo));
  await tf.setBackend('webgpu');
  await tf.ready();
  return tf as Tf;
}
