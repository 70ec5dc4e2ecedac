/** Scaled-dot-product attention on the CPU, written out directly (float64 accumulation). */
import type { AttentionGrads, AttentionResult, View } from '../backend.ts';
import { gatherView, viewOffsets } from './strided.ts';

function dims(q: View, k: View) {
  const r = q.shape.length;
  const d = q.shape[r - 1];
  const tq = q.shape[r - 2];
  const tk = k.shape[r - 2];
  const batches = tq * d === 0 ? 0 : gatherView(q).length / (tq * d);
  return { d, tq, tk, batches };
}

/** How many keys query i attends to: all of them, or (causal) keys j ≤ i + tk − tq. */
function keysSeenBy(i: number, tq: number, tk: number, causal: boolean): number {
  return causal ? Math.max(0, Math.min(tk, i + 1 + tk - tq)) : tk;
}

function dot(a: Float32Array | Float64Array, ai: number, b: Float32Array | Float64Array, bi: number, d: number): number {
  let s = 0;
  for (let x = 0; x < d; x++) s += a[ai + x] * b[bi + x];
  return s;
}

export function attention(qv: View, kv: View, vv: View, scale: number, causal: boolean, outStrides?: readonly number[]): AttentionResult {
  const { d, tq, tk, batches } = dims(qv, kv);
  const [q, k, v] = [qv, kv, vv].map(gatherView);
  const out = new Float32Array(batches * tq * d);
  const lse = new Float32Array(batches * tq);
  const scores = new Float64Array(tk);
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < tq; i++) {
      const qi = (b * tq + i) * d;
      const seen = keysSeenBy(i, tq, tk, causal);
      let max = -Infinity;
      for (let j = 0; j < seen; j++) {
        scores[j] = dot(q, qi, k, (b * tk + j) * d, d) * scale;
        max = Math.max(max, scores[j]);
      }
      let sum = 0;
      for (let j = 0; j < seen; j++) sum += Math.exp(scores[j] - max);
      for (let x = 0; x < d; x++) {
        let o = 0;
        for (let j = 0; j < seen; j++) o += Math.exp(scores[j] - max) * v[(b * tk + j) * d + x];
        out[qi + x] = o / sum;
      }
      lse[b * tq + i] = max + Math.log(sum);
    }
  }
  return { out: outStrides ? scatter(out, { shape: qv.shape, strides: outStrides, offset: 0 }, new Float32Array(out.length)) : out, lse };
}

/** Writes contiguous `values` to the positions of `at` in `into`. */
function scatter(values: Float32Array, at: Omit<View, 'buffer'>, into: Float32Array): Float32Array {
  viewOffsets({ ...at, buffer: into }).forEach((offset, i) => { into[offset] = values[i]; });
  return into;
}

export function selfAttentionBackward(dOut: View, q: View, k: View, v: View, out: View, lse: View, scale: number, causal: boolean, size: number): Float32Array {
  const { dq, dk, dv } = attentionBackward(dOut, q, k, v, out, lse, scale, causal);
  const packed = new Float32Array(size);
  [[dq, q], [dk, k], [dv, v]].forEach(([grad, view]) => scatter(grad as Float32Array, view as View, packed));
  return packed;
}

export function attentionBackward(dOutView: View, qv: View, kv: View, vv: View, outView: View, lseView: View, scale: number, causal: boolean): AttentionGrads {
  const { d, tq, tk, batches } = dims(qv, kv);
  const [dOut, q, k, v, out, lse] = [dOutView, qv, kv, vv, outView, lseView].map(gatherView);
  const dq = new Float64Array(q.length);
  const dk = new Float64Array(k.length);
  const dv = new Float64Array(v.length);
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < tq; i++) {
      const qi = (b * tq + i) * d;
      const delta = dot(dOut, qi, out, qi, d);
      const seen = keysSeenBy(i, tq, tk, causal);
      for (let j = 0; j < seen; j++) {
        const kj = (b * tk + j) * d;
        const p = Math.exp(dot(q, qi, k, kj, d) * scale - lse[b * tq + i]);
        const ds = p * (dot(dOut, qi, v, kj, d) - delta);
        for (let x = 0; x < d; x++) {
          dq[qi + x] += ds * k[kj + x] * scale;
          dk[kj + x] += ds * q[qi + x] * scale;
          dv[kj + x] += p * dOut[qi + x];
        }
      }
    }
  }
  return { dq: Float32Array.from(dq), dk: Float32Array.from(dk), dv: Float32Array.from(dv) };
}
