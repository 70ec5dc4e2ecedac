/**
 * Row kernels over contiguous [rows, width] data, one workgroup per row with shared-memory reductions:
 * softmax / log-softmax, layer norm forward and backward (dx), cross-entropy with label smoothing, and
 * the column sums layer norm's dgamma/dbeta need.
 */
import type { GpuRuntime } from '../runtime.ts';
import { flatWorkgroupIndex, gridFor, linearBuiltins, workgroupReductions } from './common.ts';
import { KernelFamily } from './family.ts';
import { UniformLayout } from './uniforms.ts';

const workgroupSize = 64;
const layout = new UniformLayout('Params', [['rows', 'u32'], ['width', 'u32'], ['eps', 'f32'], ['smoothing', 'f32']]);

/** One invocation per row beats a workgroup per row (barriers are costly) once rows fill the device. */
export function perThreadRows(rows: number): boolean {
  return rows >= 64;
}

const header = (bindings: string[]) => `
${layout.wgsl()}
${bindings.map((b, i) => `@group(0) @binding(${i}) ${b}`).join('\n')}
@group(0) @binding(${bindings.length}) var<uniform> p: Params;
${workgroupReductions(workgroupSize)}`;

/** Entry point of the per-thread variants: one invocation per row, no barriers. */
const perThreadMain = `@compute @workgroup_size(${workgroupSize}) fn main(${linearBuiltins}) {
  ${flatWorkgroupIndex}
  let row = group * ${workgroupSize}u + lid;
  if (row >= p.rows) { return; }
  let base = row * p.width;`;

/** How a row is walked: by a whole workgroup with shared-memory reductions, or by one invocation. */
interface RowWalk {
  main: string;
  loop: (body: string) => string;
  /** combines `v` across the row's invocations (nothing to do when one invocation holds the row) */
  reduce: (kind: 'Sum' | 'Max', v: string) => string;
  /** a statement only one invocation runs */
  once: (statement: string) => string;
}

const perWorkgroup: RowWalk = {
  main: `@compute @workgroup_size(${workgroupSize}) fn main(${linearBuiltins}) {\n  ${flatWorkgroupIndex}\n  let row = group;\n  if (row >= p.rows) { return; }\n  let base = row * p.width;`,
  loop: (body) => `for (var j = lid; j < p.width; j += ${workgroupSize}u) { ${body} }`,
  reduce: (kind, v) => `${v} = reduce${kind}(${v}, lid);`,
  once: (statement) => `if (lid == 0u) { ${statement} }`,
};

const perThread: RowWalk = {
  main: perThreadMain,
  loop: (body) => `for (var j = 0u; j < p.width; j++) { ${body} }`,
  reduce: () => '',
  once: (statement) => statement,
};

const rowsIn = ['var<storage, read> x: array<f32>;', 'var<storage, read_write> y: array<f32>;'];
const layerNormBindings = ['var<storage, read> x: array<f32>;', 'var<storage, read> gamma: array<f32>;', 'var<storage, read> beta: array<f32>;',
  'var<storage, read_write> y: array<f32>;', 'var<storage, read_write> meanOut: array<f32>;', 'var<storage, read_write> rstdOut: array<f32>;'];
const layerNormBackwardBindings = ['var<storage, read> dy: array<f32>;', 'var<storage, read> x: array<f32>;', 'var<storage, read> gamma: array<f32>;',
  'var<storage, read> meanIn: array<f32>;', 'var<storage, read> rstdIn: array<f32>;', 'var<storage, read_write> dx: array<f32>;',
  'var<storage, read_write> xhatDy: array<f32>;'];

const softmax = (w: RowWalk, log: boolean) => `${header(rowsIn)}
${w.main}
  var m = -3.4028234663852886e38;
  ${w.loop('m = max(m, x[base + j]);')}
  ${w.reduce('Max', 'm')}
  var s = 0.0;
  ${w.loop('s += exp(x[base + j] - m);')}
  ${w.reduce('Sum', 's')}
  ${log ? `let lse = m + log(s);\n  ${w.loop('y[base + j] = x[base + j] - lse;')}` : w.loop('y[base + j] = exp(x[base + j] - m) / s;')}
}`;

