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

/**
 * Storage is read `width` floats at a time (4: vec4f, when the head dim, offsets and strides allow);
 * on CPU adapters that cut the forward kernel's time 2.3× (bench/NOTES.md).
 */
export function wgsl(kernel: AttentionKernel, headDim: number, width: 1 | 4 = 1): string {
  const D = headDim / width;
  const V = width === 4 ? 'vec4f' : 'f32';
  const total = (x: string) => (width === 4 ? `dot(${x}, vec4f(1.0))` : x);
  const rowBase = (name: 'q' | 'k' | 'v', batch: string, token: string) =>
    `(p.${name}Offset + (${batch} / p.batch1) * p.${name}b0 + (${batch} % p.batch1) * p.${name}b1 + ${token} * p.${name}t) / ${width}u`;
  const storage = (binding: number, name: string, access: 'read' | 'read_write', type = V) =>
    `@group(0) @binding(${binding}) var<storage, ${access}> ${name}: array<${type}>;`;
  const inputs = ['q', 'k', 'v'].map((n, i) => storage(i, n, 'read')).join('\n');
  const load = (name: string, source: string, base: string, scale = '') =>
    `var ${name}: array<${V}, ${D}>;
  for (var d = 0u; d < ${D}u; d++) { ${name}[d] = ${source}[${base} + d]${scale}; }`;
  const dotWith = (registers: string, source: string, base: string) =>
    `var sum = ${V}(0.0); for (var d = 0u; d < ${D}u; d++) { sum += ${registers}[d] * ${source}[${base} + d]; }`;
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
  for (var j = 0u; j < p.keys; j++) {
    let kRow = ${rowBase('k', 'b', 'j')};
    ${dotWith('qs', 'k', 'kRow')}
    let s = ${total('sum')};
    let mNew = max(m, s);
    let correction = exp(m - mNew);
    let e = exp(s - mNew);
    l = l * correction + e;
    let vRow = ${rowBase('v', 'b', 'j')};
    for (var d = 0u; d < ${D}u; d++) { o[d] = o[d] * correction + e * v[vRow + d]; }
    m = mNew;
  }
  for (var d = 0u; d < ${D}u; d++) { out[row * ${D}u + d] = o[d] / l; }
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
  ${load('dOutRow', 'dOut', `row * ${D}u`)}
  var di4 = ${V}(0.0);
  for (var d = 0u; d < ${D}u; d++) { di4 += dOutRow[d] * out[row * ${D}u + d]; }
  let di = ${total('di4')};
  let rowLse = lse[row];
  var g: array<${V}, ${D}>;
  for (var j = 0u; j < p.keys; j++) {
    let kRow = ${rowBase('k', 'b', 'j')};
    let vRow = ${rowBase('v', 'b', 'j')};
    var s4 = ${V}(0.0); var dp4 = ${V}(0.0);
    for (var d = 0u; d < ${D}u; d++) { s4 += qs[d] * k[kRow + d]; dp4 += dOutRow[d] * v[vRow + d]; }
    let prob = exp(${total('s4')} * p.scale - rowLse);
    let ds = prob * (${total('dp4')} - di);
    for (var d = 0u; d < ${D}u; d++) { g[d] += ds * k[kRow + d]; }
  }
  for (var d = 0u; d < ${D}u; d++) { dq[row * ${D}u + d] = g[d] * p.scale; }
  delta[row] = di;`)}`;
    case 'backwardKey':
      return `${layout.wgsl()}
${inputs}
${storage(3, 'dOut', 'read')}
${storage(4, 'delta', 'read', 'f32')}
${storage(5, 'lse', 'read', 'f32')}
${storage(6, 'dk', 'read_write')}
${storage(7, 'dv', 'read_write')}
@group(0) @binding(8) var<uniform> p: Params;
${main('p.keys', `let j = row % p.keys;
  ${load('ks', 'k', rowBase('k', 'b', 'j'))}
  ${load('vs', 'v', rowBase('v', 'b', 'j'))}
  var gk: array<${V}, ${D}>;
  var gv: array<${V}, ${D}>;
  for (var i = 0u; i < p.queries; i++) {
    let qRow = ${rowBase('q', 'b', 'i')};
    let oRow = (b * p.queries + i) * ${D}u;
    var s4 = ${V}(0.0); var dp4 = ${V}(0.0);
    for (var d = 0u; d < ${D}u; d++) { s4 += q[qRow + d] * ks[d]; dp4 += dOut[oRow + d] * vs[d]; }
    let prob = exp(${total('s4')} * p.scale - lse[b * p.queries + i]);
    let ds = prob * (${total('dp4')} - delta[b * p.queries + i]);
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
  const aligned = (n: number) => n % 4 === 0;
  const width = aligned(shape.headDim) && operands.every((o) => [o.offset, o.batchStride0, o.batchStride1, o.tokenStride].every(aligned)) ? 4 : 1;
  runtime.dispatch({ key: `attention[${kernel}:d${shape.headDim}:w${width}]`, wgsl: () => wgsl(kernel, shape.headDim, width) },
    [q.buffer, k.buffer, v.buffer, ...extra], gridFor(Math.ceil(rows / workgroupSize)), uniforms);
}
