/** Elementwise ops with broadcasting. Each differentiable op records itself; rules: ../autograd/gradients.ts. */
import { binaryEntry, unaryEntry, type BinaryOp, type UnaryOp } from '../elementwise-table.ts';
import { record, type OpName } from '../autograd/node.ts';
import { MangoError } from '../errors.ts';
import { broadcastShapes, broadcastStrides, type Shape } from '../shape.ts';
import { Tensor, type TensorLike } from '../tensor.ts';
import { scalar } from './create.ts';

/** The tensors' shared backend; numbers become scalars on it. */
export function asTensors(values: readonly TensorLike[]): Tensor[] {
  const first = values.find((v): v is Tensor => v instanceof Tensor);
  if (!first) throw new MangoError('an op got only plain numbers', 'pass at least one tensor');
  const backend = first.backend;
  return values.map((v) => {
    if (typeof v === 'number') return scalar(v, backend);
    if (v.backend !== backend) {
      throw new MangoError(`tensors on the ${v.backend.name} and ${backend.name} backends were mixed in one op`, 'move them to one backend first');
    }
    return v;
  });
}

function disposeTemporaries(values: readonly TensorLike[], tensors: readonly Tensor[]): void {
  values.forEach((v, i) => { if (typeof v === 'number') tensors[i].dispose(); });
}

/** A broadcast view of `t` at `shape`, for backends. */
export function broadcastView(t: Tensor, shape: Shape) {
  const v = t.view();
  return { ...v, shape, strides: broadcastStrides(v.shape, v.strides, shape) };
}

type DifferentiableUnary = Extract<UnaryOp, OpName>;
type DifferentiableBinary = Extract<BinaryOp, OpName>;

/** An op with a gradient declares what its rule needs saved (elementwise-table.ts); the others record nothing. */
const isDifferentiableUnary = (op: UnaryOp): op is DifferentiableUnary => unaryEntry(op).saves !== undefined;
const isDifferentiableBinary = (op: BinaryOp): op is DifferentiableBinary => binaryEntry(op).saves !== undefined;

export function unary(op: UnaryOp, x: Tensor, differentiable: boolean): Tensor {
  const out = Tensor.fromBuffer(x.backend, x.backend.unary(op, x.view()), x.shape);
  if (!differentiable) return out;
  if (!isDifferentiableUnary(op)) throw new MangoError(`unary op ${op} has no gradient rule`, 'this is an engine bug; please report it');
  const saves = unaryEntry(op).saves;
  return record(out, op, [x], saves === 'output' ? [out] : saves === 'input' ? [x] : []);
}

export function binary(op: BinaryOp, aLike: TensorLike, bLike: TensorLike): Tensor {
  const tensors = asTensors([aLike, bLike]);
  const [a, b] = tensors;
  const shape = broadcastShapes(a.shape, b.shape);
  const out = Tensor.fromBuffer(a.backend, a.backend.binary(op, broadcastView(a, shape), broadcastView(b, shape)), shape);
  if (isDifferentiableBinary(op)) {
    const saves = binaryEntry(op).saves;
    record(out, op, [a, b], saves === 'inputsAndOutput' ? [a, b, out] : saves === 'inputs' ? [a, b] : []);
  }
  disposeTemporaries([aLike, bLike], tensors);
  return out;
}

export const add = (a: TensorLike, b: TensorLike) => binary('add', a, b);
export const sub = (a: TensorLike, b: TensorLike) => binary('sub', a, b);
export const mul = (a: TensorLike, b: TensorLike) => binary('mul', a, b);
export const div = (a: TensorLike, b: TensorLike) => binary('div', a, b);
export const pow = (a: TensorLike, b: TensorLike) => binary('pow', a, b);
export const maximum = (a: TensorLike, b: TensorLike) => binary('maximum', a, b);
export const minimum = (a: TensorLike, b: TensorLike) => binary('minimum', a, b);
export const lt = (a: TensorLike, b: TensorLike) => binary('lt', a, b);
export const le = (a: TensorLike, b: TensorLike) => binary('le', a, b);
export const gt = (a: TensorLike, b: TensorLike) => binary('gt', a, b);
export const ge = (a: TensorLike, b: TensorLike) => binary('ge', a, b);
export const eq = (a: TensorLike, b: TensorLike) => binary('eq', a, b);
export const ne = (a: TensorLike, b: TensorLike) => binary('ne', a, b);

export const neg = (x: Tensor) => unary('neg', x, true);
export const exp = (x: Tensor) => unary('exp', x, true);
export const log = (x: Tensor) => unary('log', x, true);
export const sqrt = (x: Tensor) => unary('sqrt', x, true);
export const rsqrt = (x: Tensor) => unary('rsqrt', x, true);
export const abs = (x: Tensor) => unary('abs', x, true);
export const relu = (x: Tensor) => unary('relu', x, true);
export const tanh = (x: Tensor) => unary('tanh', x, true);
export const sigmoid = (x: Tensor) => unary('sigmoid', x, true);
export const square = (x: Tensor) => unary('square', x, true);
export const reciprocal = (x: Tensor) => unary('reciprocal', x, true);
export const sign = (x: Tensor) => unary('sign', x, false);
export const step = (x: Tensor) => unary('step', x, false);

/** GELU; 'none' is the exact erf form (PyTorch's default), 'tanh' the tanh approximation. */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return unary(approximate === 'tanh' ? 'geluTanh' : 'geluErf', x, true);
}

/** cond ? a : b with broadcasting; cond is nonzero/zero. */
export function where(condLike: TensorLike, aLike: TensorLike, bLike: TensorLike): Tensor {
  const tensors = asTensors([condLike, aLike, bLike]);
  const [cond, a, b] = tensors;
  const shape = broadcastShapes(cond.shape, a.shape, b.shape);
  const out = Tensor.fromBuffer(a.backend, a.backend.where(broadcastView(cond, shape), broadcastView(a, shape), broadcastView(b, shape)), shape);
  record(out, 'where', [cond, a, b], [cond]);
  disposeTemporaries([condLike, aLike, bLike], tensors);
  return out;
}
