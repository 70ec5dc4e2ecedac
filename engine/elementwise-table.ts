/**
 * Every elementwise op, declared once: its math for the CPU backend, its WGSL expression (over x, and y
 * for binary ops), what its gradient rule needs saved (absent: the op has no gradient) and the inputs its
 * tests draw. The op unions, the CPU kernels, the WGSL expressions, the ops' save policy and the test
 * catalogue's domains derive from this table; the gradient rules stay in autograd/gradients.ts, one table.
 */
import { geluErf, geluErfGrad, geluTanh, geluTanhGrad, sigmoid } from './backend/cpu/math.ts';

/** Inputs a test draws: any, positive, |x| away from 0 (kinks), pairwise distinct (ties). */
export type Domain = 'any' | 'positive' | 'awayFromZero' | 'distinct';

interface UnaryEntry {
  cpu: (x: number) => number;
  wgsl: string;
  saves?: 'input' | 'output' | 'nothing';
  domain: Domain;
}

interface BinaryEntry {
  cpu: (a: number, b: number) => number;
  wgsl: string;
  saves?: 'inputs' | 'inputsAndOutput' | 'nothing';
  domains: readonly [Domain, Domain];
}

const bool = (b: boolean) => (b ? 1 : 0);
const select = (test: string) => `select(0.0, 1.0, ${test})`;

export const unaryTable = {
  neg: { cpu: (x) => -x, wgsl: '-x', saves: 'nothing', domain: 'any' },
  exp: { cpu: Math.exp, wgsl: 'exp(x)', saves: 'output', domain: 'any' },
  log: { cpu: Math.log, wgsl: 'log(x)', saves: 'input', domain: 'positive' },
  sqrt: { cpu: Math.sqrt, wgsl: 'sqrt(x)', saves: 'output', domain: 'positive' },
  rsqrt: { cpu: (x) => 1 / Math.sqrt(x), wgsl: 'inverseSqrt(x)', saves: 'output', domain: 'positive' },
  abs: { cpu: Math.abs, wgsl: 'abs(x)', saves: 'input', domain: 'awayFromZero' },
  relu: { cpu: (x) => (x > 0 ? x : 0), wgsl: 'select(x, 0.0, x <= 0.0)', saves: 'input', domain: 'awayFromZero' },
  tanh: { cpu: Math.tanh, wgsl: 'safeTanh(x)', saves: 'output', domain: 'any' },
  sigmoid: { cpu: sigmoid, wgsl: '1.0 / (1.0 + exp(-x))', saves: 'output', domain: 'any' },
  sign: { cpu: Math.sign, wgsl: 'sign(x)', domain: 'awayFromZero' },
  square: { cpu: (x) => x * x, wgsl: 'x * x', saves: 'input', domain: 'any' },
  reciprocal: { cpu: (x) => 1 / x, wgsl: '1.0 / x', saves: 'output', domain: 'positive' },
  geluTanh: { cpu: geluTanh, wgsl: '0.5 * x * (1.0 + safeTanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))', saves: 'input', domain: 'any' },
  geluErf: { cpu: geluErf, wgsl: '0.5 * x * (1.0 + erf(x * 0.7071067811865476))', saves: 'input', domain: 'any' },
  step: { cpu: (x) => (x > 0 ? 1 : 0), wgsl: 'select(0.0, 1.0, x > 0.0)', domain: 'awayFromZero' },
} satisfies Record<string, UnaryEntry>;

export const binaryTable = {
  add: { cpu: (a, b) => a + b, wgsl: 'x + y', saves: 'nothing', domains: ['any', 'any'] },
  sub: { cpu: (a, b) => a - b, wgsl: 'x - y', saves: 'nothing', domains: ['any', 'any'] },
  mul: { cpu: (a, b) => a * b, wgsl: 'x * y', saves: 'inputs', domains: ['any', 'any'] },
  div: { cpu: (a, b) => a / b, wgsl: 'x / y', saves: 'inputs', domains: ['any', 'positive'] },
  pow: { cpu: Math.pow, wgsl: 'powf(x, y)', saves: 'inputsAndOutput', domains: ['positive', 'any'] },
  maximum: { cpu: (a, b) => (a !== a || b !== b ? NaN : Math.max(a, b)), wgsl: 'select(max(x, y), x + y, isNan(x) || isNan(y))', saves: 'inputs', domains: ['distinct', 'distinct'] },
  minimum: { cpu: (a, b) => (a !== a || b !== b ? NaN : Math.min(a, b)), wgsl: 'select(min(x, y), x + y, isNan(x) || isNan(y))', saves: 'inputs', domains: ['distinct', 'distinct'] },
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

/** The entries, typed for lookups by a runtime op name. */
export const unaryEntry = (op: UnaryOp): UnaryEntry => unaryTable[op];
export const binaryEntry = (op: BinaryOp): BinaryEntry => binaryTable[op];
