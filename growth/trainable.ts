/**
 * A growth operator trained on the target's task loss with the source frozen (Mango, LiGO), then
 * materialised into the target model once. FLOPs per operator step: the target's forward+backward on
 * the batch plus 3 × the operator contraction (forward + backward ≈ 2×), as in mango-spec §5.3.
 */
import * as E from '../engine/index.ts';
import type { Tensor } from '../engine/index.ts';
import { Batches, type BatchPosition, type BatchSource } from '../models/data/batches.ts';
import type { Dataset } from '../models/data/dataset.ts';
import { AdamW, cosineWithWarmup } from '../models/optim/optimizer.ts';
import { progress } from '../models/train/progress.ts';
import { batchLoss, trainStep, type ModelBatch } from '../models/train/step.ts';
import { trainFlopsPerExample, type Model } from '../models/architecture.ts';
import type { GrowthOperator } from './operator.ts';

export interface OperatorTrainingOptions {
  steps: number;
  /** the images to train on (batched here), or, for any model, a batch source of its own (token windows) */
  data: Dataset | BatchSource<ModelBatch>;
  batchSize: number;
  lr: number;
  warmupSteps?: number;
  /** weight decay on the operator (default 0: decay would shrink the grown weights) */
  weightDecay?: number;
  labelSmoothing?: number;
  clipNorm?: number;
  seed?: number;
  showProgress?: boolean;
  onStep?: (step: number, loss: number) => void;
}

export interface OperatorTrainingResult {
  steps: number;
  flops: number;
  losses: number[];
}

export class TrainableGrowth {
  /** Detached views of the source's parameters: a constant of the operator, so backward computes no gradient for it. */
  private readonly frozenSource: Map<string, Tensor>;

  constructor(readonly source: Model, readonly target: Model, readonly operator: GrowthOperator) {
    this.frozenSource = new Map(source.namedParameters().map(([name, t]) => [name, t.detach().keep()]));
  }

  /** FLOPs of one operator step on a batch of `batchSize` images. */
  stepFlops(batchSize: number): number {
    return trainFlopsPerExample(this.target.config) * batchSize + 3 * 2 * this.operator.macs();
  }

  async trainOperator(options: OperatorTrainingOptions): Promise<OperatorTrainingResult> {
    const backend = this.target.backend;
    const optimizer = new AdamW(this.operator.namedParameters(), { weightDecay: options.weightDecay ?? 0 });
    const batches: BatchSource<ModelBatch> = 'at' in options.data ? options.data : new Batches(options.data, options.batchSize, options.seed ?? 0);
    let position: BatchPosition = { epoch: 0, batch: 0 };
    const losses: number[] = [];
    const bar = progress('operator', options.steps, options.showProgress ?? true);
    this.target.train();
    try {
      for (let step = 0; step < options.steps; step++) {
        const batch = batches.at(position);
        position = batches.next(position);
        const value = await trainStep({
          backend,
          loss: () => {
            const params = this.operator.targetParameters(this.frozenSource);
            if (step === 0) this.checkCoversTarget(params);
            return this.target.withParameters(params, () => batchLoss(this.target, batch, options.labelSmoothing));
          },
          optimizer, params: () => this.operator.namedParameters().map(([, t]) => t),
          lr: cosineWithWarmup(step, { base: options.lr, warmup: options.warmupSteps ?? 0, total: options.steps, min: options.lr * 0.1 }), clipNorm: options.clipNorm,
        });
        if (!Number.isFinite(value)) throw new E.MangoError(`operator training diverged (loss ${value} at step ${step + 1})`, 'lower the operator learning rate (--op-lr)');
        losses.push(value);
        options.onStep?.(step + 1, value);
        bar.update(step + 1, { loss: value.toFixed(4) });
        await E.tuneKernels(backend);
      }
    } finally {
      bar.stop();
      optimizer.dispose();
    }
    return { steps: options.steps, flops: options.steps * this.stepFlops(options.batchSize), losses };
  }

  /** Every target parameter stands in from the operator, so the target's own tensors stay out of the graph (no gradients). */
  private checkCoversTarget(params: ReadonlyMap<string, Tensor>): void {
    const missing = this.target.namedParameters().map(([name]) => name).filter((name) => !params.has(name));
    if (missing.length) throw new E.MangoError(`the growth operator does not produce ${missing.join(', ')}`, 'this is a bug in the operator: it must return every target parameter');
  }

  /** Writes Φ(M1) (and the aux parameters) into the target model's own parameters, chunk by chunk. */
  materialize(): void {
    const targetParams = new Map(this.target.namedParameters());
    E.withBackend(this.target.backend, () => this.operator.materializeInto(this.frozenSource, (name, value) => {
      targetParams.get(name)!.assign(value);
    }));
  }

  dispose(): void {
    this.operator.dispose();
    for (const t of this.frozenSource.values()) t.dispose();
  }
}
