/** Row-wise neural-network kernels of the CPU backend: softmax, layer norm, cross-entropy. */
import type { LayerNormGrads, LayerNormResult, View } from '../backend.ts';
import { ShapeError } from '../../errors.ts';
import { gatherView } from './strided.ts';

function rows(view: View): { x: Float32Array; width: number; count: number } {
  const x = gatherView(view);
  const width = view.shape[view.shape.length - 1] ?? 1;
  return { x, width, count: width === 0 ? 0 : x.length / width };
}

export function softmax(view: View, log: boolean): Float32Array {
  const { x, width, count } = rows(view);
  const y = new Float32Array(x.length);
  for (let r = 0; r < count; r++) {
    const base = r * width;
    let max = -Infinity;
    for (let j = 0; j < width; j++) max = Math.max(max, x[base + j]);
    let sum = 0;
    for (let j = 0; j < width; j++) sum += Math.exp(x[base + j] - max);
    if (log) {
      const logSum = Math.log(sum);
      for (let j = 0; j < width; j++) y[base + j] = x[base + j] - max - logSum;
    } else {
      for (let j = 0; j < width; j++) y[base + j] = Math.exp(x[base + j] - max) / sum;
    }
  }
  return y;
}

export function layerNorm(view: View, gammaView: View, betaView: View, eps: number): LayerNormResult {
  const { x, width, count } = rows(view);
  const gamma = gatherView(gammaView);
  const beta = gatherView(betaView);
  const y = new Float32Array(x.length);
  const mean = new Float32Array(count);
  const rstd = new Float32Array(count);
  for (let r = 0; r < count; r++) {
    const base = r * width;
    let sum = 0;
    for (let j = 0; j < width; j++) sum += x[base + j];
    const m = sum / width;
    let sq = 0;
    for (let j = 0; j < width; j++) sq += (x[base + j] - m) ** 2;
    const s = 1 / Math.sqrt(sq / width + eps);
    mean[r] = m;
    rstd[r] = s;
    for (let j = 0; j < width; j++) y[base + j] = (x[base + j] - m) * s * gamma[j] + beta[j];
  }
  return { y, mean, rstd };
}

export function layerNormBackward(dyView: View, xView: View, gammaView: View, meanView: View, rstdView: View): LayerNormGrads {
  const { x, width, count } = rows(xView);
  const dy = gatherView(dyView);
  const gamma = gatherView(gammaView);
  const mean = gatherView(meanView);
  const rstd = gatherView(rstdView);
  const dx = new Float32Array(x.length);
  const dgamma = new Float64Array(width);
  const dbeta = new Float64Array(width);
  for (let r = 0; r < count; r++) {
    const base = r * width;
    let sumG = 0;
    let sumGx = 0;
    for (let j = 0; j < width; j++) {
      const xhat = (x[base + j] - mean[r]) * rstd[r];
      const g = dy[base + j] * gamma[j];
      sumG += g;
      sumGx += g * xhat;
      dgamma[j] += dy[base + j] * xhat;
      dbeta[j] += dy[base + j];
    }
    for (let j = 0; j < width; j++) {
      const xhat = (x[base + j] - mean[r]) * rstd[r];
      dx[base + j] = rstd[r] * (dy[base + j] * gamma[j] - sumG / width - xhat * sumGx / width);
    }
  }
  return { dx, dgamma: Float32Array.from(dgamma), dbeta: Float32Array.from(dbeta) };
}

export function crossEntropy(logitsView: View, labelsView: View, smoothing: number): Float32Array {
  const { x, width: classes, count } = rows(logitsView);
  const labels = gatherView(labelsView);
  const loss = new Float32Array(count);
  for (let r = 0; r < count; r++) {
    const label = labels[r];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new ShapeError(`cross-entropy label ${label} at row ${r} is not a class index in [0, ${classes})`,
        'labels must be integers from 0 to the number of classes - 1');
    }
    const base = r * classes;
    let max = -Infinity;
    let sumX = 0;
    for (let j = 0; j < classes; j++) {
      max = Math.max(max, x[base + j]);
      sumX += x[base + j];
    }
    let sum = 0;
    for (let j = 0; j < classes; j++) sum += Math.exp(x[base + j] - max);
    const lse = max + Math.log(sum);
    loss[r] = lse - (1 - smoothing) * x[base + label] - (smoothing / classes) * sumX;
  }
  return loss;
}
