/**
 * The one gradient table: for each recorded op, a rule mapping the output's gradient to one gradient
 * per input (undefined where none flows), written only in engine ops. Rules run under noGrad() inside
 * tidy(), so temporaries are freed; saved tensors come from the op's GradNode.
 */
import type { GradNode } from './tape.ts';
import type { Tensor } from '../tensor.ts';
import * as ops from '../ops/index.ts';
import { sizeOf } from '../shape.ts';

type Rule = (dy: Tensor, node: GradNode) => (Tensor | undefined)[];

const sumTo = ops.sumTo;

/** Gradient of a reduction, broadcast back over the reduced axes. */
function unreduce(dy: Tensor, input: Tensor, attrs: GradNode['attrs']): Tensor {
  const axes = attrs.axes as number[];
  const kept = input.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return ops.expand(ops.reshape(dy, kept), input.shape);
}

function extremumRule(dy: Tensor, { inputs: [x], saved: [xs, out], attrs }: GradNode): Tensor[] {
  const axes = attrs.axes as number[];
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const mask = ops.eq(xs, ops.reshape(out, kept));
  const count = ops.sum(mask, axes, true);
  return [mask.mul(unreduce(dy, x, attrs)).div(count)];
}

/** d/da and d/db of max/min(a, b): the larger (smaller) side gets the gradient; ties split it. */
function pairwiseExtremumRule(dy: Tensor, { inputs: [a, b], saved: [as, bs] }: GradNode, larger: boolean): Tensor[] {
  const wins = larger ? ops.gt(as, bs) : ops.lt(as, bs);
  const ties = ops.eq(as, bs).mul(0.5);
  const toA = wins.add(ties);
  const toB = ops.sub(1, toA);
  return [sumTo(dy.mul(toA), a.shape), sumTo(dy.mul(toB), b.shape)];
}

