/**
 * Optimizers over a model's named parameters: AdamW (fused kernel; decoupled weight decay, none on
 * norms, biases and embeddings) and SGD with momentum. State is exportable for checkpoints.
 */
import * as E from '../../engine/index.ts';
import type { Tensor } from '../../engine/index.ts';
import type { HostTensor } from '../checkpoint/host-tensor.ts';

/** timm/DeiT convention: no weight decay on 1-D parameters (norms, biases) or the cls/position embeddings. */
export function decays(name: string, t: Tensor): boolean {
  return t.rank > 1 && !name.endsWith('cls_token') && !name.endsWith('pos_embed');
}

export interface Optimizer {
  readonly kind: string;
  /** Updates every parameter with a gradient; `gradScale` (one value on the device) scales the gradients first. */
  step(lr: number, gradScale?: Tensor): void;
  zeroGrad(): void;
  /** State tensors by name (for checkpoints) plus the step count. */
  state(): Promise<{ step: number; tensors: Map<string, HostTensor> }>;
  loadState(state: { step: number; tensors: ReadonlyMap<string, HostTensor> }): void;
  dispose(): void;
}

abstract class BaseOptimizer implements Optimizer {
  abstract readonly kind: string;
  protected stepCount = 0;
  protected readonly slots = new Map<string, Tensor>();

  constructor(protected readonly params: readonly [string, Tensor][], protected readonly slotNames: readonly string[]) {
    for (const [name, p] of params) for (const slot of slotNames) this.slots.set(`${slot}.${name}`, E.zeros(p.shape, p.backend).keep());
  }

  abstract step(lr: number, gradScale?: Tensor): void;

  zeroGrad(): void {
    for (const [, p] of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  async state() {
    const tensors = new Map<string, HostTensor>();
    for (const [name, t] of this.slots) tensors.set(name, { shape: [...t.shape], data: await t.data() });
    return { step: this.stepCount, tensors };
  }

  loadState(state: { step: number; tensors: ReadonlyMap<string, HostTensor> }): void {
    for (const [name, t] of this.slots) {
      const saved = state.tensors.get(name);
      if (!saved || saved.data.length !== t.size) throw new E.MangoError(`optimizer state "${name}" is missing or has the wrong size`, 'resume with the optimizer and model the checkpoint was written with');
      t.assign(E.fromArray(saved.data, t.shape, t.backend));
    }
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const t of this.slots.values()) t.dispose();
  }
}

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export class AdamW extends BaseOptimizer {
  readonly kind = 'adamw';
  constructor(params: readonly [string, Tensor][], private readonly options: AdamWOptions = {}) {
    super(params, ['m', 'v']);
  }

  step(lr: number, gradScale?: Tensor): void {
    this.stepCount++;
    const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.05 } = this.options;
    for (const [name, p] of this.params) {
      if (!p.grad) continue;
      E.adamwStep(p, p.grad, this.slots.get(`m.${name}`)!, this.slots.get(`v.${name}`)!, {
        lr, beta1, beta2, eps, weightDecay: decays(name, p) ? weightDecay : 0,
        biasCorrection1: 1 - beta1 ** this.stepCount, biasCorrection2: 1 - beta2 ** this.stepCount,
      }, gradScale);
    }
  }
}

export class SGD extends BaseOptimizer {
  readonly kind = 'sgd';
  constructor(params: readonly [string, Tensor][], private readonly options: { momentum?: number; weightDecay?: number } = {}) {
    super(params, ['momentum']);
  }

  /** PyTorch's SGD: g ← g + wd·p; buf ← μ·buf + g; p ← p − lr·buf. */
  step(lr: number, gradScale?: Tensor): void {
    this.stepCount++;
    const { momentum = 0.9, weightDecay = 0 } = this.options;
    E.noGrad(() => {
      for (const [name, p] of this.params) {
        if (!p.grad) continue;
        const buffer = this.slots.get(`momentum.${name}`)!;
        E.tidy(() => {
          const scaled = gradScale ? p.grad!.mul(gradScale) : p.grad!;
          const g = decays(name, p) && weightDecay ? scaled.add(p.mul(weightDecay)) : scaled;
          buffer.assign((this.stepCount === 1 ? g.clone() : buffer.mul(momentum).add(g)).keep());
          p.assign(p.sub(buffer.mul(lr)).keep());
        });
      }
    });
  }
}

/**
 * The factor min(1, maxNorm / ‖g‖) that brings the global L2 norm of all gradients to at most `maxNorm`,
 * and that norm, both on the device (no readback). Pass `scale` to `Optimizer.step`, which applies it
 * inside its update instead of rewriting every gradient.
 */
export function gradNormScale(params: readonly Tensor[], maxNorm: number): { norm: Tensor; scale: Tensor } {
  return E.noGrad(() => {
    const grads = params.flatMap((p) => (p.grad ? [p.grad] : []));
    const norm = grads.length ? E.tidy(() => E.squaredNorms(grads).sum().sqrt()) : E.zeros([], params[0]?.backend);
    const scale = E.tidy(() => E.minimum(E.reciprocal(norm.add(1e-6)).mul(maxNorm), 1));
    return { norm, scale };
  });
}

/** One optimizer step, with global-norm clipping to `maxNorm` (when given) folded into the update. */
export function clippedStep(optimizer: Optimizer, params: readonly Tensor[], lr: number, maxNorm?: number): void {
  const clip = maxNorm ? gradNormScale(params, maxNorm) : undefined;
  optimizer.step(lr, clip?.scale);
  clip?.norm.dispose();
  clip?.scale.dispose();
}

/**
 * Scales all gradients in place so their global L2 norm is at most `maxNorm` (for code that reads the
 * gradients afterwards; optimizers take `gradNormScale`'s factor directly). Returns the norm before clipping.
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): Tensor {
  const { norm, scale } = gradNormScale(params, maxNorm);
  E.noGrad(() => E.tidy(() => {
    for (const p of params) if (p.grad) p.grad.assign(p.grad.mul(scale).keep());
  }));
  scale.dispose();
  return norm;
}

/** Linear warmup to `base`, then cosine decay to `min` at `total` steps. */
export function cosineWithWarmup(step: number, options: { base: number; warmup: number; total: number; min?: number }): number {
  const { base, warmup, total, min = 0 } = options;
  if (step < warmup) return (base * (step + 1)) / warmup;
  const progress = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return min + 0.5 * (base - min) * (1 + Math.cos(Math.PI * progress));
}
