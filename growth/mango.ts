/**
 * The Mango operator (mango-spec §2): a tensor-ring MPO with cores S_B [R,B,B,R], S_I [R,I1,I2,R],
 * S_O [R,O1,O2,R], S_L [R,L1,L2,R] mapping the source layer tensor M1 [B, D1+1, D1, L1] to the target's
 * M2 [B, D2+1, D2, L2]; every target weight is a linear function of all source weights. The full map S
 * (|M1|·|M2| entries) is never built: contraction runs as batched GEMMs in one of two orders (A: mode
 * products B→I→O→L; B: "sandwich" per target matrix), picked by an analytic cost model, and the
 * materialisation is chunked per target layer. Aux expanders G_out, G_in handle embeddings, norms, head.
 */
import * as E from '../engine/index.ts';
import type { Backend, Random, Tensor } from '../engine/index.ts';
import { MangoError } from '../engine/index.ts';
import { stemOf, type ModelConfig, type WidthRole } from '../models/architecture.ts';
import { depthMap, duplicationMatrices, repeatedLayers } from './duplication.ts';
import { checkGrowable } from './compatible.ts';
import { mixingExpander } from './mixtures.ts';
import type { GrowthOperator } from './operator.ts';
import { blocksPerLayer, checkPackable, packLayers, residualOutputBlocks, unpackLayers } from './pack.ts';

export type ContractionOrder = 'A' | 'B';

/** Smallest |column sum| the norm depth mixing divides by. */
export const minColumnSum = 0.1;

export interface MangoOptions {
  /** ring rank R (default 1) */
  rank?: number;
  /** contraction order; 'auto' (default) picks the cheaper by the cost model */
  order?: ContractionOrder | 'auto';
  /**
   * init noise relative to the RMS of the main slice (default 1e-2) on the free entries of ring slots ≥ 1
   * and on S_O's ring couplings; placed so that it does not change M2 at init (see the constructor)
   */
  noise?: number;
  /**
   * how the target's layers start when L2 > L1: 'stack' (l2 ← l2 mod L1) or 'interlace' (l2 ← ⌊l2·L1/L2⌋)
   * copies, or 'identity': interlaced, with each repeated layer an identity block (its attn.proj and
   * mlp.fc2 cancelled through ring slot 1, Net2Net's deepen; needs R ≥ 2). Default 'identity' at R ≥ 2,
   * else 'stack'.
   */
  depthInit?: 'stack' | 'interlace' | 'identity';
  /**
   * how the new width starts: 'copy' (default; new unit j copies source unit j mod D1, fan-in split, so the
   * init is function-preserving) or 'mix' (LiGO's "rand": each new unit a random mixture of the source units,
   * the same expander on both sides; not function-preserving, but training does not keep it inside the source width)
   */
  widthInit?: 'copy' | 'mix';
  /** freeze S_B to the identity (LiGO-proxy: no mixing across weight types) */
  freezeTypeMixing?: boolean;
  /** freeze S_L (no learned mixing across layers) */
  freezeLayerMixing?: boolean;
  random?: Random;
  backend?: Backend;
}

interface Dims { B: number; I1: number; O1: number; L1: number; I2: number; O2: number; L2: number; R: number }

/** Analytic MAC counts of one operator forward (spec §2.3). */
export function contractionMacs(d: Dims, order: ContractionOrder): number {
  const { B, I1, O1, L1, I2, O2, L2, R } = d;
  if (order === 'A') return R * R * B * B * I1 * O1 * L1 + R ** 3 * B * I1 * I2 * O1 * L1 + R ** 3 * B * I2 * O1 * O2 * L1 + R * R * B * I2 * O2 * L1 * L2;
  return R ** 3 * B * B * L1 * L2 + R * R * B * B * L1 * L2 * I1 * O1 + R ** 3 * B * L2 * I1 * I2 * O1 + R * R * B * L2 * I2 * O1 * O2;
}

export class MangoOperator implements GrowthOperator {
  readonly dims: Dims;
  readonly order: ContractionOrder;
  readonly SB: Tensor;
  readonly SI: Tensor;
  readonly SO: Tensor;
  readonly SL: Tensor;
  /** residual-width expander [D1, D2] (embeddings, norms) and head-input expander [D1, D2] */
  readonly gOut: Tensor;
  readonly gIn: Tensor;

