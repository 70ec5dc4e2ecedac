/** The savings metric (growth papers): FLOPs to reach the scratch model's final accuracy, interpolated. */
import type { EvalPoint } from '../models/train/trainer.ts';

/** FLOPs at which the curve first reaches `accuracy` (linear between evaluations); undefined if never. */
export function flopsToReach(curve: readonly EvalPoint[], accuracy: number): number | undefined {
  for (let i = 0; i < curve.length; i++) {
    if (curve[i].accuracy < accuracy) continue;
    if (i === 0) return curve[0].flops;
    const [a, b] = [curve[i - 1], curve[i]];
    return a.flops + ((accuracy - a.accuracy) / (b.accuracy - a.accuracy)) * (b.flops - a.flops);
  }
  return undefined;
}

/** Accuracy of the last evaluation within `flops` (equal-compute comparison). */
export function accuracyAt(curve: readonly EvalPoint[], flops: number): number | undefined {
  const within = curve.filter((p) => p.flops <= flops * (1 + 1e-9));
  return within.at(-1)?.accuracy;
}

/**
 * saving = 1 − FLOPs(method → target accuracy, operator included) / FLOPs(scratch → target accuracy).
 * A method curve that never reaches it counts `unreachedAt` FLOPs when given (a bound), else has no saving;
 * a scratch curve at the target before any training leaves nothing to save.
 */
export function saving(method: readonly EvalPoint[], scratch: readonly EvalPoint[], target: number, unreachedAt?: number): number | undefined {
  const ours = flopsToReach(method, target) ?? unreachedAt;
  const theirs = flopsToReach(scratch, target) ?? scratch.at(-1)?.flops;
  return ours === undefined || theirs === undefined || !(theirs > 0) ? undefined : 1 - ours / theirs;
}

/** The pointwise mean of curves evaluated on the same schedule (the scratch reference over seeds). */
export function meanCurve(curves: readonly (readonly EvalPoint[])[]): EvalPoint[] {
  const length = Math.min(...curves.map((c) => c.length));
  return Array.from({ length }, (_, i) => ({
    step: curves[0][i].step,
    flops: curves.reduce((sum, c) => sum + c[i].flops, 0) / curves.length,
    accuracy: curves.reduce((sum, c) => sum + c[i].accuracy, 0) / curves.length,
  }));
}

export function meanAndSpread(values: readonly number[]): { mean: number; spread: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const spread = values.length > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { mean, spread };
}
