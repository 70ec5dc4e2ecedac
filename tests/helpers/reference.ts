/**
 * An independent float64 reference for the engine's ops, written the slow, obvious way (index by index,
 * no strides, no shared code with engine/). Gradient checks difference these functions.
 */
export interface Ref {
  shape: number[];
  data: Float64Array;
}

export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export function ref(data: ArrayLike<number>, shape: readonly number[]): Ref {
  if (data.length !== size(shape)) throw new Error(`ref: ${data.length} values for [${shape}]`);
  return { shape: [...shape], data: Float64Array.from(data) };
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

function ravel(idx: readonly number[], shape: readonly number[]): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d] + idx[d];
  return i;
}

export function broadcast(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, k) => Math.max(...shapes.map((s) => s[s.length - rank + k] ?? 1)));
}

/** Element of `a` that broadcasts to out-index `idx`. */
function at(a: Ref, idx: readonly number[]): number {
  const lead = idx.length - a.shape.length;
  const own = a.shape.map((d, k) => (d === 1 ? 0 : idx[lead + k]));
  return a.data[ravel(own, a.shape)];
}

export function map(a: Ref, f: (x: number) => number): Ref {
  return { shape: [...a.shape], data: a.data.map(f) };
}

export function zip(args: Ref[], f: (...xs: number[]) => number): Ref {
  const shape = broadcast(...args.map((a) => a.shape));
  const data = new Float64Array(size(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, shape);
    data[i] = f(...args.map((a) => at(a, idx)));
  }
  return { shape, data };
}

export function expand(a: Ref, shape: readonly number[]): Ref {
  return zip([a, { shape: [...shape], data: new Float64Array(size(shape)) }], (x) => x);
}

export function reduce(a: Ref, axes: readonly number[], f: (values: number[]) => number, keepDims: boolean): Ref {
  const outShape = a.shape.map((d, k) => (axes.includes(k) ? 1 : d));
  const groups = new Map<number, number[]>();
  for (let i = 0; i < a.data.length; i++) {
    const idx = unravel(i, a.shape).map((v, k) => (axes.includes(k) ? 0 : v));
    const key = ravel(idx, outShape);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(a.data[i]);
  }
  const data = new Float64Array(size(outShape));
  for (const [key, values] of groups) data[key] = f(values);
  return { shape: keepDims ? outShape : a.shape.filter((_, k) => !axes.includes(k)), data };
}

export const sumOf = (v: number[]) => v.reduce((a, b) => a + b, 0);

export function matmul(a: Ref, b: Ref, transposeA = false, transposeB = false): Ref {
  const ra = a.shape.length, rb = b.shape.length;
  const [m, k] = transposeA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batch = broadcast(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, m, n];
  const data = new Float64Array(size(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, shape);
    const bi = idx.slice(0, -2);
    const [r, c] = idx.slice(-2);
    let s = 0;
    for (let q = 0; q < k; q++) {
      const av = at(a, [...bi, ...(transposeA ? [q, r] : [r, q])]);
      const bv = at(b, [...bi, ...(transposeB ? [c, q] : [q, c])]);
      s += av * bv;
    }
    data[i] = s;
  }
  return { shape, data };
}

export function permute(a: Ref, order: readonly number[]): Ref {
  const shape = order.map((o) => a.shape[o]);
  const data = new Float64Array(a.data.length);
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, shape);
    const src = new Array<number>(order.length);
    order.forEach((o, k) => { src[o] = idx[k]; });
    data[i] = a.data[ravel(src, a.shape)];
  }
  return { shape, data };
}

export function slice(a: Ref, starts: readonly number[], ends: readonly number[]): Ref {
  const shape = a.shape.map((_, k) => ends[k] - starts[k]);
  const data = new Float64Array(size(shape));
  for (let i = 0; i < data.length; i++) data[i] = a.data[ravel(unravel(i, shape).map((v, k) => v + starts[k]), a.shape)];
  return { shape, data };
}

export function pad(a: Ref, pads: readonly (readonly [number, number])[], value: number): Ref {
  const shape = a.shape.map((d, k) => d + pads[k][0] + pads[k][1]);
  const data = new Float64Array(size(shape)).fill(value);
  for (let i = 0; i < a.data.length; i++) data[ravel(unravel(i, a.shape).map((v, k) => v + pads[k][0]), shape)] = a.data[i];
  return { shape, data };
}