  /** Largest single buffer a chunk may need (the backend's binding limit; 128 MiB unless told). */
  maxBindingBytes = 128 * 2 ** 20;

  constructor(readonly source: ModelConfig, readonly target: ModelConfig, readonly options: MangoOptions = {}) {
    checkPackable(source);
    checkPackable(target);
    const R = options.rank ?? 1;
    if (!Number.isInteger(R) || R < 1) throw new MangoError(`Mango rank must be an integer ≥ 1 (got ${R})`, 'use --rank 1, 2, 4, …');
    checkGrowable(source, target);
    const [D1, D2] = [source.dim, target.dim];
    this.dims = { B: blocksPerLayer, I1: D1 + 1, O1: D1, L1: source.depth, I2: D2 + 1, O2: D2, L2: target.depth, R };
    const requested = options.order ?? 'auto';
    this.order = requested === 'auto' ? (contractionMacs(this.dims, 'A') <= contractionMacs(this.dims, 'B') ? 'A' : 'B') : requested;

    const random = options.random ?? new E.Random(0);
    const backend = options.backend ?? E.getBackend();
    const widthInit = options.widthInit ?? 'copy';
    if (widthInit !== 'copy' && widthInit !== 'mix') throw new MangoError(`unknown Mango width init "${widthInit}"`, 'use copy or mix');
    const mixing = widthInit === 'mix' ? mixingExpander(D1, D2, random) : undefined;
    const { E: expand, F } = mixing ? { E: mixing, F: mixing } : duplicationMatrices(D1, D2);
    const identity = (n: number) => Float32Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
    const withBiasSlot = new Float32Array((D1 + 1) * (D2 + 1));
    for (let i = 0; i < D1; i++) withBiasSlot.set(F.subarray(i * D2, (i + 1) * D2), i * (D2 + 1));
    withBiasSlot[D1 * (D2 + 1) + D2] = 1;
    const [L1, L2] = [source.depth, target.depth];
    const depthInit = options.depthInit ?? (R >= 2 && L2 > L1 ? 'identity' : 'stack');
    const identityLayers = depthInit === 'identity' && L2 > L1;
    if (identityLayers && R < 2) throw new MangoError(`depthInit 'identity' needs rank ≥ 2 (got ${R})`, "use --rank 2 or more, or depthInit 'stack'");
    const depth = L2 > L1 ? depthMap(L1, L2, depthInit === 'identity' ? 'interlace' : depthInit) : identity(L1);
    // With widthInit 'copy' the init is function-preserving at every rank. A ring path that leaves the diagonal (α=β=γ=δ)
    // changes the ring index at least twice, i.e. uses couplings S[a,:,:,b] (a ≠ b) of two different
    // cores; only S_O's couplings are nonzero, so M2 = Σ_a S_B[a] ⊗ S_I[a] ⊗ S_O[a] ⊗ S_L[a] with
    // S[a] = S[a,:,:,a]. Slot 0 copies (I, F, E, depth map). Slot 1 of 'identity' is −P ⊗ F ⊗ E ⊗ N: P
    // selects the residual-output blocks (W_O and the W_OUT chunks; bias rows ride along in F's bias
    // slot) and N the repeated entries of the depth map, so those blocks cancel exactly in the repeated
    // layers and the residual branches there add zero. Every other slot has S_L[a] = 0 and noise in
    // S_B/S_I/S_O[a]. Every zero still gets a gradient within one step (the noise closes the ring paths;
    // with noise 0 the couplings would stay 0 for good). docs/growth.md has the details.
    const noise = options.noise ?? 1e-2;
    /** [R, rows, cols, R] with `slots[a]` as S[a,:,:,a]; noise where `noisy` says (other diagonal slots, couplings), else 0. */
    const core = (slots: Float32Array[], rows: number, cols: number, noisy: { free: boolean; couplings: boolean }, trainable = true) => {
      const scale = noise * Math.sqrt(slots[0].reduce((s, v) => s + v * v, 0) / slots[0].length);
      const values = new Float32Array(R * rows * cols * R);
      for (let a = 0; a < R; a++) for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) for (let b = 0; b < R; b++) {
        const given = a === b ? slots[a] : undefined;
        values[((a * rows + r) * cols + c) * R + b] = given ? given[r * cols + c] : (a === b ? noisy.free : noisy.couplings) ? scale * random.normal() : 0;
      }
      return E.fromArray(values, [R, rows, cols, R], backend).keep().requireGrad(trainable);
    };
    const cancelled = identity(blocksPerLayer).map((v, k) => (residualOutputBlocks.includes(Math.floor(k / blocksPerLayer)) ? -v : 0));
    const slot1 = <T>(x: T): T[] => (identityLayers ? [x] : []);
    const typeMixing = !options.freezeTypeMixing;
    this.SB = core([identity(blocksPerLayer), ...slot1(cancelled)], blocksPerLayer, blocksPerLayer, { free: typeMixing, couplings: false }, typeMixing);
    this.SI = core([withBiasSlot, ...slot1(withBiasSlot)], D1 + 1, D2 + 1, { free: true, couplings: false });
    this.SO = core([expand, ...slot1(expand)], D1, D2, { free: true, couplings: true });
    this.SL = core([depth, ...slot1(repeatedLayers(depth, L1, L2))], L1, L2, { free: false, couplings: false }, !options.freezeLayerMixing);
    this.gOut = E.fromArray(expand, [D1, D2], backend).keep().requireGrad();
    this.gIn = E.fromArray(F, [D1, D2], backend).keep().requireGrad();
  }

  /** Trainable tensors by name (frozen cores excluded). */
  namedParameters(): [string, Tensor][] {
    const all: [string, Tensor][] = [['S_B', this.SB], ['S_I', this.SI], ['S_O', this.SO], ['S_L', this.SL], ['G_out', this.gOut], ['G_in', this.gIn]];
    return all.filter(([, t]) => t.requiresGrad);
  }

  parameterCount(): number {
    return [this.SB, this.SI, this.SO, this.SL, this.gOut, this.gIn].reduce((n, t) => n + t.size, 0);
  }

  /** MACs of one forward contraction in the chosen order. */
  macs(order = this.order): number {
    return contractionMacs(this.dims, order);
  }

  /** K[b2, β, b1, δ, l1, l2] = Σ_α S_B[α,b1,b2,β] · S_L[δ,l1,l2,α]: the tiny type×layer coefficient tensor. */
  private coefficients(): Tensor {
    const { B, L1, L2, R } = this.dims;
    const sb = this.SB.permute([2, 3, 1, 0]).reshape([B * R * B, R]);
    const sl = this.SL.permute([3, 0, 1, 2]).reshape([R, R * L1 * L2]);
    return sb.matmul(sl).reshape([B, R, B, R, L1, L2]);
  }

  /**
   * Order B for target layers [from, to) and target blocks [blockFrom, blockTo): returns that part of M2,
   * [blocks, I2, O2, to-from].
   */
  private sandwich(m1: Tensor, from: number, to: number, blockFrom = 0, blockTo = this.dims.B): Tensor {
    const { B, I1, O1, L1, I2, O2, R } = this.dims;
    const layers = to - from;
    const blocks = blockTo - blockFrom;
    const k = this.coefficients().slice([blockFrom, 0, 0, 0, 0, from], [blockTo, R, B, R, L1, to]);
    const kMat = k.permute([0, 5, 1, 3, 2, 4]).reshape([blocks * layers * R * R, B * L1]);
    const mMat = m1.permute([0, 3, 1, 2]).reshape([B * L1, I1 * O1]);
    const g = blocks * layers;
    const n = kMat.matmul(mMat).reshape([g, R, R, I1, O1]);
    // P[g, δ, i2, γ, o1] = Σ_{β,i1} S_I[β,i1,i2,γ] · N[g,β,δ,i1,o1]
    const nByDelta = n.permute([0, 2, 1, 3, 4]).reshape([g * R, R * I1, O1]);
    const p = this.SI.reshape([R * I1, I2 * R]).matmul(nByDelta, { transposeA: true }).reshape([g, R, I2, R, O1]);
    // W2[g, i2, o2] = Σ_{γ,δ,o1} P · S_O[γ,o1,o2,δ]
    const pMat = p.permute([0, 2, 3, 1, 4]).reshape([g, I2, R * R * O1]);
    const so = this.SO.permute([0, 3, 1, 2]).reshape([R * R * O1, O2]);
    return pMat.matmul(so).reshape([blocks, layers, I2, O2]).permute([0, 2, 3, 1]);
  }

  /** Order A for target block b2 (all layers): returns [I2, O2, L2]. */
  private modeProducts(m1: Tensor, b2: number): Tensor {
    const { B, I1, O1, L1, I2, O2, L2, R } = this.dims;
    // T1[α,β,i1,o1,l1] = Σ_b1 S_B[α,b1,b2,β] M1[b1,i1,o1,l1]
    const sb = this.SB.slice([0, 0, b2, 0], [R, B, b2 + 1, R]).permute([0, 2, 3, 1]).reshape([R * R, B]);
    const t1 = sb.matmul(m1.reshape([B, I1 * O1 * L1])).reshape([R, R, I1, O1, L1]);
    // T2[α,o1,l1,i2,γ] = Σ_{β,i1} T1 · S_I[β,i1,i2,γ]
    const t2 = t1.permute([0, 3, 4, 1, 2]).reshape([R * O1 * L1, R * I1]).matmul(this.SI.reshape([R * I1, I2 * R])).reshape([R, O1, L1, I2, R]);
    // T3[α,l1,i2,o2,δ] = Σ_{γ,o1} T2 · S_O[γ,o1,o2,δ]
    const t3 = t2.permute([0, 2, 3, 4, 1]).reshape([R * L1 * I2, R * O1]).matmul(this.SO.reshape([R * O1, O2 * R])).reshape([R, L1, I2, O2, R]);
    // M2[i2,o2,l2] = Σ_{δ,l1,α} T3 · S_L[δ,l1,l2,α]
    const sl = this.SL.permute([0, 1, 3, 2]).reshape([R * L1 * R, L2]);
    return t3.permute([2, 3, 4, 1, 0]).reshape([I2 * O2, R * L1 * R]).matmul(sl).reshape([I2, O2, L2]);
  }

  /** M2 = Φ(M1) in full (differentiable; used in operator training). */
  contract(m1: Tensor, order = this.order): Tensor {
    if (order === 'B') return this.sandwich(m1, 0, this.dims.L2);
    return E.stack(Array.from({ length: this.dims.B }, (_, b2) => this.modeProducts(m1, b2)), 0);
  }

  /**
   * Per-layer norm parameters mixed over depth by Λ = Σ_r S_L[r,:,:,r], columns normalised to sum 1 (for
   * 'identity', a repeated layer's column is 2·copy, so it gets its source layer's norms). A column sum
   * with |sum| < minColumnSum is replaced by ±minColumnSum: exact for healthy sums, finite (gradients at
   * most |Λ|/minColumnSum²) when a column cancels.
   */
  private depthMixing(): Tensor {
    const { L1, L2, R } = this.dims;
    let diagonal = this.SL.slice([0, 0, 0, 0], [1, L1, L2, 1]).reshape([L1, L2]);
    for (let r = 1; r < R; r++) diagonal = diagonal.add(this.SL.slice([r, 0, 0, r], [r + 1, L1, L2, r + 1]).reshape([L1, L2]));
    const sums = diagonal.sum(0, true);
    return diagonal.div(E.where(sums.abs().lt(minColumnSum), E.where(sums.lt(0), -minColumnSum, minColumnSum), sums));
  }

  /** Target embeddings, norms and head from the source's (differentiable in G_out, G_in, S_L). */
  auxParameters(source: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
    const [D1, D2] = [this.source.dim, this.target.dim];
    const { L1, L2 } = this.dims;
    const out = new Map<string, Tensor>();
    const widen = (x: Tensor) => x.reshape([-1, D1]).matmul(this.gOut);
    const stem = stemOf(this.source);
    const rowsOf = (t: Tensor) => (t.rank === 1 ? widen(t).reshape([D2]) : this.gOut.matmul(t.reshape([D1, -1]), { transposeA: true }).reshape([D2, ...t.shape.slice(1)]));
    const grown: Record<WidthRole, (t: Tensor) => Tensor> = {
      rows: rowsOf,
      columns: (t) => widen(t).reshape([...t.shape.slice(0, -1), D2]),
      readout: (t) => t.matmul(this.gIn),
      // G_in starts as the splitting map F, so a final norm feeding a tied head splits its units (E·Fᵀ = I)
      splitRows: (t) => t.reshape([1, D1]).matmul(this.gIn).reshape([D2]),
      unchanged: (t) => t.mul(1),
    };
    for (const [name, role] of stem.input) out.set(name, grown[role](source.get(name)!));
    const lambda = this.depthMixing();
    for (const norm of ['norm1.weight', 'norm1.bias', 'norm2.weight', 'norm2.bias']) {
      const stacked = E.stack(Array.from({ length: L1 }, (_, l) => source.get(`blocks.${l}.${norm}`)!), 0);
      const mixed = widen(lambda.matmul(stacked, { transposeA: true }));
      for (let l = 0; l < L2; l++) out.set(`blocks.${l}.${norm}`, mixed.slice([l, 0], [l + 1, D2]).reshape([D2]));
    }
    for (const [name, role] of stem.output) out.set(name, grown[role](source.get(name)!));
    return out;
  }

  private packed?: { from: ReadonlyMap<string, Tensor>; m1: Tensor };

  /** The source's layer tensor M1, packed once per source map (the source is frozen while the operator uses it). */
  layerTensor(source: ReadonlyMap<string, Tensor>): Tensor {
    if (this.packed?.from !== source) {
      this.packed?.m1.dispose();
      this.packed = { from: source, m1: E.noGrad(() => E.tidy(() => packLayers(source, this.source))).keep() };
    }
    return this.packed.m1;
  }

  /** Every target parameter as a function of the cores and the frozen source (differentiable; for operator training). */
  targetParameters(source: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
    const blocks = unpackLayers(this.contract(this.layerTensor(source)), this.target);
    return new Map([...this.auxParameters(source), ...blocks]);
  }

  /**
   * Target parameters without gradients, one target layer at a time (Order B chunks, whatever order the
   * cost model picked for training), so the peak extra memory is one layer's intermediates; `emit`
   * receives each finished parameter.
   */
  materializeInto(source: ReadonlyMap<string, Tensor>, emit: (name: string, value: Tensor) => void): void {
    const m1 = this.layerTensor(source);
    E.noGrad(() => {
      E.tidy(() => { for (const [name, t] of this.auxParameters(source)) emit(name, t); });
      // Always Order B here: it yields whole target layers, so only one layer's intermediates are live
      // (Order A yields one weight type across all layers and would hold all of M2 before unpacking).
      const { B, I1, O1, I2, R } = this.dims;
      // Blocks per step: the largest intermediate (R²·I2·O1 per block) must fit one storage binding.
      const perBlock = 4 * R * R * Math.max(I1, I2) * O1;
      const blocksPerStep = Math.max(1, Math.min(B, Math.floor(this.maxBindingBytes / perBlock)));
      for (let l = 0; l < this.dims.L2; l++) {
        E.tidy(() => {
          const parts: Tensor[] = [];
          for (let b = 0; b < B; b += blocksPerStep) parts.push(this.sandwich(m1, l, l + 1, b, Math.min(B, b + blocksPerStep)));
          const layer = parts.length === 1 ? parts[0] : E.concat(parts, 0);
          for (const [name, t] of unpackLayers(layer, { ...this.target, depth: 1 })) emit(name.replace(/^blocks\.0\./, `blocks.${l}.`), t);
        });
      }
    });
  }

  dispose(): void {
    this.packed?.m1.dispose();
    this.packed = undefined;
    for (const t of [this.SB, this.SI, this.SO, this.SL, this.gOut, this.gIn]) {
      t.grad?.dispose();
      t.dispose();
    }
  }
}