const layerNorm = (w: RowWalk) => `${header(layerNormBindings)}
${w.main}
  var s = 0.0;
  ${w.loop('s += x[base + j];')}
  ${w.reduce('Sum', 's')}
  let mean = s / f32(p.width);
  var q = 0.0;
  ${w.loop('let d = x[base + j] - mean; q += d * d;')}
  ${w.reduce('Sum', 'q')}
  let rstd = inverseSqrt(q / f32(p.width) + p.eps);
  ${w.loop('y[base + j] = (x[base + j] - mean) * rstd * gamma[j] + beta[j];')}
  ${w.once('meanOut[row] = mean; rstdOut[row] = rstd;')}
}`;

const layerNormBackward = (w: RowWalk) => `${header(layerNormBackwardBindings)}
${w.main}
  let mean = meanIn[row]; let rstd = rstdIn[row];
  var sg = 0.0; var sgx = 0.0;
  ${w.loop('let xhat = (x[base + j] - mean) * rstd; let g = dy[base + j] * gamma[j]; sg += g; sgx += g * xhat; xhatDy[base + j] = xhat * dy[base + j];')}
  ${w.reduce('Sum', 'sg')}
  ${w.reduce('Sum', 'sgx')}
  sg = sg / f32(p.width);
  sgx = sgx / f32(p.width);
  ${w.loop('let xhat = (x[base + j] - mean) * rstd; dx[base + j] = rstd * (dy[base + j] * gamma[j] - sg - xhat * sgx);')}
}`;

export type RowKernel = 'softmax' | 'logSoftmax' | 'softmaxPerThread' | 'logSoftmaxPerThread' | 'layerNormPerThread' | 'layerNormBackwardPerThread' | 'layerNorm' | 'layerNormBackward' | 'crossEntropy' | 'columnSums';

export function wgsl(kernel: RowKernel): string {
  const { main, loop: rowLoop } = perWorkgroup;
  switch (kernel) {
    case 'softmax': return softmax(perWorkgroup, false);
    case 'logSoftmax': return softmax(perWorkgroup, true);
    // One invocation per row, no barriers: for short rows (attention scores over few tokens).
    case 'softmaxPerThread': return softmax(perThread, false);
    case 'logSoftmaxPerThread': return softmax(perThread, true);
    case 'layerNorm': return layerNorm(perWorkgroup);
    case 'layerNormPerThread': return layerNorm(perThread);
    case 'layerNormBackward': return layerNormBackward(perWorkgroup);
    case 'layerNormBackwardPerThread': return layerNormBackward(perThread);
    case 'crossEntropy':
      return `${header(['var<storage, read> x: array<f32>;', 'var<storage, read> labels: array<f32>;', 'var<storage, read_write> loss: array<f32>;'])}
${main}
  var m = -3.4028234663852886e38; var sx = 0.0;
  ${rowLoop('m = max(m, x[base + j]); sx += x[base + j];')}
  m = reduceMax(m, lid);
  sx = reduceSum(sx, lid);
  var s = 0.0;
  ${rowLoop('s += exp(x[base + j] - m);')}
  s = reduceSum(s, lid);
  if (lid == 0u) {
    let label = u32(labels[row]);
    loss[row] = m + log(s) - (1.0 - p.smoothing) * x[base + min(label, p.width - 1u)] - p.smoothing / f32(p.width) * sx;
  }
}`;
    case 'columnSums':
      // One invocation per column; rows are p.rows. Used for dgamma and dbeta.
      return `${header(['var<storage, read> x: array<f32>;', 'var<storage, read_write> y: array<f32>;'])}
@compute @workgroup_size(${workgroupSize}) fn main(${linearBuiltins}) {
  ${flatWorkgroupIndex}
  let column = group * ${workgroupSize}u + lid;
  if (column >= p.width) { return; }
  var s = 0.0;
  for (var r = 0u; r < p.rows; r++) { s += x[r * p.width + column]; }
  y[column] = s;
}`;
  }
}


const family = new KernelFamily('rows', wgsl, (kernel) => `rows[${kernel}]`);
export function dispatch(runtime: GpuRuntime, kernel: RowKernel, buffers: readonly GPUBuffer[], rows: number, width: number,
  params: { eps?: number; smoothing?: number } = {}): void {
  if (rows === 0 || width === 0) return;
  const groups = kernel === 'columnSums' ? Math.ceil(width / workgroupSize) : kernel.endsWith('PerThread') ? Math.ceil(rows / workgroupSize) : rows;
  runtime.dispatch(family.variant(kernel), buffers, gridFor(groups),
    layout.pack({ rows, width, eps: params.eps ?? 0, smoothing: params.smoothing ?? 0 }));
}
