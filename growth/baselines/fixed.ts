/**
 * The fixed (untrained) growth baselines on host weights: bert2BERT-FPI, bert2BERT-AKI (variant B:
 * hidden axis by FPI, new heads / FFN units from the layer above, top layer FPI), Net2Net widen
 * (FPI maps + function-preserving noise) and deepen (identity blocks), StackBERT (depth by stacking).
 */
import { MangoError, Random } from '../../engine/index.ts';
import { stemOf, type ModelConfig, type WidthRole } from '../../models/architecture.ts';
import type { HostTensor } from '../../models/checkpoint/host-tensor.ts';
import { axisMap, checkHeadDim, expandLinear, expandVector, headAxis, headDimOf, type AxisMap } from './index-maps.ts';

export type WidthKind = 'fpi' | 'aki' | 'net2net';
type State = Map<string, HostTensor>;

const rowsOf = (t: HostTensor, from: number, to: number): HostTensor => {
  const cols = t.data.length / t.shape[0];
  return { shape: [to - from, ...t.shape.slice(1)], data: t.data.slice(from * cols, to * cols) };
};
const concatRows = (parts: HostTensor[]): HostTensor => ({
  shape: [parts.reduce((n, p) => n + p.shape[0], 0), ...parts[0].shape.slice(1)],
  data: Float32Array.from(parts.flatMap((p) => [...p.data])),
});

/** Widens every parameter of a source model to target width (same depth). */
export function widen(state: State, source: ModelConfig, target: ModelConfig, kind: WidthKind, random: Random, noise = 1e-2): State {
  checkHeadDim(source, target);
  const [D1, D2] = [source.dim, target.dim];
  const extra = kind === 'fpi' ? 'balanced' : 'random';
  const hidden = axisMap(D1, D2, 'balanced', random);
  const out: State = new Map();
  const get = (name: string) => {
    const t = state.get(name);
    if (!t) throw new MangoError(`source model has no parameter ${name}`, 'grow from a complete checkpoint of the source model');
    return t;
  };
  const noiseOption = kind === 'net2net' ? { noise: { scale: noise, random } } : {};
  const linear = (prefix: string, outMap: AxisMap | undefined, inMap: AxisMap | undefined, next?: string, newFromNext?: 'rows' | 'cols') => {
    const grown = expandLinear({ weight: get(`${prefix}.weight`), bias: state.get(`${prefix}.bias`) }, outMap, inMap,
      { ...(next ? { next: { weight: get(`${next}.weight`), bias: state.get(`${next}.bias`) }, newFromNext } : {}), ...noiseOption });
    out.set(`${prefix}.weight`, grown.weight);
    if (grown.bias) out.set(`${prefix}.bias`, grown.bias);
  };
  const stem = stemOf(source);
  const grownStem = (name: string, role: WidthRole) => {
    const t = get(name);
    if (role === 'columns' || (role === 'rows' && t.shape.length === 1)) out.set(name, expandVector(t, hidden, D1));
    else if (role === 'rows') out.set(name, { ...expandLinear({ weight: { shape: [D1, t.data.length / D1], data: t.data } }, hidden, undefined).weight, shape: [D2, ...t.shape.slice(1)] });
    else if (role === 'splitRows') out.set(name, { shape: [D2], data: expandLinear({ weight: { shape: [1, D1], data: t.data } }, undefined, hidden).weight.data });
    else if (role === 'readout') linear(name.replace(/\.weight$/, ''), undefined, hidden);
    else if (!out.has(name)) out.set(name, t);   // unchanged (a readout's bias is already set with its weight)
  };
  for (const [name, role] of stem.input) grownStem(name, role);
  for (let l = 0; l < source.depth; l++) {
    const b = (name: string) => `blocks.${l}.${name}`;
    const above = kind === 'aki' && l + 1 < source.depth ? (name: string) => `blocks.${l + 1}.${name}` : undefined;
    for (const norm of ['norm1', 'norm2']) for (const p of ['weight', 'bias']) out.set(b(`${norm}.${p}`), expandVector(get(b(`${norm}.${p}`)), hidden, D1));
    const heads = headAxis(axisMap(source.heads, target.heads, extra, random), headDimOf(source));
    const qkv = [0, 1, 2].map((k) => {
      const own = { weight: rowsOf(get(b('attn.qkv.weight')), k * D1, (k + 1) * D1), bias: rowsOf(get(b('attn.qkv.bias')), k * D1, (k + 1) * D1) };
      const next = above && { weight: rowsOf(get(above('attn.qkv.weight')), k * D1, (k + 1) * D1), bias: rowsOf(get(above('attn.qkv.bias')), k * D1, (k + 1) * D1) };
      return expandLinear(own, heads, hidden, { ...(next ? { next, newFromNext: 'rows' as const } : {}), ...noiseOption });
    });
    out.set(b('attn.qkv.weight'), concatRows(qkv.map((g) => g.weight)));
    out.set(b('attn.qkv.bias'), concatRows(qkv.map((g) => g.bias!)));
    linear(b('attn.proj'), hidden, heads, above?.('attn.proj'), 'cols');
    const ffn = axisMap(source.dim * source.mlpRatio, target.dim * target.mlpRatio, extra, random);
    linear(b('mlp.fc1'), ffn, hidden, above?.('mlp.fc1'), 'rows');
    linear(b('mlp.fc2'), hidden, ffn, above?.('mlp.fc2'), 'cols');
  }
  for (const [name, role] of stem.output) grownStem(name, role);
  return out;
}

/** Which source layer each target layer copies when stacking (bert2BERT §2.5): l mod L1, remainder from the top. */
export function stackingOrder(from: number, to: number): number[] {
  const k = Math.floor(to / from);
  return Array.from({ length: to }, (_, l) => (l < k * from ? l % from : from - (to - k * from) + (l - k * from)));
}

function copyLayer(state: State, into: State, from: number, to: number): void {
  for (const [name, t] of state) {
    const match = /^blocks\.(\d+)\.(.+)$/.exec(name);
    if (match && Number(match[1]) === from) into.set(`blocks.${to}.${match[2]}`, { shape: t.shape, data: Float32Array.from(t.data) });
  }
}

/**
 * Deepens a model of `depth` layers to `targetDepth`: 'stack' copies layers (StackBERT); 'identity'
 * interleaves new blocks whose output projections are zero, so each new block passes its input through.
 */
export function deepen(state: State, depth: number, targetDepth: number, kind: 'stack' | 'identity'): State {
  const out: State = new Map([...state].filter(([name]) => !name.startsWith('blocks.')));
  if (kind === 'stack') {
    stackingOrder(depth, targetDepth).forEach((from, to) => copyLayer(state, out, from, to));
    return out;
  }
  // Source layer s goes to slot round(s·L2/L1); the other slots get identity blocks (copies of the layer
  // below with zeroed attn.proj and mlp.fc2, so the residual branch adds nothing).
  const slots = new Set(Array.from({ length: depth }, (_, s) => Math.round((s * targetDepth) / depth)));
  let source = -1;
  for (let to = 0; to < targetDepth; to++) {
    if (slots.has(to)) {
      copyLayer(state, out, ++source, to);
      continue;
    }
    copyLayer(state, out, Math.max(source, 0), to);
    for (const zero of ['attn.proj.weight', 'attn.proj.bias', 'mlp.fc2.weight', 'mlp.fc2.bias']) out.get(`blocks.${to}.${zero}`)!.data.fill(0);
  }
  return out;
}
