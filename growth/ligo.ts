/**
 * LiGO (Wang et al., ICLR 2023) mapped onto ViT as growth-baselines.md §1.2–1.3 describe the official
 * code: depth first (per target layer and module, separate coefficients for weights and biases, init
 * "stackbert_noisy"), then width with expanders whose first rows are a frozen identity and whose new
 * rows are learned: one hidden-axis expander E_e shared by embeddings, norms and the residual sides of
 * every matrix, and per target layer E_q, E_k, E_v (head axes) and E_f (FFN axis). Width init "rand"
 * (each new unit a row-normalised uniform mix of all old units), so the grown model is not
 * function-preserving before training.
 */
import * as E from '../engine/index.ts';
import type { Backend, Random, Tensor } from '../engine/index.ts';
import { MangoError } from '../engine/index.ts';
import { stemOf, type ModelConfig, type WidthRole } from '../models/architecture.ts';
import type { GrowthOperator } from './operator.ts';
import { randomMixtures } from './mixtures.ts';

const modules = ['attn.q', 'attn.k', 'attn.v', 'attn.proj', 'mlp.fc1', 'mlp.fc2', 'norm1', 'norm2'] as const;

export class LigoOperator implements GrowthOperator {
  private readonly expanders = new Map<string, Tensor>();
  private readonly depth = new Map<string, Tensor>();

  constructor(readonly source: ModelConfig, readonly target: ModelConfig, options: { random: Random; backend: Backend; noise?: number }) {
    if (source.mlpRatio !== target.mlpRatio) throw new MangoError('LiGO needs the same MLP ratio in source and target', 'grow between configs with equal mlpRatio');
    const { random, backend } = options;
    const newRows = (added: number, from: number) => E.fromArray(randomMixtures(added, from, random), [added, from], backend).keep().requireGrad();
    const [D1, D2] = [source.dim, target.dim];
    const [F1, F2] = [D1 * source.mlpRatio, D2 * target.mlpRatio];
    this.expanders.set('E_e', newRows(D2 - D1, D1));
    for (let l = 0; l < target.depth; l++) {
      for (const axis of ['q', 'k', 'v']) this.expanders.set(`E_${axis}.${l}`, newRows(D2 - D1, D1));
      this.expanders.set(`E_f.${l}`, newRows(F2 - F1, F1));
      for (const m of modules) {
        for (const part of ['w', 'b']) {
          const u = Float32Array.from({ length: source.depth }, () => random.uniform() * (options.noise ?? 0.03));
          u[l % source.depth] = 1;
          const total = u.reduce((a, b) => a + b, 0);
          this.depth.set(`${m}.${part}.${l}`, E.fromArray(u.map((x) => x / total), [source.depth, 1], backend).keep().requireGrad());
        }
      }
    }
  }

  namedParameters(): [string, Tensor][] {
    return [...this.expanders, ...[...this.depth].map(([n, t]) => [`alpha.${n}`, t] as [string, Tensor])];
  }

  parameterCount(): number {
    return this.namedParameters().reduce((n, [, t]) => n + t.size, 0);
  }

  /** MACs of one materialisation: depth mixing plus the width products of §1.3. */
  macs(): number {
    const [D1, D2, L1, L2] = [this.source.dim, this.target.dim, this.source.depth, this.target.depth];
    const [F1, F2] = [D1 * this.source.mlpRatio, D2 * this.target.mlpRatio];
    const mixing = L2 * L1 * (4 * D1 * D1 + 2 * D1 * F1 + 10 * D1 + F1);
    const width = L2 * (3 * (D1 * D1 * (D2 - D1) + (D2 - D1) * D1 * D2) + (D1 * D1 * (D2 - D1) + (D2 - D1) * D1 * D2)
      + (F1 * D1 * (D2 - D1) + (F2 - F1) * F1 * D2) + (D1 * F1 * (F2 - F1) + (D2 - D1) * D1 * F2));
    return mixing + width;
  }

  /** [X ; Eₓ·X]: grow the out-side (rows) of X with expander `name`. */
  private rows(x: Tensor, name: string): Tensor {
    const e = this.expanders.get(name)!;
    return E.concat([x, e.matmul(x.reshape([x.shape[0], -1])).reshape([e.shape[0], ...x.shape.slice(1)])], 0);
  }

