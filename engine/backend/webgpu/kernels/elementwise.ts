/**
 * Elementwise kernels: unary, binary and `where`, over strided (broadcast) inputs. Inputs that are
 * contiguous at the output's shape are read directly (their flag is part of the cache key); others go
 * through the strided offset function. Shapes and strides travel in uniforms.
 */
import type { BinaryOp, UnaryOp } from '../../backend.ts';
import { binaryEntry, unaryEntry } from '../../../elementwise-table.ts';
import type { GpuRuntime } from '../runtime.ts';
import { flatWorkgroupIndex, forEachElement, isNanFn, linearBuiltins, linearGrid, linearWorkgroupSize, maxRank, nanConst, stridedOffsetFn } from './common.ts';
import { isContiguous } from '../../../shape.ts';
import { KernelFamily } from './family.ts';
import { UniformLayout } from './uniforms.ts';

export type ElementwiseKind = { kind: 'unary'; op: UnaryOp } | { kind: 'binary'; op: BinaryOp } | { kind: 'where' };

/**
 * How an input is read at output element i: 'c' contiguous (offset + i), 'r' repeating a contiguous
 * block along leading broadcast axes (offset + i % period, e.g. a bias over rows), 's' strided.
 */
export type Access = 'c' | 'r' | 's';

export interface ElementwiseConfig {
  readonly op: ElementwiseKind;
  readonly access: readonly Access[];
}

export interface StridedInput {
  buffer: GPUBuffer;
  strides: readonly number[];
  offset: number;
}

const names = ['a', 'b', 'c'];

const layout = new UniformLayout('Params', [
  ['n', 'u32'], ['rank', 'u32'], ['offset0', 'u32'], ['offset1', 'u32'], ['offset2', 'u32'],
  ['period0', 'u32'], ['period1', 'u32'], ['period2', 'u32'],
  ['shape', 'u32x', maxRank], ['strides0', 'u32x', maxRank], ['strides1', 'u32x', maxRank], ['strides2', 'u32x', maxRank],
]);

const mathHelpers = `
${isNanFn}
fn safeTanh(x: f32) -> f32 { return tanh(clamp(x, -15.0, 15.0)); }
fn erf(v: f32) -> f32 {
  let a = abs(v);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let y = 1.0 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return select(y, -y, v < 0.0);
}
fn geluErfGrad(x: f32) -> f32 { return 0.5 * (1.0 + erf(x * 0.7071067811865476)) + x * exp(-0.5 * x * x) * 0.3989422804014327; }
fn geluTanhGrad(x: f32) -> f32 {
  let t = safeTanh(0.7978845608028654 * (x + 0.044715 * x * x * x));
  return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * 0.7978845608028654 * (1.0 + 0.134145 * x * x);
}
fn powf(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (x >= 0.0) { return pow(x, y); }
  if (fract(y) != 0.0) { return ${nanConst}; }
  let r = pow(-x, y);
  return select(r, -r, (i32(y) & 1) == 1);
}`;

/** A readable name of the configuration (profiles, errors). */
export function label(config: ElementwiseConfig): string {
  const op = config.op.kind === 'where' ? 'where' : `${config.op.kind}:${config.op.op}`;
  return `elementwise[${op}:${config.access.join('')}]`;
}

function arity(op: ElementwiseKind): number {
  return op.kind === 'unary' ? 1 : op.kind === 'binary' ? 2 : 3;
}

function expression(op: ElementwiseKind): string {
  if (op.kind === 'unary') return unaryEntry(op.op).wgsl;
  if (op.kind === 'binary') return binaryEntry(op.op).wgsl;
  return 'select(y, z, x == 0.0)';
}

export function wgsl(config: ElementwiseConfig): string {
  const inputs = arity(config.op);
  const bindings = names.slice(0, inputs).map((n, i) => `@group(0) @binding(${i}) var<storage, read> ${n}: array<f32>;`);
  const offsetFns = names.slice(0, inputs).map((_, i) => (config.access[i] === 's' ? stridedOffsetFn(`offset${i}`, 'p.shape', `p.strides${i}`, 'p.rank', `p.offset${i}`) : ''));
  const index = (i: number) => ({ c: `p.offset${i} + i`, r: `p.offset${i} + phase${i}`, s: `offset${i}(i)` })[config.access[i]];
  // A repeating read keeps its position in the period as a running remainder: no division per element.
  const repeating = names.slice(0, inputs).map((_, i) => i).filter((i) => config.access[i] === 'r');
  const setup = repeating.map((i) => `var phase${i} = firstIndex % p.period${i}; let hop${i} = ${linearWorkgroupSize}u % p.period${i};`).join('\n  ');
  const advance = repeating.map((i) => `phase${i} += hop${i}; if (phase${i} >= p.period${i}) { phase${i} -= p.period${i}; }`).join('\n    ');
  const reads = names.slice(0, inputs).map((n, i) => `let ${['x', 'y', 'z'][i]} = ${n}[${index(i)}];`);
  return `
${layout.wgsl()}
${bindings.join('\n')}
@group(0) @binding(${inputs}) var<storage, read_write> out: array<f32>;
@group(0) @binding(${inputs + 1}) var<uniform> p: Params;
${mathHelpers}
${offsetFns.join('\n')}
@compute @workgroup_size(${linearWorkgroupSize}) fn main(${linearBuiltins}) {
  ${flatWorkgroupIndex}
  ${forEachElement('p.n', `${reads.join(' ')}\n    out[i] = ${expression(config.op)};`, setup, advance)}
}`;
}

const family = new KernelFamily('elementwise', wgsl, label);

/** Records the kernel: `inputs` are read at `shape` through their strides; `out` gets the result. */
export function dispatch(runtime: GpuRuntime, op: ElementwiseKind, shape: readonly number[], inputs: readonly StridedInput[], out: GPUBuffer): void {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const reads = inputs.map((input) => accessOf(shape, input.strides));
  const config: ElementwiseConfig = { op, access: reads.map((r) => r.access) };
  const uniforms = layout.pack({
    n, rank: shape.length, shape,
    period0: reads[0]?.period ?? 1, period1: reads[1]?.period ?? 1, period2: reads[2]?.period ?? 1,
    offset0: inputs[0]?.offset ?? 0, offset1: inputs[1]?.offset ?? 0, offset2: inputs[2]?.offset ?? 0,
    strides0: inputs[0]?.strides ?? [], strides1: inputs[1]?.strides ?? [], strides2: inputs[2]?.strides ?? [],
  });
  runtime.dispatch(family.variant(config), [...inputs.map((x) => x.buffer), out],
    linearGrid(n), uniforms);
}

/** Classifies how a view with `strides` is read at output `shape` (see Access). */
export function accessOf(shape: readonly number[], strides: readonly number[]): { access: Access; period: number } {
  if (isContiguous(shape, strides)) return { access: 'c', period: 1 };
  let period = 1;
  let d = shape.length - 1;
  for (; d >= 0 && (shape[d] === 1 || strides[d] === period); d--) period *= shape[d];
  for (let lead = d; lead >= 0; lead--) if (strides[lead] !== 0 && shape[lead] !== 1) return { access: 's', period: 1 };
  return { access: 'r', period };
}