export function concat(parts: readonly Ref[], axis: number): Ref {
  const shape = [...parts[0].shape];
  shape[axis] = parts.reduce((s, p) => s + p.shape[axis], 0);
  const data = new Float64Array(size(shape));
  let start = 0;
  for (const p of parts) {
    for (let i = 0; i < p.data.length; i++) {
      const idx = unravel(i, p.shape);
      idx[axis] += start;
      data[ravel(idx, shape)] = p.data[i];
    }
    start += p.shape[axis];
  }
  return { shape, data };
}

export function gather(a: Ref, axis: number, indices: readonly number[]): Ref {
  const shape = [...a.shape];
  shape[axis] = indices.length;
  const data = new Float64Array(size(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, shape);
    idx[axis] = indices[idx[axis]];
    data[i] = a.data[ravel(idx, a.shape)];
  }
  return { shape, data };
}

/** Applies `f` to each row along the last axis. */
export function rows(a: Ref, f: (row: number[]) => number[]): Ref {
  const width = a.shape[a.shape.length - 1];
  const data = new Float64Array(a.data.length);
  for (let r = 0; r < a.data.length / width; r++) data.set(f([...a.data.subarray(r * width, (r + 1) * width)]), r * width);
  return { shape: [...a.shape], data };
}

export const softmaxRow = (row: number[]) => {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = sumOf(e);
  return e.map((v) => v / s);
};

export const logSoftmaxRow = (row: number[]) => {
  const m = Math.max(...row);
  const lse = m + Math.log(sumOf(row.map((v) => Math.exp(v - m))));
  return row.map((v) => v - lse);
};

/**
 * softmax(q·kᵀ·scale)·v for q [..., Tq, d], k and v [..., Tk, d]; `causal`: query i sees keys j ≤ i + Tk − Tq
 * only (the others are left out of its softmax).
 */
export function attention(q: Ref, k: Ref, v: Ref, scale: number, causal = false): Ref {
  const r = q.shape.length;
  const [tq, d, tk] = [q.shape[r - 2], q.shape[r - 1], k.shape[r - 2]];
  const data = new Float64Array(q.data.length);
  for (let b = 0; b < q.data.length / (tq * d); b++) {
    for (let i = 0; i < tq; i++) {
      const seen = causal ? i + 1 + tk - tq : tk;
      const scores = Array.from({ length: seen }, (_, j) => {
        let s = 0;
        for (let x = 0; x < d; x++) s += q.data[(b * tq + i) * d + x] * k.data[(b * tk + j) * d + x];
        return s * scale;
      });
      const p = softmaxRow(scores);
      for (let x = 0; x < d; x++) data[(b * tq + i) * d + x] = sumOf(p.map((pj, j) => pj * v.data[(b * tk + j) * d + x]));
    }
  }
  return { shape: [...q.shape], data };
}

export function layerNorm(x: Ref, gamma: Ref, beta: Ref, eps: number): Ref {
  return rows(x, (row) => {
    const mu = sumOf(row) / row.length;
    const v = sumOf(row.map((u) => (u - mu) ** 2)) / row.length;
    return row.map((u, j) => ((u - mu) / Math.sqrt(v + eps)) * gamma.data[j] + beta.data[j]);
  });
}

export function crossEntropy(logits: Ref, labels: readonly number[], smoothing: number): Ref {
  const [n, c] = logits.shape;
  const data = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const lp = logSoftmaxRow([...logits.data.subarray(r * c, (r + 1) * c)]);
    data[r] = -lp.reduce((s, v, j) => s + v * ((j === labels[r] ? 1 - smoothing : 0) + smoothing / c), 0);
  }
  return { shape: [n], data };
}

/** erf to ~1e-15 (Taylor series for |x| < 3, continued fraction beyond). */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 3) {
    let term = a, sum = a;
    for (let n = 1; n < 200; n++) {
      term *= (-a * a) / n;
      const next = term / (2 * n + 1);
      sum += next;
      if (Math.abs(next) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let n = 60; n >= 1; n--) f = (n / 2) / (a + f);
  return Math.sign(x) * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f));
}
