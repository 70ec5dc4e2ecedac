/**
 * Fused scaled-dot-product attention, one invocation per query row: scores, online softmax (running
 * max and denominator) and the weighted sum of values in registers, K and V read straight from memory
 * (no workgroup memory, no barriers). Backward in two kernels: per query (dQ and Dᵢ = dOᵢ·Oᵢ) and per
 * key (dK, dV), both recomputing probabilities from the saved log-sum-exp.
 * q, k, v, the output and its gradient are [batch, tokens, headDim] operands whose batch axis is up to
 * two strided axes (e.g. [B, H] straight out of a fused qkv projection, or an output written with heads
 * interleaved as [B, T, H, d]) and whose head axis is contiguous. In `packed` mode the backward kernels
 * write dq, dk, dv at q's, k's and v's own positions in one buffer (the gradient of a fused projection).
 * A `causal` variant (keys ≥ queries) lets query i see keys j ≤ i + keys − queries: the loops stop at (or,
 * per key, start from) that diagonal instead of testing each score.
 */
import type { GpuRuntime } from '../runtime.ts';
import { flatWorkgroupIndex, gridFor, linearBuiltins } from './common.ts';
import { KernelFamily } from './family.ts';
import { UniformLayout } from './uniforms.ts';

const workgroupSize = 64;

export interface AttentionOperand {
  buffer: GPUBuffer;
  offset: number;
  /** strides of the two batch axes and of the token axis */
  batchStride0: number;
  batchStride1: number;
  tokenStride: number;
}

type OperandName = 'q' | 'k' | 'v' | 'o' | 'g';
const operandNames: OperandName[] = ['q', 'k', 'v', 'o', 'g'];

const layout = new UniformLayout('Params', [
  ['batches', 'u32'], ['batch1', 'u32'], ['queries', 'u32'], ['keys', 'u32'], ['scale', 'f32'],
  ...operandNames.flatMap((n) => [[`${n}Offset`, 'u32'], [`${n}b0`, 'u32'], [`${n}b1`, 'u32'], [`${n}t`, 'u32']] as const),
]);

export type AttentionKernel = 'forward' | 'backwardQuery' | 'backwardKey';

/**
 * Storage is read `width` floats at a time (4: vec4f, when the head dim, offsets and strides allow);
 * on CPU adapters that cut the forward kernel's time 2.3× (bench/NOTES.md).
 */
