/**
 * Every elementwise op, declared once: its math for the CPU backend, its WGSL expression (over x, and y
 * for binary ops), what its gradient rule needs saved and the rule itself (both absent: the op has no
 * gradient), and the inputs its tests draw. The op unions, the CPU kernels, the WGSL expressions, the ops'
 * save policy, the recorded saves' types (autograd/node.ts), the gradient table's elementwise rows
 * (autograd/gradients.ts) and the test catalogue's domains all derive from this table.
 */
import { geluErf, geluErfGrad, geluTanh, geluTanhGrad, sigmoid } from './backend/cpu/math.ts';
import type { Tensor, TensorLike } from './tensor.ts';

/** Inputs a test draws: any, positive, |x| away from 0 (kinks), pairwise distinct (ties). */
export type Domain = 'any' | 'positive' | 'awayFromZero' | 'distinct';

/**
 * The engine ops the rules below are written in, handed to them by the gradient table (this module sits
 * under ops/, so it takes them as an argument rather than importing them).
 */
export interface GradientOps {
  sign(x: Tensor): Tensor;
  step(x: Tensor): Tensor;
  sub(a: TensorLike, b: TensorLike): Tensor;
  pow(a: TensorLike, b: TensorLike): Tensor;
  gt(a: TensorLike, b: TensorLike): Tensor;
  lt(a: TensorLike, b: TensorLike): Tensor;
  eq(a: TensorLike, b: TensorLike): Tensor;
  binary(op: 'geluErfBackward' | 'geluTanhBackward', a: TensorLike, b: TensorLike): Tensor;
}

/** What each save policy hands the rule, in order. */
export interface SavedBy {
  nothing: [];
  input: [x: Tensor];
  output: [out: Tensor];
  inputs: [a: Tensor, b: Tensor];
  inputsAndOutput: [a: Tensor, b: Tensor, out: Tensor];
}

type UnaryRule<S extends keyof SavedBy> = (dy: Tensor, saved: Readonly<SavedBy[S]>, ops: GradientOps) => Tensor;
/** `needs[i]`: input i wants a gradient (a rule may skip computing the others). */
type BinaryRule<S extends keyof SavedBy> = (dy: Tensor, saved: Readonly<SavedBy[S]>, needs: readonly boolean[], ops: GradientOps) => [Tensor | undefined, Tensor | undefined];

type UnaryEntry = { cpu: (x: number) => number; wgsl: string; domain: Domain } & (
  | { saves?: undefined; grad?: undefined }
  | { saves: 'nothing'; grad: UnaryRule<'nothing'> }
  | { saves: 'input'; grad: UnaryRule<'input'> }
  | { saves: 'output'; grad: UnaryRule<'output'> });

type BinaryEntry = { cpu: (a: number, b: number) => number; wgsl: string; domains: readonly [Domain, Domain] } & (
  | { saves?: undefined; grad?: undefined }
  | { saves: 'nothing'; grad: BinaryRule<'nothing'> }
  | { saves: 'inputs'; grad: BinaryRule<'inputs'> }
  | { saves: 'inputsAndOutput'; grad: BinaryRule<'inputsAndOutput'> });

/** Only what is needed: `fn` runs for an input that wants a gradient. */
export const when = (need: boolean, fn: () => Tensor): Tensor | undefined => (need ? fn() : undefined);

/** d/da and d/db of max/min(a, b): the larger (smaller) side gets the gradient; ties split it. */
function pairwiseExtremum(larger: boolean): BinaryRule<'inputs'> {
  return (dy, [as, bs], needs, ops) => {
    const wins = larger ? ops.gt(as, bs) : ops.lt(as, bs);
    const toA = wins.add(ops.eq(as, bs).mul(0.5));
    return [when(needs[0], () => dy.mul(toA)), when(needs[1], () => dy.mul(ops.sub(1, toA)))];
  };
}

const bool = (b: boolean) => (b ? 1 : 0);
const select = (test: string) => `select(0.0, 1.0, ${test})`;

export const unaryTable = {
  neg: { cpu: (x) => -x, wgsl: '-x', saves: 'nothing', grad: (dy) => dy.neg(), domain: 'any' },
  exp: { cpu: Math.exp, wgsl: 'exp(x)', saves: 'output', grad: (dy, [out]) => dy.mul(out), domain: 'any' },
  log: { cpu: Math.log, wgsl: 'log(x)', saves: 'input', grad: (dy, [x]) => dy.div(x), domain: 'positive' },
  sqrt: { cpu: Math.sqrt, wgsl: 'sqrt(x)', saves: 'output', grad: (dy, [out]) => dy.mul(0.5).div(out), domain: 'positive' },
  rsqrt: { cpu: (x) => 1 / Math.sqrt(x), wgsl: 'inverseSqrt(x)', saves: 'output', grad: (dy, [out]) => dy.mul(out.square().mul(out)).mul(-0.5), domain: 'positive' },
  abs: { cpu: Math.abs, wgsl: 'abs(x)', saves: 'input', grad: (dy, [x], ops) => dy.mul(ops.sign(x)), domain: 'awayFromZero' },
  relu: { cpu: (x) => (x > 0 ? x : 0), wgsl: 'select(x, 0.0, x <= 0.0)', saves: 'input', grad: (dy, [x], ops) => dy.mul(ops.step(x)), domain: 'awayFromZero' },
  tanh: { cpu: Math.tanh, wgsl: 'safeTanh(x)', saves: 'output', grad: (dy, [out], ops) => dy.mul(ops.sub(1, out.square())), domain: 'any' },
  sigmoid: { cpu: sigmoid, wgsl: '1.0 / (1.0 + exp(-x))', saves: 'output', grad: (dy, [out], ops) => dy.mul(out).mul(ops.sub(1, out)), domain: 'any' },
  sign: { cpu: Math.sign, wgsl: 'sign(x)', domain: 'awayFromZero' },
  square: { cpu: (x) => x * x, wgsl: 'x * x', saves: 'input', grad: (dy, [x]) => dy.mul(x).mul(2), domain: 'any' },
  reciprocal: { cpu: (x) => 1 / x, wgsl: '1.0 / x', saves: 'output', grad: (dy, [out]) => dy.mul(out.square()).neg(), domain: 'positive' },
  geluTanh: { cpu: geluTanh, wgsl: '0.5 * x * (1.0 + safeTanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))', saves: 'input', grad: (dy, [x], ops) => ops.binary('geluTanhBackward', x, dy), domain: 'any' },
  geluErf: { cpu: geluErf, wgsl: '0.5 * x * (1.0 + erf(x * 0.7071067811865476))', saves: 'input', grad: (dy, [x], ops) => ops.binary('geluErfBackward', x, dy), domain: 'any' },
  step: { cpu: (x) => (x > 0 ? 1 : 0), wgsl: 'select(0.0, 1.0, x > 0.0)', domain: 'awayFromZero' },
} satisfies Record<string, UnaryEntry>;