export const gradientRules = {
  add: (dy, { inputs: [a, b] }) => [sumTo(dy, a.shape), sumTo(dy, b.shape)],
  sub: (dy, { inputs: [a, b] }) => [sumTo(dy, a.shape), sumTo(dy.neg(), b.shape)],
  mul: (dy, { inputs: [a, b], saved: [as, bs] }) => [sumTo(dy.mul(bs), a.shape), sumTo(dy.mul(as), b.shape)],
  div: (dy, { inputs: [a, b], saved: [as, bs] }) => [
    sumTo(dy.div(bs), a.shape),
    sumTo(dy.mul(as).div(bs.square()).neg(), b.shape),
  ],
  pow: (dy, { inputs: [a, b], saved: [as, bs, out] }) => [
    sumTo(dy.mul(bs).mul(ops.pow(as, bs.sub(1))), a.shape),
    b.requiresGrad ? sumTo(dy.mul(out).mul(as.log()), b.shape) : undefined,
  ],
  maximum: (dy, node) => pairwiseExtremumRule(dy, node, true),
  minimum: (dy, node) => pairwiseExtremumRule(dy, node, false),

  neg: (dy) => [dy.neg()],
  exp: (dy, { saved: [out] }) => [dy.mul(out)],
  log: (dy, { saved: [x] }) => [dy.div(x)],
  sqrt: (dy, { saved: [out] }) => [dy.mul(0.5).div(out)],
  rsqrt: (dy, { saved: [out] }) => [dy.mul(out.square().mul(out)).mul(-0.5)],
  abs: (dy, { saved: [x] }) => [dy.mul(ops.sign(x))],
  relu: (dy, { saved: [x] }) => [dy.mul(ops.step(x))],
  tanh: (dy, { saved: [out] }) => [dy.mul(ops.sub(1, out.square()))],
  sigmoid: (dy, { saved: [out] }) => [dy.mul(out).mul(ops.sub(1, out))],
  square: (dy, { saved: [x] }) => [dy.mul(x).mul(2)],
  reciprocal: (dy, { saved: [out] }) => [dy.mul(out.square()).neg()],
  geluTanh: (dy, { saved: [x] }) => [ops.binary('geluTanhBackward', x, dy)],
  geluErf: (dy, { saved: [x] }) => [ops.binary('geluErfBackward', x, dy)],
  where: (dy, { inputs: [, a, b], saved: [cond] }) => [
    undefined,
    sumTo(ops.where(cond, dy, 0), a.shape),
    sumTo(ops.where(cond, 0, dy), b.shape),
  ],

  sum: (dy, { inputs: [x], attrs }) => [unreduce(dy, x, attrs)],
  max: extremumRule,
  min: extremumRule,

  matmul: (dy, { inputs: [a, b, bias], saved: [as, bs], attrs }) => {
    const dBias = bias ? [sumTo(dy, bias.shape)] : [];
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const da = transposeA
      ? ops.matmul(bs, dy, { transposeA: transposeB, transposeB: true })
      : ops.matmul(dy, bs, { transposeA: false, transposeB: !transposeB });
    // A weight shared across a batch (x [..., M, K] · W [K, N]): fold the batch into one GEMM over all
    // rows instead of per-batch products summed afterwards.
    if (b.rank === 2 && as.rank > 2 && !transposeA) {
      const flatRows = (t: Tensor) => ops.reshape(t, [sizeOf(t.shape.slice(0, -1)), t.shape[t.rank - 1]]);   // not -1: K may be 0
      const rows = flatRows(as);
      const dRows = flatRows(dy);
      const db = transposeB ? ops.matmul(dRows, rows, { transposeA: true }) : ops.matmul(rows, dRows, { transposeA: true });
      return [sumTo(da, a.shape), db, ...dBias];
    }
    const db = transposeB
      ? ops.matmul(dy, as, { transposeA: true, transposeB: transposeA })
      : ops.matmul(as, dy, { transposeA: !transposeA, transposeB: false });
    return [sumTo(da, a.shape), sumTo(db, b.shape), ...dBias];
  },

  softmax: (dy, { saved: [y] }) => [y.mul(dy.sub(dy.mul(y).sum(-1, true)))],
  logSoftmax: (dy, { saved: [y] }) => [dy.sub(y.exp().mul(dy.sum(-1, true)))],
  crossEntropy: (dy, { saved: [logits, labels], attrs }) => {
    const smoothing = attrs.smoothing as number;
    const [n, classes] = logits.shape;
    const oneHot = ops.eq(labels.reshape([n, 1]), ops.arange(classes, undefined, 1, logits.backend).reshape([1, classes]));
    const target = oneHot.mul(1 - smoothing).add(smoothing / classes);
    return [ops.softmax(logits).sub(target).mul(dy.reshape([n, 1]))];
  },
  layerNorm: (dy, { inputs: [, gamma, beta], saved: [x, g, mean, rstd] }) => {
    const [dx, dgamma, dbeta] = ops.layerNormBackward(dy, x, g, mean, rstd);
    return [dx, dgamma.reshape(gamma.shape), dbeta.reshape(beta.shape)];
  },

  attention: (dy, { saved: [q, k, v, out, lse], attrs }) => ops.attentionBackward(dy, q, k, v, out, lse, attrs.scale as number),
  selfAttention: (dy, { saved: [qkv, out, lse], attrs }) => [ops.selfAttentionBackward(dy, qkv, out, lse, attrs.heads as number, attrs.scale as number)],

  reshape: (dy, { attrs }) => [ops.reshape(dy, attrs.shape as number[])],
  permute: (dy, { attrs }) => {
    const order = attrs.order as number[];
    const inverse = order.map((_, i) => order.indexOf(i));
    return [ops.permute(dy, inverse)];
  },
  expand: (dy, { attrs }) => [sumTo(dy, attrs.shape as number[])],
  slice: (dy, { attrs }) => {
    const starts = attrs.starts as number[];
    const shape = attrs.shape as number[];
    return [ops.pad(dy, starts.map((s, i) => [s, shape[i] - s - dy.shape[i]] as const))];
  },
  identity: (dy) => [ops.detach(dy)],
  concat: (dy, { attrs }) => {
    const axis = attrs.axis as number;
    let start = 0;
    return (attrs.sizes as number[]).map((size) => {
      const starts = dy.shape.map((_, i) => (i === axis ? start : 0));
      const ends = dy.shape.map((d, i) => (i === axis ? start + size : d));
      start += size;
      return ops.slice(dy, starts, ends);
    });
  },
  pad: (dy, { inputs: [x], attrs }) => {
    const pads = attrs.pads as [number, number][];
    return [ops.slice(dy, pads.map(([before]) => before), pads.map(([before], i) => before + x.shape[i]))];
  },
  gather: (dy, { saved: [indices], attrs }) => [ops.scatterAdd(attrs.shape as number[], attrs.axis as number, indices, dy)],
  scatterAdd: (dy, { saved: [indices], attrs }) => [ops.gather(dy, attrs.axis as number, indices)],
} satisfies Record<string, Rule>;

export type OpName = keyof typeof gradientRules;