export function wgsl(kernel: AttentionKernel, headDim: number, width: 1 | 4 = 1, packed = false, causal = false): string {
  const D = headDim / width;
  const keysSeen = causal ? 'min(p.keys, i + 1u + p.keys - p.queries)' : 'p.keys';
  const firstQuery = causal ? 'max(j, p.keys - p.queries) - (p.keys - p.queries)' : '0u';
  const V = width === 4 ? 'vec4f' : 'f32';
  const total = (x: string) => (width === 4 ? `dot(${x}, vec4f(1.0))` : x);
  /** Start (in units of `width`) of row `token` of batch `batch` of an operand. */
  const rowBase = (name: OperandName, batch: string, token: string) =>
    `(p.${name}Offset + (${batch} / p.batch1) * p.${name}b0 + (${batch} % p.batch1) * p.${name}b1 + ${token} * p.${name}t) / ${width}u`;
  const storage = (binding: number, name: string, access: 'read' | 'read_write', type = V) =>
    `@group(0) @binding(${binding}) var<storage, ${access}> ${name}: array<${type}>;`;
  const inputs = ['q', 'k', 'v'].map((n, i) => storage(i, n, 'read')).join('\n');
  // Loops over the head dimension are unrolled with constant indices, so private rows stay in registers.
  const eachD = (body: string) => Array.from({ length: D }, (_, i) => `{ let d = ${i}u; ${body} }`).join(' ');
  const load = (name: string, source: string, base: string, scale = '') =>
    `var ${name}: array<${V}, ${D}>;
  ${eachD(`${name}[d] = ${source}[${base} + d]${scale};`)}`;
  const main = (count: string, body: string) => `@compute @workgroup_size(${workgroupSize}) fn main(${linearBuiltins}) {
  ${flatWorkgroupIndex}
  let row = group * ${workgroupSize}u + lid;
  if (row >= p.batches * ${count}) { return; }
  let b = row / ${count};
  ${body}
}`;
  switch (kernel) {
    case 'forward':
      return `${layout.wgsl()}
${inputs}
${storage(3, 'out', 'read_write')}
${storage(4, 'lse', 'read_write', 'f32')}
@group(0) @binding(5) var<uniform> p: Params;
${main('p.queries', `let i = row % p.queries;
  ${load('qs', 'q', rowBase('q', 'b', 'i'), ' * p.scale')}
  var o: array<${V}, ${D}>;
  var m = -3.4028234663852886e38;
  var l = 0.0;
  let keysSeen = ${keysSeen};
  for (var j = 0u; j < keysSeen; j++) {
    let kRow = ${rowBase('k', 'b', 'j')};
    var sum = ${V}(0.0);
    ${eachD(`sum += qs[d] * k[kRow + d];`)}
    let s = ${total('sum')};
    let mNew = max(m, s);
    let correction = exp(m - mNew);
    let e = exp(s - mNew);
    l = l * correction + e;
    let vRow = ${rowBase('v', 'b', 'j')};
    ${eachD(`o[d] = o[d] * correction + e * v[vRow + d];`)}
    m = mNew;
  }
  let outRow = ${rowBase('o', 'b', 'i')};
  ${eachD(`out[outRow + d] = o[d] / l;`)}
  lse[row] = m + log(l);`)}`;
    case 'backwardQuery':
      return `${layout.wgsl()}
${inputs}
${storage(3, 'dOut', 'read')}
${storage(4, 'out', 'read')}
${storage(5, 'lse', 'read', 'f32')}
${storage(6, 'dq', 'read_write')}
${storage(7, 'delta', 'read_write', 'f32')}
@group(0) @binding(8) var<uniform> p: Params;
${main('p.queries', `let i = row % p.queries;
  ${load('qs', 'q', rowBase('q', 'b', 'i'))}
  ${load('dOutRow', 'dOut', rowBase('g', 'b', 'i'))}
  let outRow = ${rowBase('o', 'b', 'i')};
  var di4 = ${V}(0.0);
  ${eachD(`di4 += dOutRow[d] * out[outRow + d];`)}
  let di = ${total('di4')};
  let rowLse = lse[row];
  var g: array<${V}, ${D}>;
  let keysSeen = ${keysSeen};
  for (var j = 0u; j < keysSeen; j++) {
    ${load('kj', 'k', rowBase('k', 'b', 'j'))}
    let vRow = ${rowBase('v', 'b', 'j')};
    var s4 = ${V}(0.0); var dp4 = ${V}(0.0);
    ${eachD(`s4 += qs[d] * kj[d]; dp4 += dOutRow[d] * v[vRow + d];`)}
    let prob = exp(${total('s4')} * p.scale - rowLse);
    let ds = prob * (${total('dp4')} - di);
    ${eachD(`g[d] += ds * kj[d];`)}
  }
  let dqRow = ${packed ? rowBase('q', 'b', 'i') : `row * ${D}u`};
  ${eachD(`dq[dqRow + d] = g[d] * p.scale;`)}
  delta[row] = di;`)}`;
    case 'backwardKey':
      return `${layout.wgsl()}
${inputs}
${storage(3, 'dOut', 'read')}
${storage(4, 'delta', 'read', 'f32')}
${storage(5, 'lse', 'read', 'f32')}
${packed ? storage(6, 'grads', 'read_write') : `${storage(6, 'dk', 'read_write')}\n${storage(7, 'dv', 'read_write')}`}
@group(0) @binding(${packed ? 7 : 8}) var<uniform> p: Params;
${main('p.keys', `let j = row % p.keys;
  ${load('ks', 'k', rowBase('k', 'b', 'j'))}
  ${load('vs', 'v', rowBase('v', 'b', 'j'))}
  var gk: array<${V}, ${D}>;
  var gv: array<${V}, ${D}>;
  for (var i = ${firstQuery}; i < p.queries; i++) {
    ${load('qi', 'q', rowBase('q', 'b', 'i'))}
    ${load('gi', 'dOut', rowBase('g', 'b', 'i'))}
    var s4 = ${V}(0.0); var dp4 = ${V}(0.0);
    ${eachD(`s4 += qi[d] * ks[d]; dp4 += gi[d] * vs[d];`)}
    let prob = exp(${total('s4')} * p.scale - lse[b * p.queries + i]);
    let ds = prob * (${total('dp4')} - delta[b * p.queries + i]);
    ${eachD('gv[d] += prob * gi[d]; gk[d] += ds * qi[d];')}
  }
  ${packed ? `let dkRow = ${rowBase('k', 'b', 'j')};
  let dvRow = ${rowBase('v', 'b', 'j')};
  ${eachD('grads[dkRow + d] = gk[d] * p.scale; grads[dvRow + d] = gv[d];')}` : `${eachD(`dk[row * ${D}u + d] = gk[d] * p.scale; dv[row * ${D}u + d] = gv[d];`)}`}`)}`;
  }
}