export const binaryTable = {
  add: { cpu: (a, b) => a + b, wgsl: 'x + y', saves: 'nothing', grad: (dy) => [dy, dy], domains: ['any', 'any'] },
  sub: { cpu: (a, b) => a - b, wgsl: 'x - y', saves: 'nothing', grad: (dy, _, needs) => [dy, when(needs[1], () => dy.neg())], domains: ['any', 'any'] },
  mul: { cpu: (a, b) => a * b, wgsl: 'x * y', saves: 'inputs', grad: (dy, [as, bs], needs) => [when(needs[0], () => dy.mul(bs)), when(needs[1], () => dy.mul(as))], domains: ['any', 'any'] },
  div: { cpu: (a, b) => a / b, wgsl: 'x / y', saves: 'inputs', grad: (dy, [as, bs], needs) => [when(needs[0], () => dy.div(bs)), when(needs[1], () => dy.mul(as).div(bs.square()).neg())], domains: ['any', 'positive'] },
  pow: { cpu: Math.pow, wgsl: 'powf(x, y)', saves: 'inputsAndOutput', grad: (dy, [as, bs, out], needs, ops) => [when(needs[0], () => dy.mul(bs).mul(ops.pow(as, bs.sub(1)))), when(needs[1], () => dy.mul(out).mul(as.log()))], domains: ['positive', 'any'] },
  maximum: { cpu: (a, b) => (a !== a || b !== b ? NaN : Math.max(a, b)), wgsl: 'select(max(x, y), x + y, isNan(x) || isNan(y))', saves: 'inputs', grad: pairwiseExtremum(true), domains: ['distinct', 'distinct'] },
  minimum: { cpu: (a, b) => (a !== a || b !== b ? NaN : Math.min(a, b)), wgsl: 'select(min(x, y), x + y, isNan(x) || isNan(y))', saves: 'inputs', grad: pairwiseExtremum(false), domains: ['distinct', 'distinct'] },
  lt: { cpu: (a, b) => bool(a < b), wgsl: select('x < y'), domains: ['any', 'any'] },
  le: { cpu: (a, b) => bool(a <= b), wgsl: select('x <= y'), domains: ['any', 'any'] },
  gt: { cpu: (a, b) => bool(a > b), wgsl: select('x > y'), domains: ['any', 'any'] },
  ge: { cpu: (a, b) => bool(a >= b), wgsl: select('x >= y'), domains: ['any', 'any'] },
  eq: { cpu: (a, b) => bool(a === b), wgsl: select('x == y'), domains: ['any', 'any'] },
  ne: { cpu: (a, b) => bool(a !== b), wgsl: select('x != y'), domains: ['any', 'any'] },
  // GELU's backward in one pass, (x, dy) → dy·gelu′(x); gelu′ rounded to float32 first, as a separate op would.
  geluErfBackward: { cpu: (x, dy) => Math.fround(geluErfGrad(x)) * dy, wgsl: 'y * geluErfGrad(x)', domains: ['any', 'any'] },
  geluTanhBackward: { cpu: (x, dy) => Math.fround(geluTanhGrad(x)) * dy, wgsl: 'y * geluTanhGrad(x)', domains: ['any', 'any'] },
} satisfies Record<string, BinaryEntry>;

export type UnaryOp = keyof typeof unaryTable;
export type BinaryOp = keyof typeof binaryTable;
export const unaryOps = Object.keys(unaryTable) as UnaryOp[];
export const binaryOps = Object.keys(binaryTable) as BinaryOp[];

type WithRule<Table> = { [K in keyof Table]: Table[K] extends { saves: keyof SavedBy } ? K : never }[keyof Table];
/** The elementwise ops with a gradient (those that declare what to save). */
export type DifferentiableUnaryOp = WithRule<typeof unaryTable>;
export type DifferentiableBinaryOp = WithRule<typeof binaryTable>;
type PolicyOf<E> = E extends { saves: infer S extends keyof SavedBy } ? S : never;
/** What each differentiable elementwise op records for its rule (autograd/node.ts's OpSaves takes these). */
export type ElementwiseSaves = { [K in DifferentiableUnaryOp]: SavedBy[PolicyOf<(typeof unaryTable)[K]>] } & { [K in DifferentiableBinaryOp]: SavedBy[PolicyOf<(typeof binaryTable)[K]>] };

/** The entries, typed for lookups by a runtime op name. */
export const unaryEntry = (op: UnaryOp): UnaryEntry => unaryTable[op];
export const binaryEntry = (op: BinaryOp): BinaryEntry => binaryTable[op];
