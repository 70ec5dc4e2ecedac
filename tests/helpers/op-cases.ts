/**
 * The op catalogue shared by the CPU-vs-reference suite (forward + finite differences) and the
 * WebGPU-vs-CPU suite: each case generates OpChecks on random shapes (incl. size-1 and broadcast axes).
 */
import * as fc from 'fast-check';
import * as E from '../../engine/index.ts';
import { broadcastPair, shape, values, type Domain } from './arbitraries.ts';
import { binaryTable, unaryTable } from '../../engine/elementwise-table.ts';
import { withFlags } from '../../engine/flags.ts';
import type { OpCheck } from './check-op.ts';
import * as R from './reference.ts';

export interface OpCase {
  name: string;
  checks: fc.Arbitrary<OpCheck[]>;
}

const withValues = (s: number[], domain: Domain = 'any') => fc.tuple(fc.constant(s), values(s, domain));

const unary: [string, (x: E.Tensor) => E.Tensor, (v: number) => number, Domain, number?][] = [
  ['neg', (x) => x.neg(), (v) => -v, unaryTable.neg.domain],
  ['exp', (x) => x.exp(), Math.exp, unaryTable.exp.domain],
  ['log', (x) => x.log(), Math.log, unaryTable.log.domain],
  ['sqrt', (x) => x.sqrt(), Math.sqrt, unaryTable.sqrt.domain],
  ['rsqrt', (x) => x.rsqrt(), (v) => 1 / Math.sqrt(v), unaryTable.rsqrt.domain],
  ['abs', (x) => x.abs(), Math.abs, unaryTable.abs.domain],
  ['relu', (x) => x.relu(), (v) => Math.max(v, 0), unaryTable.relu.domain],
  ['tanh', (x) => x.tanh(), Math.tanh, unaryTable.tanh.domain],
  ['sigmoid', (x) => x.sigmoid(), (v) => 1 / (1 + Math.exp(-v)), unaryTable.sigmoid.domain],
  ['square', (x) => x.square(), (v) => v * v, unaryTable.square.domain],
  ['reciprocal', (x) => E.reciprocal(x), (v) => 1 / v, unaryTable.reciprocal.domain],
  ['gelu (tanh)', (x) => x.gelu('tanh'), (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))), unaryTable.geluTanh.domain],
  ['gelu (erf)', (x) => x.gelu(), (v) => 0.5 * v * (1 + R.erf(v / Math.SQRT2)), unaryTable.geluErf.domain, 3e-5],
];

const binary: [string, (a: E.Tensor, b: E.Tensor) => E.Tensor, (a: number, b: number) => number, Domain, Domain][] = [
  ['add', (a, b) => a.add(b), (a, b) => a + b, ...binaryTable.add.domains],
  ['sub', (a, b) => a.sub(b), (a, b) => a - b, ...binaryTable.sub.domains],
  ['mul', (a, b) => a.mul(b), (a, b) => a * b, ...binaryTable.mul.domains],
  ['div', (a, b) => a.div(b), (a, b) => a / b, ...binaryTable.div.domains],
  ['pow', (a, b) => a.pow(b), Math.pow, ...binaryTable.pow.domains],
  ['maximum', (a, b) => a.maximum(b), Math.max, ...binaryTable.maximum.domains],
  ['minimum', (a, b) => a.minimum(b), Math.min, ...binaryTable.minimum.domains],
];

const comparisons: [string, (a: E.Tensor, b: E.Tensor) => E.Tensor, (a: number, b: number) => boolean][] = [
  ['lt', E.lt, (a, b) => a < b], ['le', E.le, (a, b) => a <= b], ['gt', E.gt, (a, b) => a > b],
  ['ge', E.ge, (a, b) => a >= b], ['eq', E.eq, (a, b) => a === b], ['ne', E.ne, (a, b) => a !== b],
];

const reductions: [string, (x: E.Tensor, axes: number[], keep: boolean) => E.Tensor, (v: number[]) => number, Domain][] = [
  ['sum', (x, axes, keep) => x.sum(axes, keep), R.sumOf, 'any'],
  ['mean', (x, axes, keep) => x.mean(axes, keep), (v) => R.sumOf(v) / v.length, 'any'],
  ['max', (x, axes, keep) => x.max(axes, keep), (v) => Math.max(...v), 'distinct'],
  ['min', (x, axes, keep) => x.min(axes, keep), (v) => Math.min(...v), 'distinct'],
];

