/**
 * The one gradient table: for each recorded op, a rule mapping the output's gradient to one gradient
 * per input (undefined where none flows, or where `needs` says the input wants none), written only in
 * engine ops. The elementwise ops' rules are declared in their entries of elementwise-table.ts and enter
 * this table from there. Rules may return a gradient of the broadcast shape: the tape sums it down to the input's.
 * Rules run under noGrad() inside tidy(), so temporaries are freed; what each rule reads saved is declared,
 * per op and beside its attributes, in OpSaves (./node.ts), and type-checked at the op and here.
 */
import type { GradNode, OpName } from './node.ts';
import type { Tensor } from '../tensor.ts';
import * as ops from '../ops/index.ts';
import { binaryEntry, binaryOps, unaryEntry, unaryOps, when, type DifferentiableBinaryOp, type DifferentiableUnaryOp, type GradientOps } from '../elementwise-table.ts';
import { sizeOf } from '../shape.ts';

/** `needs[i]`: input i wants a gradient (a rule may skip computing the others). */
export type Rule<K extends OpName = OpName> = (dy: Tensor, node: GradNode<K>, needs: readonly boolean[]) => (Tensor | undefined)[];
type UnaryGradient = (dy: Tensor, saved: readonly Tensor[], ops: GradientOps) => Tensor;
type BinaryGradient = (dy: Tensor, saved: readonly Tensor[], needs: readonly boolean[], ops: GradientOps) => (Tensor | undefined)[];

/** Gradient of a reduction, broadcast back over the reduced axes. */
function unreduce(dy: Tensor, input: Tensor, axes: readonly number[]): Tensor {
  const kept = input.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return ops.expand(ops.reshape(dy, kept), input.shape);
}

function extremumRule(dy: Tensor, { inputs: [x], saved: [xs, out], attrs: { axes } }: GradNode<'max' | 'min'>): Tensor[] {
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const mask = ops.eq(xs, ops.reshape(out, kept));
  const count = ops.sum(mask, axes, true);
  return [mask.mul(unreduce(dy, x, axes)).div(count)];
}

type ElementwiseOp = DifferentiableUnaryOp | DifferentiableBinaryOp;

/** The elementwise rows: each op's rule as its entry in elementwise-table.ts declares it, handed the engine ops. */
const elementwiseRules = Object.fromEntries([
  ...unaryOps.filter((op) => unaryEntry(op).grad).map((op) => {
    const grad = unaryEntry(op).grad as unknown as UnaryGradient;
    return [op, (dy: Tensor, node: GradNode) => [grad(dy, node.saved as readonly Tensor[], ops)]];
  }),
  ...binaryOps.filter((op) => binaryEntry(op).grad).map((op) => {
    const grad = binaryEntry(op).grad as unknown as BinaryGradient;
    return [op, (dy: Tensor, node: GradNode, needs: readonly boolean[]) => grad(dy, node.saved as readonly Tensor[], needs, ops)];
  }),
]) as { [K in ElementwiseOp]: Rule<K> };

export const gradientRules = {
  ...elementwiseRules,
  where: (dy, { saved: [cond] }, needs) => [
    undefined,
    when(needs[1], () => ops.where(cond, dy, 0)),
    when(needs[2], () => ops.where(cond, 0, dy)),
  ],

  sum: (dy, { inputs: [x], attrs: { axes } }) => [unreduce(dy, x, axes)],
  max: extremumRule,
  min: extremumRule,

  matmul: (dy, { inputs: [, b, bias], saved: [as, bs], attrs: { transposeA, transposeB } }, needs) => {
    const dBias = bias ? [when(needs[2], () => dy)] : [];
    const da = when(needs[0], () => (transposeA
      ? ops.matmul(bs, dy, { transposeA: transposeB, transposeB: true })
      : ops.matmul(dy, bs, { transposeA: false, transposeB: !transposeB })));
    if (!needs[1]) return [da, undefined, ...dBias];
    // A weight shared across a batch (x [..., M, K] · W [K, N]): fold the batch into one GEMM over all
    // rows instead of per-batch products summed afterwards.
    if (b.rank === 2 && as.rank > 2 && !transposeA) {
      const flatRows = (t: Tensor) => ops.reshape(t, [sizeOf(t.shape.slice(0, -1)), t.shape[t.rank - 1]]);   // not -1: K may be 0
      const rows = flatRows(as);
      const dRows = flatRows(dy);
      const db = transposeB ? ops.matmul(dRows, rows, { transposeA: true }) : ops.matmul(rows, dRows, { transposeA: true });
      return [da, db, ...dBias];
    }
    const db = transposeB
      ? ops.matmul(dy, as, { transposeA: true, transposeB: transposeA })
      : ops.matmul(as, dy, { transposeA: !transposeA, transposeB: false });
    return [da, db, ...dBias];
  },

  softmax: (dy, { saved: [y] }) => [y.mul(dy.sub(dy.mul(y).sum(-1, true)))],
  logSoftmax: (dy, { saved: [y] }) => [dy.sub(y.exp().mul(dy.sum(-1, true)))],
  crossEntropy: (dy, { saved: [logits, labels], attrs: { smoothing } }) => {
    const [n, classes] = logits.shape;
    const oneHot = ops.eq(labels.reshape([n, 1]), ops.arange(classes, undefined, 1, logits.backend).reshape([1, classes]));
    const target = oneHot.mul(1 - smoothing).add(smoothing / classes);
    return [ops.softmax(logits).sub(target).mul(dy.reshape([n, 1]))];
  },
  layerNorm: (dy, { inputs: [, gamma, beta], saved: [x, g, mean, rstd] }) => {
    const [dx, dgamma, dbeta] = ops.layerNormBackward(dy, x, g, mean, rstd);
    return [dx, dgamma.reshape(gamma.shape), dbeta.reshape(beta.shape)];
  },

  attention: (dy, { saved: [q, k, v, out, lse], attrs: { scale, causal } }) => ops.attentionBackward(dy, q, k, v, out, lse, scale, causal),
  selfAttention: (dy, { saved: [qkv, out, lse], attrs: { heads, scale, causal } }) => [ops.selfAttentionBackward(dy, qkv, out, lse, heads, scale, causal)],

  reshape: (dy, { attrs: { shape } }) => [ops.reshape(dy, shape)],
  permute: (dy, { attrs: { order } }) => {
    const inverse = order.map((_, i) => order.indexOf(i));
    return [ops.permute(dy, inverse)];
  },
  expand: (dy) => [dy],
  slice: (dy, { attrs: { starts, shape } }) => {
    return [ops.pad(dy, starts.map((s, i) => [s, shape[i] - s - dy.shape[i]] as const))];
  },
  identity: (dy) => [ops.detach(dy)],
  concat: (dy, { attrs: { axis, sizes } }) => {
    let start = 0;
    return sizes.map((size) => {
      const starts = dy.shape.map((_, i) => (i === axis ? start : 0));
      const ends = dy.shape.map((d, i) => (i === axis ? start + size : d));
      start += size;
      return ops.slice(dy, starts, ends);
    });
  },
  pad: (dy, { inputs: [x], attrs: { pads } }) => {
    return [ops.slice(dy, pads.map(([before]) => before), pads.map(([before], i) => before + x.shape[i]))];
  },
  gather: (dy, { saved: [indices], attrs: { axis, shape } }) => [ops.scatterAdd(shape, axis, indices, dy)],
  scatterAdd: (dy, { saved: [indices], attrs: { axis } }) => [ops.gather(dy, axis, indices)],
} satisfies { [K in OpName]: Rule<K> };
