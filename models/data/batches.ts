/**
 * Seeded, resumable batching: the order of epoch e is a permutation drawn from (seed, e), and the
 * augmentation of batch b of epoch e from (seed, e, b), so a run resumed at (epoch, batch) continues
 * with exactly the batches an uninterrupted run would have seen.
 */
import { Random } from '../../engine/index.ts';
import type { Dataset } from './dataset.ts';

export interface Batch {
  images: Float32Array;
  labels: Float32Array;
  shape: [number, number, number, number];
}

export interface Augmentation {
  /** zero-padding (in pixels) before a random crop back to the original size; 0 disables */
  cropPadding: number;
  horizontalFlip: boolean;
}

const mix = (...xs: number[]) => xs.reduce((h, x) => (Math.imul(h ^ (x >>> 0), 0x9e3779b1) + 0x7f4a7c15) >>> 0, 0x12345678);

/** Normalised float images for examples `indices`, augmented with `random` when given. */
export function makeBatch(data: Dataset, indices: ArrayLike<number>, augmentation?: Augmentation, random?: Random): Batch {
  const [c, h, w] = data.imageShape;
  const size = c * h * w;
  const images = new Float32Array(indices.length * size);
  const labels = new Float32Array(indices.length);
  for (let b = 0; b < indices.length; b++) {
    const index = indices[b];
    labels[b] = data.labels[index];
    const pad = augmentation && random ? augmentation.cropPadding : 0;
    const dy = pad ? random!.int(2 * pad + 1) - pad : 0;
    const dx = pad ? random!.int(2 * pad + 1) - pad : 0;
    const flip = augmentation?.horizontalFlip && random ? random.uniform() < 0.5 : false;
    for (let ch = 0; ch < c; ch++) {
      const scale = 1 / (255 * data.std[ch]);
      const shift = data.mean[ch] / data.std[ch];
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const sy = y + dy;
          const sx = (flip ? w - 1 - x : x) + dx;
          const inside = sy >= 0 && sy < h && sx >= 0 && sx < w;
          const pixel = inside ? data.pixels[index * size + ch * h * w + sy * w + sx] : 0;
          images[b * size + ch * h * w + y * w + x] = pixel * scale - shift;
        }
      }
    }
  }
  return { images, labels, shape: [indices.length, c, h, w] };
}

export interface BatchPosition {
  epoch: number;
  batch: number;
}

/** Training batches by position, resumable: image Batches, token windows. */
export interface BatchSource<B> {
  at(position: BatchPosition): B;
  next(position: BatchPosition): BatchPosition;
}

export class Batches implements BatchSource<Batch> {
  private order: { epoch: number; permutation: Int32Array } | undefined;

  constructor(readonly data: Dataset, readonly batchSize: number, readonly seed: number, readonly augmentation?: Augmentation) {}

  /** Full batches per epoch (the remainder is dropped, as in DeiT training). */
  get perEpoch(): number {
    return Math.floor(this.data.count / this.batchSize);
  }

  at({ epoch, batch }: BatchPosition): Batch {
    if (this.order?.epoch !== epoch) this.order = { epoch, permutation: new Random(mix(this.seed, epoch)).permutation(this.data.count) };
    const indices = this.order.permutation.subarray(batch * this.batchSize, (batch + 1) * this.batchSize);
    return makeBatch(this.data, indices, this.augmentation, new Random(mix(this.seed, epoch, batch)));
  }

  next(position: BatchPosition): BatchPosition {
    return position.batch + 1 < this.perEpoch ? { epoch: position.epoch, batch: position.batch + 1 } : { epoch: position.epoch + 1, batch: 0 };
  }
}

/** Evaluation batches in order, without augmentation (last batch may be smaller). */
export function* evaluationBatches(data: Dataset, batchSize: number): Generator<Batch> {
  for (let start = 0; start < data.count; start += batchSize) {
    const indices = Array.from({ length: Math.min(batchSize, data.count - start) }, (_, i) => start + i);
    yield makeBatch(data, indices);
  }
}
