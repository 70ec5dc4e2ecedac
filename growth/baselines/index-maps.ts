/**
 * Index-map growth of a Transformer (growth-baselines.md §2): every axis that grows gets a map g from target
 * index to source index; matrices copy their out-side through g_out and split their in-side by the copy
 * count, so W'·h' = W·h while hidden vectors are exact copies. Used by bert2BERT-FPI/AKI and Net2Net;
 * depth by stacking (StackBERT) or identity blocks (Net2Net deepen).
 */
import { Random, MangoError } from '../../engine/index.ts';
import type { TransformerShape } from '../../models/architecture.ts';
import type { HostTensor } from '../../models/checkpoint/host-tensor.ts';

export interface AxisMap {
  /** target index → source index */
  map: Int32Array;
  /** copies of each source index */
  count: Int32Array;
  sourceSize: number;
}

/** Balanced (i mod n) for the first multiple of n, then `extra` for the rest. */
export function axisMap(from: number, to: number, extra: 'balanced' | 'random', random?: Random): AxisMap {
  const map = new Int32Array(to);
  for (let i = 0; i < to; i++) map[i] = i < from * Math.floor(to / from) || extra === 'balanced' ? i % from : random!.int(from);
  const count = new Int32Array(from);
  for (const s of map) count[s]++;
  return { map, count, sourceSize: from };
}

/** Expands a head-aligned axis (heads of `headDim` units) with a map over heads. */
export function headAxis(heads: AxisMap, headDim: number): AxisMap {
  const to = heads.map.length * headDim;
  const map = new Int32Array(to);
  for (let j = 0; j < to; j++) map[j] = heads.map[Math.floor(j / headDim)] * headDim + (j % headDim);
  const count = new Int32Array(heads.sourceSize * headDim);
  for (const s of map) count[s]++;
  return { map, count, sourceSize: heads.sourceSize * headDim };
}

export interface LinearSource {
  weight: HostTensor;
  bias?: HostTensor;
}

/**
 * W'[o][i] = W_src[g_out(o)][g_in(i)] / c_in(g_in(i)); b'[o] = b_src[g_out(o)]. `next` (AKI) supplies new
 * out-rows (o ≥ source rows) or new in-columns (i ≥ source columns) from the layer above.
 */
export function expandLinear(own: LinearSource, out: AxisMap | undefined, input: AxisMap | undefined,
  options: { next?: LinearSource; newFromNext?: 'rows' | 'cols'; noise?: { scale: number; random: Random } } = {}): { weight: HostTensor; bias?: HostTensor } {
  const [rowsS, colsS] = own.weight.shape.length === 2 ? own.weight.shape : [own.weight.shape[0], own.weight.data.length / own.weight.shape[0]];
  const rowsT = out?.map.length ?? rowsS;
  const colsT = input?.map.length ?? colsS;
  const weight = new Float32Array(rowsT * colsT);
  for (let o = 0; o < rowsT; o++) {
    const so = out ? out.map[o] : o;
    for (let i = 0; i < colsT; i++) {
      const si = input ? input.map[i] : i;
      const fromNext = options.next && ((options.newFromNext === 'rows' && o >= rowsS) || (options.newFromNext === 'cols' && i >= colsS));
      const source = fromNext ? options.next!.weight.data : own.weight.data;
      weight[o * colsT + i] = source[so * colsS + si] / (input ? input.count[si] : 1);
    }
  }
  if (options.noise && input) addCancellingNoise(weight, rowsT, colsT, input, options.noise.scale, options.noise.random);
  const shape = own.weight.shape.length === 2 ? [rowsT, colsT] : [rowsT, ...own.weight.shape.slice(1)];
  let bias: HostTensor | undefined;
  if (own.bias) {
    const b = new Float32Array(rowsT);
    for (let o = 0; o < rowsT; o++) {
      const fromNext = options.next && options.newFromNext === 'rows' && o >= rowsS;
      b[o] = (fromNext ? options.next!.bias! : own.bias).data[out ? out.map[o] : o];
    }
    bias = { shape: [rowsT], data: b };
  }
  return { weight: { shape, data: weight }, bias };
}

/**
 * Net2Net's symmetry breaking that keeps the function: for each in-column group copying one source
 * unit, add noise to one copy and subtract it from another, so Σ over the copies (which all see the same
 * input value) is unchanged while the copies' weights differ.
 */
function addCancellingNoise(weight: Float32Array, rows: number, cols: number, input: AxisMap, scale: number, random: Random): void {
  const firstCopy = new Int32Array(input.sourceSize).fill(-1);
  for (let i = 0; i < cols; i++) {
    const s = input.map[i];
    if (firstCopy[s] < 0) {
      firstCopy[s] = i;
      continue;
    }
    for (let o = 0; o < rows; o++) {
      const epsilon = scale * random.normal() * Math.abs(weight[o * cols + i]);
      weight[o * cols + i] += epsilon;
      weight[o * cols + firstCopy[s]] -= epsilon;
    }
  }
}

/** Copies a vector through a map (embeddings, norms, biases along the hidden axis). */
export function expandVector(v: HostTensor, map: AxisMap, axisSize: number): HostTensor {
  const rows = v.data.length / axisSize;
  const out = new Float32Array(rows * map.map.length);
  for (let r = 0; r < rows; r++) for (let j = 0; j < map.map.length; j++) out[r * map.map.length + j] = v.data[r * axisSize + map.map[j]];
  return { shape: [...v.shape.slice(0, -1), map.map.length], data: out };
}

export function headDimOf(config: TransformerShape): number {
  return config.dim / config.heads;
}

export function checkHeadDim(source: TransformerShape, target: TransformerShape): void {
  if (headDimOf(source) !== headDimOf(target)) {
    throw new MangoError(`head-wise growth needs the same head dimension (source ${headDimOf(source)}, target ${headDimOf(target)})`,
      'grow width by adding heads: target heads = source heads × target width / source width');
  }
}
