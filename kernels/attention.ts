/**
 * Fused scaled-dot-product attention, one invocation per query row: scores, online softmax (running
 * max and denominator) and the weighted sum of values in registers, K and V read straight from memory
 * (no workgroup memory, no barriers). Backward in two kernels: per query (dQ and Dᵢ = dOᵢ·Oᵢ) and per
 * key (dK, dV), both recomputing probabilities from the saved log-sum-exp.
 * q, k, v are [batch, tokens, headDim] views whose batch axis is up to two strided axes (e.g. [B, H]
 * straight out of a fused qkv projection) and whose head axis is contiguous.
 */
import type { GpuRuntime } from '../engine/backend/webgpu/runtime.ts';
import { flatWorkgroupIndex, gridFor, linearBuiltins } from './common.ts';
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

const layout = new UniformLayout('Params', [
  ['batches', 'u32'], ['batch1', 'u32'], ['queries', 'u32'], ['keys', 'u32'], ['scale', 'f32'],
  ['qOffset', 'u32'], ['qb0', 'u32'], ['qb1', 'u32'], ['qt', 'u32'],
  ['kOffset', 'u32'], ['kb0', 'u32'], ['kb1', 'u32'], ['kt', 'u32'],
  ['vOffset', 'u32'], ['vb0', 'u32'], ['vb1', 'u32'], ['vt', 'u32'],
]);

export type AttentionKernel = 'forward' | 'backwardQuery' | 'backwardKey';

const rowBase = (name: 'q' | 'k' | 'v', batch: string, token: string) =>
  `p.${name}Offset + (${batch} / p.batch1) * p.${name}b0 + (${batch} % p.batch1) * p.${name}b1 + ${token} * p.${name}t`;

const dot = (a: string, b: string, d: number) => `var acc = 0.0; for (var d = 0u; d < ${d}u; d++) { acc += ${a} * ${b}; }`;

