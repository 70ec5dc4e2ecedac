/**
 * What an op records for backward: a GradNode naming the op, its inputs (for traversal), the tensors its
 * rule needs (`saved`, held by their own storage references so tidy() or dispose() of the originals does
 * not free them) and its typed attributes. A leaf module: ops import it, it imports no op, so the engine
 * core has no ops → tape → rules → ops cycle. The rules live in ./gradients.ts, the traversal in ./tape.ts.
 */
import type { DifferentiableBinaryOp, DifferentiableUnaryOp, ElementwiseSaves } from '../elementwise-table.ts';
import type { Tensor } from '../tensor.ts';

type None = Record<never, never>;

/** Each recorded op's attributes (what its rule needs besides tensors); elementwise ops have none. */
export type OpAttrs = { [K in DifferentiableUnaryOp | DifferentiableBinaryOp]: None } & OtherAttrs;

interface OtherAttrs {
  where: None;
  sum: { axes: number[]; keepDims: boolean };
  max: { axes: number[]; keepDims: boolean };
  min: { axes: number[]; keepDims: boolean };
  matmul: { transposeA: boolean; transposeB: boolean };
  softmax: None; logSoftmax: None;
  crossEntropy: { smoothing: number };
  layerNorm: None;
  attention: { scale: number; causal: boolean };
  selfAttention: { heads: number; scale: number; causal: boolean };
  reshape: { shape: readonly number[] };
  permute: { order: readonly number[] };
  expand: { shape: readonly number[] };
  slice: { starts: readonly number[]; shape: readonly number[] };
  identity: None;
  concat: { axis: number; sizes: number[] };
  pad: { pads: (readonly [number, number])[] };
  gather: { axis: number; shape: readonly number[] };
  scatterAdd: { axis: number };
}

export type OpName = keyof OpAttrs;

type T = Tensor;

/**
 * What each op saves for its rule (the rule reads exactly these, in this order): an elementwise op's come
 * from its entry in elementwise-table.ts, the others are declared here beside their rules' needs.
 */
export type OpSaves = ElementwiseSaves & OtherSaves;

interface OtherSaves {
  where: [cond: T];
  sum: []; max: [x: T, out: T]; min: [x: T, out: T];
  matmul: [a: T, b: T];
  softmax: [out: T]; logSoftmax: [out: T];
  crossEntropy: [logits: T, labels: T];
  layerNorm: [x: T, gamma: T, mean: T, rstd: T];
  attention: [q: T, k: T, v: T, out: T, lse: T];
  selfAttention: [qkv: T, out: T, lse: T];
  reshape: []; permute: []; expand: []; slice: []; identity: []; concat: []; pad: [];
  gather: [indices: T]; scatterAdd: [indices: T];
}

export interface GradNode<K extends OpName = OpName> {
  readonly op: K;
  readonly inputs: readonly Tensor[];
  readonly saved: Readonly<OpSaves[K]>;
  readonly attrs: Readonly<OpAttrs[K]>;
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording gradients. */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Attributes are required exactly for the ops that have some. */
type AttrsArgument<K extends OpName> = None extends OpAttrs[K] ? [attrs?: OpAttrs[K]] : [attrs: OpAttrs[K]];

/** Attaches a GradNode to `output` if recording is on and any input requires a gradient. */
export function record<K extends OpName>(output: Tensor, op: K, inputs: readonly Tensor[], saved: OpSaves[K], ...[attrs]: AttrsArgument<K>): Tensor {
  if (!gradEnabled || !inputs.some((t) => t.requiresGrad)) return output;
  output.requiresGrad = true;
  // The saved tensors travel as their own storage references, in the order OpSaves declares.
  const held = (saved as readonly Tensor[]).map((t) => t.shareForBackward()) as OpSaves[K];
  output.node = { op, inputs, saved: held, attrs: attrs ?? {} } as unknown as GradNode;
  return output;
}