/** Moves `axis` last, applies a row function, moves it back. */
const alongAxis = (s: number[], axis: number, f: (row: number[]) => number[]) => (x: R.Ref) => {
  const order = [...s.keys()].filter((a) => a !== axis).concat(axis);
  const back = order.map((_, k) => order.indexOf(k));
  return R.permute(R.rows(R.permute(x, order), f), back);
};

function modeProductReference(s: number[], n: number, j: number) {
  return (x: R.Ref, u: R.Ref) => {
    const outShape = s.map((d, a) => (a === n ? j : d));
    const out = R.ref(new Array(R.size(outShape)).fill(0), outShape);
    const stride = R.size(s.slice(n + 1));
    for (let o = 0; o < out.data.length; o++) {
      const jIndex = Math.floor(o / stride) % j;
      const outer = Math.floor(o / (stride * j));
      const inner = o % stride;
      for (let i = 0; i < s[n]; i++) out.data[o] += u.data[jIndex * s[n] + i] * x.data[(outer * s[n] + i) * stride + inner];
    }
    return out;
  };
}

const matmulProblem = fc.record({ m: fc.integer({ min: 1, max: 5 }), k: fc.integer({ min: 1, max: 5 }), n: fc.integer({ min: 1, max: 5 }), ta: fc.boolean(), tb: fc.boolean() })
  .chain((p) => broadcastPair.map(([ba, bb]) => ({ ...p, ba: ba.slice(-2), bb: bb.slice(-2) })))
  .chain((p) => {
    const sa = [...p.ba, ...(p.ta ? [p.k, p.m] : [p.m, p.k])];
    const sb = [...p.bb, ...(p.tb ? [p.n, p.k] : [p.k, p.n])];
    return fc.tuple(fc.constant({ ...p, sa, sb }), values(sa), values(sb));
  });

/** q, k, v of a fused projection qkv [b, t, 3·h·d] (timm's layout) as [b, h, t, d] each. */
function splitQkv(qkv: R.Ref, b: number, t: number, h: number, d: number): [R.Ref, R.Ref, R.Ref] {
  const split = R.permute({ shape: [b, t, 3, h, d], data: qkv.data }, [2, 0, 3, 1, 4]);
  const [q, k, v] = [0, 1, 2].map((i) => ({ shape: [b, h, t, d], data: R.slice(split, [i, 0, 0, 0, 0], [i + 1, b, h, t, d]).data }));
  return [q, k, v];
}

/** Heads [b, h, t, d] merged back to [b, t, h·d]. */
function mergeHeads(heads: R.Ref): R.Ref {
  const [b, h, t, d] = heads.shape;
  return { shape: [b, t, h * d], data: R.permute(heads, [0, 2, 1, 3]).data };
}

/** Forces a backend that has both attention routes (WebGPU) onto GEMM → softmax → GEMM; the CPU has only the fused one. */
const compositeRoute = <T>(fn: () => T) => withFlags({ fusedAttentionMaxKeys: 0, fusedCausalAttentionMaxKeys: 0 }, fn);

const causalAttentionProblem = fc.integer({ min: 2, max: 5 })
  .chain((tk) => fc.record({ lead: shape(0, 1), tk: fc.constant(tk), tq: fc.integer({ min: 1, max: tk - 1 }), d: fc.constantFrom(1, 3, 4, 16) }))
  .chain((p) => fc.tuple(fc.constant(p), values([...p.lead, p.tk, p.d]), values([...p.lead, p.tq, p.d]), values([...p.lead, p.tk, p.d]), values([...p.lead, p.tk, p.d])));