export function wgsl(kernel: AttentionKernel, headDim: number): string {
  const D = headDim;
  const inputs = ['q', 'k', 'v'].map((n, i) => `@group(0) @binding(${i}) var<storage, read> ${n}: array<f32>;`);
  const main = (count: string, body: string) => `@compute @workgroup_size(${workgroupSize}) fn main(${linearBuiltins}) {
  ${flatWorkgroupIndex}
  let row = group * ${workgroupSize}u + lid;
  if (row >= p.batches * ${count}) { return; }
  let b = row / ${count};
  ${body}
}`;
  const scoreAndProbability = (qRow: string, kRow: string, i: string) => `
    var s = 0.0; for (var d = 0u; d < ${D}u; d++) { s += q[${qRow} + d] * k[${kRow} + d]; }
    let prob = exp(s * p.scale - lse[b * p.queries + ${i}]);`;
  switch (kernel) {
    case 'forward':
      return `${layout.wgsl()}
${inputs.join('\n')}
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read_write> lse: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;
${main('p.queries', `let i = row % p.queries;
  let qRow = ${rowBase('q', 'b', 'i')};
  var qs: array<f32, ${D}>;
  for (var d = 0u; d < ${D}u; d++) { qs[d] = q[qRow + d] * p.scale; }
  var o: array<f32, ${D}>;
  var m = -3.4028234663852886e38;
  var l = 0.0;
  for (var j = 0u; j < p.keys; j++) {
    let kRow = ${rowBase('k', 'b', 'j')};
    ${dot('qs[d]', 'k[kRow + d]', D)}
    let mNew = max(m, acc);
    let correction = exp(m - mNew);
    let e = exp(acc - mNew);
    l = l * correction + e;
    let vRow = ${rowBase('v', 'b', 'j')};
    for (var d = 0u; d < ${D}u; d++) { o[d] = o[d] * correction + e * v[vRow + d]; }
    m = mNew;
  }
  for (var d = 0u; d < ${D}u; d++) { out[row * ${D}u + d] = o[d] / l; }
  lse[row] = m + log(l);`)}`;
    case 'backwardQuery':
      return `${layout.wgsl()}
${inputs.join('\n')}
@group(0) @binding(3) var<storage, read> dOut: array<f32>;
@group(0) @binding(4) var<storage, read> out: array<f32>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read_write> dq: array<f32>;
@group(0) @binding(7) var<storage, read_write> delta: array<f32>;
@group(0) @binding(8) var<uniform> p: Params;
${main('p.queries', `let i = row % p.queries;
  let qRow = ${rowBase('q', 'b', 'i')};
  var di = 0.0;
  for (var d = 0u; d < ${D}u; d++) { di += dOut[row * ${D}u + d] * out[row * ${D}u + d]; }
  var g: array<f32, ${D}>;
  for (var j = 0u; j < p.keys; j++) {
    let kRow = ${rowBase('k', 'b', 'j')};
    let vRow = ${rowBase('v', 'b', 'j')};
    ${scoreAndProbability('qRow', 'kRow', 'i')}
    var dp = 0.0; for (var d = 0u; d < ${D}u; d++) { dp += dOut[row * ${D}u + d] * v[vRow + d]; }
    let ds = prob * (dp - di);
    for (var d = 0u; d < ${D}u; d++) { g[d] += ds * k[kRow + d]; }
  }
  for (var d = 0u; d < ${D}u; d++) { dq[row * ${D}u + d] = g[d] * p.scale; }
  delta[row] = di;`)}`;
    case 'backwardKey':
      return `${layout.wgsl()}
${inputs.join('\n')}
@group(0) @binding(3) var<storage, read> dOut: array<f32>;
@group(0) @binding(4) var<storage, read> delta: array<f32>;
@group(0) @binding(5) var<storage, read> lse: array<f32>;
@group(0) @binding(6) var<storage, read_write> dk: array<f32>;
@group(0) @binding(7) var<storage, read_write> dv: array<f32>;
@group(0) @binding(8) var<uniform> p: Params;
${main('p.keys', `let j = row % p.keys;
  let kRow = ${rowBase('k', 'b', 'j')};
  let vRow = ${rowBase('v', 'b', 'j')};
  var gk: array<f32, ${D}>;
  var gv: array<f32, ${D}>;
  for (var i = 0u; i < p.queries; i++) {
    let qRow = ${rowBase('q', 'b', 'i')};
    let oRow = (b * p.queries + i) * ${D}u;
    ${scoreAndProbability('qRow', 'kRow', 'i')}
    var dp = 0.0; for (var d = 0u; d < ${D}u; d++) { dp += dOut[oRow + d] * v[vRow + d]; }
    let ds = prob * (dp - delta[b * p.queries + i]);
    for (var d = 0u; d < ${D}u; d++) {
      gv[d] += prob * dOut[oRow + d];
      gk[d] += ds * q[qRow + d];
    }
  }
  for (var d = 0u; d < ${D}u; d++) {
    dk[row * ${D}u + d] = gk[d] * p.scale;
    dv[row * ${D}u + d] = gv[d];
  }`)}`;
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
}

export function dispatch(runtime: GpuRuntime, kernel: AttentionKernel, shape: AttentionShape,
  operands: readonly [AttentionOperand, AttentionOperand, AttentionOperand], extra: readonly GPUBuffer[]): void {
  const rows = shape.batches * (kernel === 'backwardKey' ? shape.keys : shape.queries);
  if (rows === 0) return;
  const [q, k, v] = operands;
  const uniforms = layout.pack({
    batches: shape.batches, batch1: shape.batch1, queries: shape.queries, keys: shape.keys, scale: shape.scale,
    qOffset: q.offset, qb0: q.batchStride0, qb1: q.batchStride1, qt: q.tokenStride,
    kOffset: k.offset, kb0: k.batchStride0, kb1: k.batchStride1, kt: k.tokenStride,
    vOffset: v.offset, vb0: v.batchStride0, vb1: v.batchStride1, vt: v.tokenStride,
  });
  runtime.dispatch({ key: `attention[${kernel}:d${shape.headDim}]`, wgsl: () => wgsl(kernel, shape.headDim) },
    [q.buffer, k.buffer, v.buffer, ...extra], gridFor(Math.ceil(rows / workgroupSize)), uniforms);
}
