/** AdamW on the CPU: p ← p·(1 − lr·wd); m, v ← moments; p ← p − lr·m̂ / (√v̂ + eps). */
import type { AdamWHyper, AdamWResult, View } from '../backend.ts';
import { gatherView } from './strided.ts';

export function adamw(paramView: View, gradView: View, mView: View, vView: View, h: AdamWHyper, gradScale?: View): AdamWResult {
  const [p0, rawGrad, m0, v0] = [paramView, gradView, mView, vView].map(gatherView);
  const scale = gradScale ? gatherView(gradScale)[0] : 1;
  const g = gradScale ? rawGrad.map((x) => x * scale) : rawGrad;
  const param = new Float32Array(p0.length);
  const m = new Float32Array(p0.length);
  const v = new Float32Array(p0.length);
  for (let i = 0; i < p0.length; i++) {
    m[i] = h.beta1 * m0[i] + (1 - h.beta1) * g[i];
    v[i] = h.beta2 * v0[i] + (1 - h.beta2) * g[i] * g[i];
    const decayed = p0[i] * (1 - h.lr * h.weightDecay);
    param[i] = decayed - (h.lr * (m[i] / h.biasCorrection1)) / (Math.sqrt(v[i] / h.biasCorrection2) + h.eps);
  }
  return { param, m, v };
}
