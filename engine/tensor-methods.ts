/**
 * The Tensor methods that run ops (x.add(y), x.reshape(…), x.backward()), installed on the class here
 * (tfjs's chained-op pattern): tensor.ts imports no op, ops import tensor.ts, and the engine core has no
 * import cycle. engine/index.ts loads this module before anything else can use a tensor.
 */
import { backward, gradients } from './autograd/tape.ts';
import * as ops from './ops/index.ts';
import { Tensor, type TensorLike } from './tensor.ts';

declare module './tensor.ts' {
  interface Tensor {
    backward(grad?: Tensor, options?: { retainGraph?: boolean }): void;
    gradientsOf(inputs: readonly Tensor[]): Tensor[];
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    pow(other: TensorLike): Tensor;
    maximum(other: TensorLike): Tensor;
    minimum(other: TensorLike): Tensor;
    lt(other: TensorLike): Tensor;
    gt(other: TensorLike): Tensor;
    eq(other: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    rsqrt(): Tensor;
    abs(): Tensor;
    relu(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    square(): Tensor;
    gelu(approximate?: 'tanh' | 'none'): Tensor;
    sum(axes?: number | number[], keepDims?: boolean): Tensor;
    mean(axes?: number | number[], keepDims?: boolean): Tensor;
    max(axes?: number | number[], keepDims?: boolean): Tensor;
    min(axes?: number | number[], keepDims?: boolean): Tensor;
    argmax(axis: number, keepDims?: boolean): Tensor;
    matmul(other: Tensor, options?: Partial<ops.MatmulFlags>): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    reshape(shape: readonly number[]): Tensor;
    permute(order: readonly number[]): Tensor;
    transpose(a?: number, b?: number): Tensor;
    expand(shape: readonly number[]): Tensor;
    slice(starts: readonly number[], ends?: readonly number[]): Tensor;
    flatten(from?: number, to?: number): Tensor;
    unsqueeze(axis: number): Tensor;
    squeeze(axis?: number): Tensor;
    contiguous(): Tensor;
    clone(): Tensor;
    detach(): Tensor;
    zerosLike(): Tensor;
    onesLike(): Tensor;
  }
}

const methods = {
  backward(this: Tensor, grad?: Tensor, options?: { retainGraph?: boolean }) { backward(this, grad, options); },
  gradientsOf(this: Tensor, inputs: readonly Tensor[]) { return gradients(this, inputs); },
  add(this: Tensor, other: TensorLike) { return ops.add(this, other); },
  sub(this: Tensor, other: TensorLike) { return ops.sub(this, other); },
  mul(this: Tensor, other: TensorLike) { return ops.mul(this, other); },
  div(this: Tensor, other: TensorLike) { return ops.div(this, other); },
  pow(this: Tensor, other: TensorLike) { return ops.pow(this, other); },
  maximum(this: Tensor, other: TensorLike) { return ops.maximum(this, other); },
  minimum(this: Tensor, other: TensorLike) { return ops.minimum(this, other); },
  lt(this: Tensor, other: TensorLike) { return ops.lt(this, other); },
  gt(this: Tensor, other: TensorLike) { return ops.gt(this, other); },
  eq(this: Tensor, other: TensorLike) { return ops.eq(this, other); },
  neg(this: Tensor) { return ops.neg(this); },
  exp(this: Tensor) { return ops.exp(this); },
  log(this: Tensor) { return ops.log(this); },
  sqrt(this: Tensor) { return ops.sqrt(this); },
  rsqrt(this: Tensor) { return ops.rsqrt(this); },
  abs(this: Tensor) { return ops.abs(this); },
  relu(this: Tensor) { return ops.relu(this); },
  tanh(this: Tensor) { return ops.tanh(this); },
  sigmoid(this: Tensor) { return ops.sigmoid(this); },
  square(this: Tensor) { return ops.square(this); },
  gelu(this: Tensor, approximate: 'tanh' | 'none' = 'none') { return ops.gelu(this, approximate); },
  sum(this: Tensor, axes?: number | number[], keepDims = false) { return ops.sum(this, axes, keepDims); },
  mean(this: Tensor, axes?: number | number[], keepDims = false) { return ops.mean(this, axes, keepDims); },
  max(this: Tensor, axes?: number | number[], keepDims = false) { return ops.max(this, axes, keepDims); },
  min(this: Tensor, axes?: number | number[], keepDims = false) { return ops.min(this, axes, keepDims); },
  argmax(this: Tensor, axis: number, keepDims = false) { return ops.argmax(this, axis, keepDims); },
  matmul(this: Tensor, other: Tensor, options?: Partial<ops.MatmulFlags>) { return ops.matmul(this, other, options); },
  softmax(this: Tensor, axis = -1) { return ops.softmax(this, axis); },
  logSoftmax(this: Tensor, axis = -1) { return ops.logSoftmax(this, axis); },
  reshape(this: Tensor, shape: readonly number[]) { return ops.reshape(this, shape); },
  permute(this: Tensor, order: readonly number[]) { return ops.permute(this, order); },
  transpose(this: Tensor, a = -2, b = -1) { return ops.transpose(this, a, b); },
  expand(this: Tensor, shape: readonly number[]) { return ops.expand(this, shape); },
  slice(this: Tensor, starts: readonly number[], ends?: readonly number[]) { return ops.slice(this, starts, ends); },
  flatten(this: Tensor, from = 0, to = -1) { return ops.flatten(this, from, to); },
  unsqueeze(this: Tensor, axis: number) { return ops.unsqueeze(this, axis); },
  squeeze(this: Tensor, axis?: number) { return ops.squeeze(this, axis); },
  contiguous(this: Tensor) { return ops.contiguous(this); },
  clone(this: Tensor) { return ops.clone(this); },
  detach(this: Tensor) { return ops.detach(this); },
  zerosLike(this: Tensor) { return ops.zeros(this.shape, this.backend); },
  onesLike(this: Tensor) { return ops.ones(this.shape, this.backend); },
} satisfies { [K in keyof Tensor]?: (this: Tensor, ...args: never[]) => unknown };

Object.assign(Tensor.prototype, methods);
