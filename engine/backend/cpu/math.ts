/** Scalar functions shared by the CPU kernels (and mirrored in WGSL). */

/** erf, Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7, below f32 resolution near 1). */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return sign * y;
}

export const geluTanhC = Math.sqrt(2 / Math.PI);
const invSqrt2 = Math.SQRT1_2;
const invSqrt2Pi = 1 / Math.sqrt(2 * Math.PI);

export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(geluTanhC * (x + 0.044715 * x * x * x)));
}

export function geluTanhGrad(x: number): number {
  const t = Math.tanh(geluTanhC * (x + 0.044715 * x * x * x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * geluTanhC * (1 + 3 * 0.044715 * x * x);
}

export function geluErf(x: number): number {
  return 0.5 * x * (1 + erf(x * invSqrt2));
}

export function geluErfGrad(x: number): number {
  return 0.5 * (1 + erf(x * invSqrt2)) + x * Math.exp(-0.5 * x * x) * invSqrt2Pi;
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