export interface AttentionShape {
  batches: number;
  /** size of the second batch axis (1 when there is one) */
  batch1: number;
  queries: number;
  keys: number;
  headDim: number;
  scale: number;
  /** query i sees keys j ≤ i + keys − queries only (needs keys ≥ queries) */
  causal: boolean;
}

/** The operands a kernel reads: q, k, v, the output (written by `forward`) and, backward, its gradient. */
export interface AttentionOperands {
  q: AttentionOperand;
  k: AttentionOperand;
  v: AttentionOperand;
  out: AttentionOperand;
  dOut?: AttentionOperand;
}

interface AttentionVariant { kernel: AttentionKernel; headDim: number; width: 1 | 4; packed: boolean; causal: boolean }
const family = new KernelFamily('attention', (c: AttentionVariant) => wgsl(c.kernel, c.headDim, c.width, c.packed, c.causal),
  (c) => `attention[${c.kernel}:d${c.headDim}:w${c.width}${c.packed ? ':packed' : ''}${c.causal ? ':causal' : ''}]`);

/**
 * Records one kernel. Bindings after q, k, v: forward — out, lse; backwardQuery — dOut, out, lse, dq,
 * delta; backwardKey — dOut, delta, lse, then dk, dv (or, packed, the one gradient buffer).
 */
export function dispatch(runtime: GpuRuntime, kernel: AttentionKernel, shape: AttentionShape, operands: AttentionOperands,
  extra: readonly GPUBuffer[], packed = false): void {
  const rows = shape.batches * (kernel === 'backwardKey' ? shape.keys : shape.queries);
  if (rows === 0) return;
  const byName: Record<OperandName, AttentionOperand> = { q: operands.q, k: operands.k, v: operands.v, o: operands.out, g: operands.dOut ?? operands.out };
  const uniforms = layout.pack({
    batches: shape.batches, batch1: shape.batch1, queries: shape.queries, keys: shape.keys, scale: shape.scale,
    ...Object.fromEntries(operandNames.flatMap((n) => {
      const o = byName[n];
      return [[`${n}Offset`, o.offset], [`${n}b0`, o.batchStride0], [`${n}b1`, o.batchStride1], [`${n}t`, o.tokenStride]];
    })),
  });
  const aligned = (n: number) => n % 4 === 0;
  const width = aligned(shape.headDim) && Object.values(byName).every((o) => [o.offset, o.batchStride0, o.batchStride1, o.tokenStride].every(aligned)) ? 4 : 1;
  runtime.dispatch(family.variant({ kernel, headDim: shape.headDim, width, packed, causal: shape.causal }),
    [operands.q.buffer, operands.k.buffer, operands.v.buffer, ...extra], gridFor(Math.ceil(rows / workgroupSize)), uniforms);
}
