/** Tensor creation: from data, constants, ranges and the seeded random generator. */
import type { Backend } from '../backend/backend.ts';
import { getBackend } from '../backend/registry.ts';
import { ShapeError } from '../errors.ts';
import { Random } from '../random.ts';
import { sizeOf, type Shape } from '../shape.ts';
import { Tensor } from '../tensor.ts';

/** The engine-wide generator used when no generator is passed. */
export const defaultRandom = new Random(0);

export function manualSeed(seed: number): void {
  defaultRandom.seed(seed);
}

function checkShape(shape: Shape): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ShapeError(`invalid shape [${shape}]`, 'dimensions must be non-negative integers');
}

export function fromArray(values: Float32Array | readonly number[], shape: Shape = [values.length], backend: Backend = getBackend()): Tensor {
  checkShape(shape);
  if (sizeOf(shape) !== values.length) throw new ShapeError(`${values.length} values do not fill shape [${shape}]`);
  const data = values instanceof Float32Array ? values : Float32Array.from(values);
  return Tensor.fromBuffer(backend, backend.upload(data), shape);
}

type Nested = number | readonly Nested[];

/** A tensor from nested arrays (shape inferred) or a flat array with an explicit shape. */
export function tensor(values: Nested | Float32Array, shape?: Shape, backend: Backend = getBackend()): Tensor {
  if (values instanceof Float32Array) return fromArray(values, shape ?? [values.length], backend);
  const inferred: number[] = [];
  for (let v: Nested = values; Array.isArray(v); v = (v as readonly Nested[])[0]) inferred.push((v as readonly Nested[]).length);
  const flat = (Array.isArray(values) ? (values as unknown[]).flat(Infinity) : [values]) as number[];
  return fromArray(flat, shape ?? inferred, backend);
}

export function scalar(value: number, backend: Backend = getBackend()): Tensor {
  return fromArray([value], [], backend);
}

export function full(shape: Shape, value: number, backend: Backend = getBackend()): Tensor {
  checkShape(shape);
  return fromArray(new Float32Array(sizeOf(shape)).fill(value), shape, backend);
}

export function zeros(shape: Shape, backend: Backend = getBackend()): Tensor {
  return full(shape, 0, backend);
}

export function ones(shape: Shape, backend: Backend = getBackend()): Tensor {
  return full(shape, 1, backend);
}

export function arange(start: number, end?: number, step = 1, backend: Backend = getBackend()): Tensor {
  const [from, to] = end === undefined ? [0, start] : [start, end];
  const n = Math.max(0, Math.ceil((to - from) / step));
  return fromArray(Float32Array.from({ length: n }, (_, i) => from + i * step), [n], backend);
}

export function randn(shape: Shape, options: { std?: number; mean?: number; random?: Random; backend?: Backend } = {}): Tensor {
  checkShape(shape);
  const { std = 1, mean = 0, random = defaultRandom, backend = getBackend() } = options;
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = mean + std * random.normal();
  return fromArray(values, shape, backend);
}

export function rand(shape: Shape, options: { low?: number; high?: number; random?: Random; backend?: Backend } = {}): Tensor {
  checkShape(shape);
  const { low = 0, high = 1, random = defaultRandom, backend = getBackend() } = options;
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) values[i] = low + (high - low) * random.uniform();
  return fromArray(values, shape, backend);
}

/** Truncated normal in [mean - 2std, mean + 2std] by resampling (timm's trunc_normal_ default). */
export function truncatedNormal(shape: Shape, options: { std?: number; random?: Random; backend?: Backend } = {}): Tensor {
  const { std = 1, random = defaultRandom, backend = getBackend() } = options;
  const values = new Float32Array(sizeOf(shape));
  for (let i = 0; i < values.length; i++) {
    let v: number;
    do v = random.normal(); while (Math.abs(v) > 2);
    values[i] = v * std;
  }
  return fromArray(values, shape, backend);
}

/** A trainable leaf: a copy of `values` with requiresGrad set. */
export function param(values: Float32Array | readonly number[], shape: Shape): Tensor {
  return fromArray(values, shape).keep().requireGrad();
}