export const opCases: OpCase[] = [
  ...unary.map(([name, engine, f, domain, tolerance]): OpCase => ({
    name,
    checks: shape().chain((s) => withValues(s, domain)).map(([s, v]) => [{ shapes: [s], values: [v], engine, reference: (x: R.Ref) => R.map(x, f), forwardTolerance: tolerance }]),
  })),
  ...binary.map(([name, engine, f, domainA, domainB]): OpCase => ({
    name: `${name} (broadcasting)`,
    checks: broadcastPair.chain(([sa, sb]) => fc.tuple(fc.constant([sa, sb]), values(sa, domainA), values(sb, domainB))).map(([[sa, sb], va, vb]) => [{
      shapes: [sa, sb],
      // 'distinct' is per tensor; shift b off a's grid so the two never tie.
      values: [va, domainB === 'distinct' ? vb.map((v) => Math.fround(v + 0.003)) : vb],
      engine, reference: (a: R.Ref, b: R.Ref) => R.zip([a, b], f),
    }]),
  })),
  {
    name: 'comparisons lt/le/gt/ge/eq/ne (broadcasting)',
    checks: broadcastPair.chain(([sa, sb]) => fc.tuple(fc.constant([sa, sb]),
      fc.array(fc.integer({ min: -2, max: 2 }), { minLength: R.size(sa), maxLength: R.size(sa) }),
      fc.array(fc.integer({ min: -2, max: 2 }), { minLength: R.size(sb), maxLength: R.size(sb) })))
      .map(([[sa, sb], va, vb]) => comparisons.map(([, engine, f]) => ({
        shapes: [sa, sb], values: [va, vb], engine, differentiable: [false, false],
        reference: (a: R.Ref, b: R.Ref) => R.zip([a, b], (x, y) => (f(x, y) ? 1 : 0)),
      }))),
  },
  {
    name: 'where (broadcast condition)',
    checks: broadcastPair.chain(([sa, sb]) => fc.tuple(fc.constant([sa, sb]), values(sa), values(sb), fc.array(fc.boolean(), { minLength: R.size(sa), maxLength: R.size(sa) })))
      .map(([[sa, sb], va, vb, cond]) => [{
        shapes: [sa, sa, sb], values: [cond.map(Number), va, vb], differentiable: [false, true, true],
        engine: (c: E.Tensor, a: E.Tensor, b: E.Tensor) => E.where(c, a, b),
        reference: (c: R.Ref, a: R.Ref, b: R.Ref) => R.zip([c, a, b], (x, y, z) => (x !== 0 ? y : z)),
      }]),
  },
  ...reductions.map(([name, engine, f, domain]): OpCase => ({
    name: `${name} over any axes (keepDims both ways)`,
    checks: shape(1, 4).chain((s) => fc.tuple(fc.constant(s), values(s, domain), fc.subarray([...s.keys()]), fc.boolean())).map(([s, v, axes, keep]) => {
      const all = axes.length === 0 ? [...s.keys()] : axes;
      return [{ shapes: [s], values: [v], engine: (x: E.Tensor) => engine(x, all, keep), reference: (x: R.Ref) => R.reduce(x, all, f, keep) }];
    }),
  })),
  {
    name: 'argmax along each axis',
    checks: shape(1, 4).chain((s) => fc.tuple(fc.constant(s), values(s, 'distinct'), fc.nat({ max: s.length - 1 }))).map(([s, v, axis]) => [{
      shapes: [s], values: [v], differentiable: [false], engine: (x: E.Tensor) => x.argmax(axis),
      reference: (x: R.Ref) => R.reduce(x, [axis], (vals) => vals.indexOf(Math.max(...vals)), false),
    }]),
  },
  {
    name: 'matmul (batch broadcasting, all transpose flags)',
    checks: matmulProblem.map(([p, va, vb]) => [{
      shapes: [p.sa, p.sb], values: [va, vb],
      engine: (a: E.Tensor, b: E.Tensor) => a.matmul(b, { transposeA: p.ta, transposeB: p.tb }),
      reference: (a: R.Ref, b: R.Ref) => R.matmul(a, b, p.ta, p.tb),
    }]),
  },
  {
    name: 'matmul with a fused bias (x·Wᵀ + b, any batch and transposes)',
    checks: matmulProblem.chain(([p, va, vb]) => fc.tuple(fc.constant([p, va, vb] as const), values([p.n]))).map(([[p, va, vb], vbias]) => [{
      shapes: [p.sa, p.sb, [p.n]], values: [va, vb, vbias],
      engine: (a: E.Tensor, b: E.Tensor, bias: E.Tensor) => a.matmul(b, { transposeA: p.ta, transposeB: p.tb, bias }),
      reference: (a: R.Ref, b: R.Ref, bias: R.Ref) => R.zip([R.matmul(a, b, p.ta, p.tb), bias], (x, y) => x + y),
    }]),
  },
  {
    name: 'modeProduct along every mode',
    checks: shape(1, 4).chain((s) => fc.tuple(fc.constant(s), fc.nat({ max: s.length - 1 }), fc.integer({ min: 1, max: 4 })))
      .chain(([s, n, j]) => fc.tuple(fc.constant({ s, n, j }), values(s), values([j, s[n]])))
      .map(([{ s, n, j }, vx, vu]) => [{ shapes: [s, [j, s[n]]], values: [vx, vu], engine: (x: E.Tensor, u: E.Tensor) => E.modeProduct(x, u, n), reference: modeProductReference(s, n, j) }]),
  },
  {
    name: 'softmax and logSoftmax along any axis',
    checks: shape(1, 3).chain((s) => fc.tuple(fc.constant(s), values(s), fc.nat({ max: s.length - 1 }))).map(([s, v, axis]) => [
      { shapes: [s], values: [v], engine: (x: E.Tensor) => x.softmax(axis), reference: alongAxis(s, axis, R.softmaxRow) },
      { shapes: [s], values: [v], engine: (x: E.Tensor) => x.logSoftmax(axis), reference: alongAxis(s, axis, R.logSoftmaxRow) },
    ]),
  },
  {
    name: 'crossEntropy (label smoothing, mean and per-row)',
    checks: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 6 }), fc.double({ min: 0, max: 0.3, noNaN: true }))
      .chain(([n, c, s]) => fc.tuple(fc.constant({ n, c, s }), values([n, c]), fc.array(fc.nat({ max: c - 1 }), { minLength: n, maxLength: n })))
      .map(([{ n, c, s }, v, labels]) => [
        {
          shapes: [[n, c], [n]], values: [v, labels], differentiable: [true, false],
          engine: (x: E.Tensor, y: E.Tensor) => E.crossEntropy(x, y, { labelSmoothing: s, reduction: 'none' }),
          reference: (x: R.Ref) => R.crossEntropy(x, labels, s),
        },
        {
          shapes: [[n, c], [n]], values: [v, labels], differentiable: [true, false],
          engine: (x: E.Tensor, y: E.Tensor) => E.crossEntropy(x, y, { labelSmoothing: s }),
          reference: (x: R.Ref) => R.reduce(R.crossEntropy(x, labels, s), [0], (vals) => R.sumOf(vals) / vals.length, false),
        },
      ]),
  },
  {
    name: 'attention (fused) vs softmax(q·kᵀ·scale)·v',
    checks: fc.record({ lead: shape(0, 2), tq: fc.integer({ min: 1, max: 5 }), tk: fc.integer({ min: 1, max: 5 }), d: fc.integer({ min: 1, max: 6 }) })
      .chain((p) => fc.tuple(fc.constant(p), values([...p.lead, p.tq, p.d]), values([...p.lead, p.tk, p.d]), values([...p.lead, p.tk, p.d])))
      .map(([{ lead, tq, tk, d }, vq, vk, vv]) => [{
        shapes: [[...lead, tq, d], [...lead, tk, d], [...lead, tk, d]], values: [vq, vk, vv],
        engine: (q: E.Tensor, k: E.Tensor, v: E.Tensor) => E.fusedAttention(q, k, v),
        reference: (q: R.Ref, k: R.Ref, v: R.Ref) => {
          const scores = R.map(R.matmul(q, k, false, true), (x) => x / Math.sqrt(d));
          return R.matmul(R.rows(scores, R.softmaxRow), v);
        },
      }]),
  },
  {
    name: 'selfAttention from a fused qkv projection vs split heads, softmax(q·kᵀ/√d)·v, merged heads',
    checks: fc.record({ b: fc.integer({ min: 1, max: 2 }), t: fc.integer({ min: 1, max: 5 }), h: fc.integer({ min: 1, max: 3 }), d: fc.constantFrom(1, 3, 4, 8) })
      .chain((p) => fc.tuple(fc.constant(p), values([p.b, p.t, 3 * p.h * p.d])))
      .map(([{ b, t, h, d }, vqkv]) => [{
        shapes: [[b, t, 3 * h * d]], values: [vqkv],
        engine: (qkv: E.Tensor) => E.selfAttention(qkv, h),
        reference: (qkv: R.Ref) => {
          const [q, k, v] = splitQkv(qkv, b, t, h, d);
          const scores = R.map(R.matmul(q, k, false, true), (x) => x / Math.sqrt(d));
          return mergeHeads(R.matmul(R.rows(scores, R.softmaxRow), v));
        },
      }]),
  },
  {
    name: 'attention (causal: Tq = Tk and Tq < Tk, fused and composite routes) vs a softmax over keys j ≤ i + Tk − Tq',
    checks: causalAttentionProblem.map(([{ lead, tk, tq, d }, vqSquare, vq, vk, vv]) => {
      const causal = (q: E.Tensor, k: E.Tensor, v: E.Tensor) => E.fusedAttention(q, k, v, undefined, { causal: true });
      const reference = (q: R.Ref, k: R.Ref, v: R.Ref) => R.attention(q, k, v, 1 / Math.sqrt(d), true);
      const kv = [[...lead, tk, d], [...lead, tk, d]];
      return [
        { shapes: [[...lead, tk, d], ...kv], values: [vqSquare, vk, vv], engine: causal, reference },
        { shapes: [[...lead, tq, d], ...kv], values: [vq, vk, vv], engine: causal, reference },
        {
          shapes: [[...lead, tq, d], ...kv], values: [vq, vk, vv], reference,
          engine: (q: E.Tensor, k: E.Tensor, v: E.Tensor) => compositeRoute(() => E.attention(q, k, v, undefined, { causal: true })),
        },
      ];
    }),
  },
  {
    name: 'selfAttention (causal, fused and composite routes) vs split heads, softmax over tokens j ≤ i, merged heads',
    checks: fc.record({ b: fc.integer({ min: 1, max: 2 }), t: fc.integer({ min: 1, max: 5 }), h: fc.integer({ min: 1, max: 2 }), d: fc.constantFrom(1, 3, 4, 16) })
      .chain((p) => fc.tuple(fc.constant(p), values([p.b, p.t, 3 * p.h * p.d])))
      .map(([{ b, t, h, d }, vqkv]) => {
        const reference = (qkv: R.Ref) => mergeHeads(R.attention(...splitQkv(qkv, b, t, h, d), 1 / Math.sqrt(d), true));
        return [
          { shapes: [[b, t, 3 * h * d]], values: [vqkv], reference, engine: (qkv: E.Tensor) => E.selfAttention(qkv, h, { causal: true }) },
          { shapes: [[b, t, 3 * h * d]], values: [vqkv], reference, engine: (qkv: E.Tensor) => compositeRoute(() => E.selfAttention(qkv, h, { causal: true })) },
        ];
      }),
  },
  {
    name: 'layerNorm (x, gamma, beta)',
    checks: shape(1, 3).filter((s) => s[s.length - 1] > 1).chain((s) => fc.tuple(fc.constant(s), values(s), values([s[s.length - 1]]), values([s[s.length - 1]])))
      .map(([s, v, g, b]) => {
        const d = s[s.length - 1];
        return [{
          shapes: [s, [d], [d]], values: [v, g, b], gradTolerance: 5e-3,
          engine: (x: E.Tensor, gamma: E.Tensor, beta: E.Tensor) => E.layerNorm(x, gamma, beta, 1e-5),
          reference: (x: R.Ref, gamma: R.Ref, beta: R.Ref) => R.layerNorm(x, gamma, beta, 1e-5),
        }];
      }),
  },
  {
    name: 'views: reshape, permute, expand, slice',
    checks: shape(1, 4).chain((s) => fc.tuple(fc.constant(s), values(s), fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length })))
      .map(([s, v, order]) => {
        const target = [2, ...s.map((d) => (d === 1 ? 3 : d))];
        const starts = s.map((d) => Math.floor(d / 2));
        const cut = order.map((o) => s[o] - (s[o] > 1 ? 1 : 0));
        const one = (engine: (x: E.Tensor) => E.Tensor, reference: (x: R.Ref) => R.Ref): OpCheck => ({ shapes: [s], values: [v], engine, reference });
        return [
          one((x) => x.permute(order), (x) => R.permute(x, order)),
          one((x) => x.permute(order).reshape([-1]), (x) => { const p = R.permute(x, order); return { shape: [p.data.length], data: p.data }; }),
          one((x) => x.reshape([...s].reverse()).mul(2), (x) => ({ shape: [...s].reverse(), data: x.data.map((u) => 2 * u) })),
          one((x) => x.expand(target), (x) => R.expand(x, target)),
          one((x) => x.slice(starts), (x) => R.slice(x, starts, s)),
          one((x) => x.permute(order).slice(order.map(() => 0), cut).exp(), (x) => R.map(R.slice(R.permute(x, order), order.map(() => 0), cut), Math.exp)),
        ];
      }),
  },
  {
    name: 'concat, stack, pad, gather, scatterAdd',
    checks: shape(1, 3).chain((s) => fc.tuple(fc.constant(s), fc.nat({ max: s.length - 1 }), fc.integer({ min: 1, max: 3 })))
      .chain(([s, axis, extra]) => {
        const s2 = s.map((d, i) => (i === axis ? extra : d));
        return fc.tuple(fc.constant({ s, axis, s2 }), values(s), values(s2),
          fc.array(fc.nat({ max: s[axis] - 1 }), { minLength: 1, maxLength: 5 }),
          fc.array(fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 2 })), { minLength: s.length, maxLength: s.length }));
      })
      .chain(([p, va, vb, indices, pads]) => {
        const gatheredShape = p.s.map((d, i) => (i === p.axis ? indices.length : d));
        return fc.tuple(fc.constant({ ...p, va, vb, indices, pads, gatheredShape }), values(gatheredShape));
      })
      .map(([{ s, axis, s2, va, vb, indices, pads, gatheredShape }, vg]) => {
        const stacked = [...s.slice(0, axis), 1, ...s.slice(axis)];
        return [
          { shapes: [s, s2], values: [va, vb], engine: (a: E.Tensor, b: E.Tensor) => E.concat([a, b], axis), reference: (a: R.Ref, b: R.Ref) => R.concat([a, b], axis) },
          {
            shapes: [s, s], values: [va, va.map((u) => u * 3)], engine: (a: E.Tensor, b: E.Tensor) => E.stack([a, b], axis),
            reference: (a: R.Ref, b: R.Ref) => R.concat([{ shape: stacked, data: a.data }, { shape: stacked, data: b.data }], axis),
          },
          { shapes: [s], values: [va], engine: (a: E.Tensor) => E.pad(a, pads, 0.5), reference: (a: R.Ref) => R.pad(a, pads, 0.5) },
          {
            shapes: [s, [indices.length]], values: [va, indices], differentiable: [true, false],
            engine: (a: E.Tensor, i: E.Tensor) => E.gather(a, axis, i), reference: (a: R.Ref) => R.gather(a, axis, indices),
          },
          {
            shapes: [gatheredShape, [indices.length]], values: [vg, indices], differentiable: [true, false],
            engine: (src: E.Tensor, i: E.Tensor) => E.scatterAdd(s, axis, i, src),
            reference: scatterAddReference(s, axis, indices),
          },
        ];
      }),
  },
  {
    name: 'gather and scatterAdd with repeated, never-hit and all-equal indices (axis 0 and a middle axis)',
    checks: fc.record({ lead: fc.integer({ min: 1, max: 3 }), length: fc.integer({ min: 2, max: 7 }), inner: fc.integer({ min: 1, max: 4 }),
      middle: fc.boolean(), allEqual: fc.boolean(), count: fc.integer({ min: 5, max: 12 }) })
      // Indices from the lower half only: more positions than candidate rows (repeats), upper rows never hit.
      .chain((p) => fc.tuple(fc.constant(p), fc.array(fc.nat({ max: (p.length - 1) >> 1 }), { minLength: p.count, maxLength: p.count }), fc.nat({ max: p.length - 1 })))
      .chain(([p, lowerHalf, single]) => {
        const indices = p.allEqual ? new Array<number>(p.count).fill(single) : lowerHalf;
        const axis = p.middle ? 1 : 0;
        const s = p.middle ? [p.lead, p.length, p.inner] : [p.length, p.lead, p.inner];
        const gathered = s.map((d, i) => (i === axis ? p.count : d));
        return fc.tuple(fc.constant({ s, axis, indices, gathered }), values(s), values(gathered));
      })
      .map(([{ s, axis, indices, gathered }, vx, vg]) => [
        {
          shapes: [s, [indices.length]], values: [vx, indices], differentiable: [true, false],
          engine: (x: E.Tensor, i: E.Tensor) => E.gather(x, axis, i), reference: (x: R.Ref) => R.gather(x, axis, indices),
        },
        {
          shapes: [gathered, [indices.length]], values: [vg, indices], differentiable: [true, false],
          engine: (src: E.Tensor, i: E.Tensor) => E.scatterAdd(s, axis, i, src), reference: scatterAddReference(s, axis, indices),
        },
      ]),
  },
];

/** Zeros of shape `s` with the slices of `src` added at `indices` along `axis`. */
function scatterAddReference(s: number[], axis: number, indices: readonly number[]) {
  return (src: R.Ref) => {
    const out = R.ref(new Array(R.size(s)).fill(0), s);
    const targets = R.gather(R.ref(Array.from({ length: R.size(s) }, (_, k) => k), s), axis, indices);
    targets.data.forEach((target, k) => { out.data[target] += src.data[k]; });
    return out;
  };
}