  /** [X , X·Eₓᵀ]: grow the in-side (last axis) of X. */
  private columns(x: Tensor, name: string): Tensor {
    const e = this.expanders.get(name)!;
    const flat = x.reshape([-1, x.shape[x.rank - 1]]);
    return E.concat([flat, flat.matmul(e, { transposeB: true })], 1).reshape([...x.shape.slice(0, -1), x.shape[x.rank - 1] + e.shape[0]]);
  }

  /** Σ_j α_j · X_j over source layers. */
  private mix(parts: Tensor[], key: string): Tensor {
    const alpha = this.depth.get(key)!;
    const stacked = E.stack(parts.map((p) => p.reshape([-1])), 0);
    return alpha.matmul(stacked, { transposeA: true }).reshape(parts[0].shape);
  }

  targetParameters(source: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const D1 = this.source.dim;
    const get = (name: string) => source.get(name)!;
    const perLayer = (name: string) => Array.from({ length: this.source.depth }, (_, j) => get(`blocks.${j}.${name}`));
    const qkvPart = (name: string, k: number) => perLayer(`attn.qkv.${name}`).map((t) => t.slice([k * D1], [(k + 1) * D1]));
    const stem = stemOf(this.source);
    // One embedding expander E_e for the whole residual stream. LiGO promises no function preservation,
    // so a norm before a tied head grows like any other ('splitRows' as 'rows').
    const grown = (t: Tensor, role: WidthRole) => (role === 'columns' || role === 'readout' ? this.columns(t, 'E_e') : role === 'unchanged' ? t.mul(1) : this.rows(t, 'E_e'));
    for (const [name, role] of stem.input) out.set(name, grown(get(name), role));
    for (let l = 0; l < this.target.depth; l++) {
      const b = (n: string) => `blocks.${l}.${n}`;
      for (const norm of ['norm1', 'norm2'] as const) {
        out.set(b(`${norm}.weight`), this.rows(this.mix(perLayer(`${norm}.weight`), `${norm}.w.${l}`), 'E_e'));
        out.set(b(`${norm}.bias`), this.rows(this.mix(perLayer(`${norm}.bias`), `${norm}.b.${l}`), 'E_e'));
      }
      const qkv = (['q', 'k', 'v'] as const).map((axis, k) => ({
        weight: this.rows(this.columns(this.mix(qkvPart('weight', k), `attn.${axis}.w.${l}`), 'E_e'), `E_${axis}.${l}`),
        bias: this.rows(this.mix(qkvPart('bias', k), `attn.${axis}.b.${l}`), `E_${axis}.${l}`),
      }));
      out.set(b('attn.qkv.weight'), E.concat(qkv.map((p) => p.weight), 0));
      out.set(b('attn.qkv.bias'), E.concat(qkv.map((p) => p.bias), 0));
      out.set(b('attn.proj.weight'), this.rows(this.columns(this.mix(perLayer('attn.proj.weight'), `attn.proj.w.${l}`), `E_v.${l}`), 'E_e'));
      out.set(b('attn.proj.bias'), this.rows(this.mix(perLayer('attn.proj.bias'), `attn.proj.b.${l}`), 'E_e'));
      out.set(b('mlp.fc1.weight'), this.rows(this.columns(this.mix(perLayer('mlp.fc1.weight'), `mlp.fc1.w.${l}`), 'E_e'), `E_f.${l}`));
      out.set(b('mlp.fc1.bias'), this.rows(this.mix(perLayer('mlp.fc1.bias'), `mlp.fc1.b.${l}`), `E_f.${l}`));
      out.set(b('mlp.fc2.weight'), this.rows(this.columns(this.mix(perLayer('mlp.fc2.weight'), `mlp.fc2.w.${l}`), `E_f.${l}`), 'E_e'));
      out.set(b('mlp.fc2.bias'), this.rows(this.mix(perLayer('mlp.fc2.bias'), `mlp.fc2.b.${l}`), 'E_e'));
    }
    for (const [name, role] of stem.output) out.set(name, grown(get(name), role));
    return out;
  }

  materializeInto(source: ReadonlyMap<string, Tensor>, emit: (name: string, value: Tensor) => void): void {
    E.noGrad(() => E.tidy(() => { for (const [name, t] of this.targetParameters(source)) emit(name, t); }));
  }

  dispose(): void {
    for (const [, t] of this.namedParameters()) {
      t.grad?.dispose();
      t.dispose();
    }
  }
}
