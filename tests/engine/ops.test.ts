/**
 * Every engine op against the float64 reference on random shapes (incl. size-1 and broadcast axes) and
 * values: forward values and gradients by central finite differences, shrunk by fast-check on failure.
 */
import * as fc from 'fast-check';
import { test } from 'uvu';
import * as E from '../../engine/index.ts';
import { broadcastPair, shape, values, type Domain } from '../helpers/arbitraries.ts';
import { checkOp } from '../helpers/check-op.ts';
import * as R from '../helpers/reference.ts';

const runs = { numRuns: 25 };

const unaryCases: [string, (x: E.Tensor) => E.Tensor, (v: number) => number, Domain, number?][] = [
  ['neg', (x) => x.neg(), (v) => -v, 'any'],
  ['exp', (x) => x.exp(), Math.exp, 'any'],
  ['log', (x) => x.log(), Math.log, 'positive'],
  ['sqrt', (x) => x.sqrt(), Math.sqrt, 'positive'],
  ['rsqrt', (x) => x.rsqrt(), (v) => 1 / Math.sqrt(v), 'positive'],
  ['abs', (x) => x.abs(), Math.abs, 'awayFromZero'],
  ['relu', (x) => x.relu(), (v) => Math.max(v, 0), 'awayFromZero'],
  ['tanh', (x) => x.tanh(), Math.tanh, 'any'],
  ['sigmoid', (x) => x.sigmoid(), (v) => 1 / (1 + Math.exp(-v)), 'any'],
  ['square', (x) => x.square(), (v) => v * v, 'any'],
  ['reciprocal', (x) => E.reciprocal(x), (v) => 1 / v, 'positive'],
  ['gelu (tanh)', (x) => x.gelu('tanh'), (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))), 'any'],
  ['gelu (erf)', (x) => x.gelu(), (v) => 0.5 * v * (1 + R.erf(v / Math.SQRT2)), 'any', 3e-5],
];

for (const [name, engine, f, domain, tolerance] of unaryCases) {
  test(`${name}: forward and gradient`, () => {
    fc.assert(fc.property(shape().chain((s) => fc.tuple(fc.constant(s), values(s, domain))), ([s, v]) => {
      checkOp({ shapes: [s], values: [v], engine, reference: (x) => R.map(x, f), forwardTolerance: tolerance });
    }), runs);
  });
}

const binaryCases: [string, (a: E.Tensor, b: E.Tensor) => E.Tensor, (a: number, b: number) => number, Domain, Domain][] = [
  ['add', (a, b) => a.add(b), (a, b) => a + b, 'any', 'any'],
  ['sub', (a, b) => a.sub(b), (a, b) => a - b, 'any', 'any'],
  ['mul', (a, b) => a.mul(b), (a, b) => a * b, 'any', 'any'],
  ['div', (a, b) => a.div(b), (a, b) => a / b, 'any', 'positive'],
  ['pow', (a, b) => a.pow(b), Math.pow, 'positive', 'any'],
  ['maximum', (a, b) => a.maximum(b), Math.max, 'distinct', 'distinct'],
  ['minimum', (a, b) => a.minimum(b), Math.min, 'distinct', 'distinct'],
];

for (const [name, engine, f, domainA, domainB] of binaryCases) {
  test(`${name}: broadcasting forward and gradients`, () => {
    fc.assert(fc.property(
      broadcastPair.chain(([sa, sb]) => fc.tuple(fc.constant([sa, sb]), values(sa, domainA), values(sb, domainB))),
      ([[sa, sb], va, vb]) => {
        // distinct domains are only distinct within one tensor; shift b off a's grid to avoid ties.
        const vb2 = domainB === 'distinct' ? vb.map((v) => Math.fround(v + 0.003)) : vb;
        checkOp({ shapes: [sa, sb], values: [va, vb2], engine, reference: (a, b) => R.zip([a, b], f) });
      }), runs);
  });
}

test('comparisons: lt, le, gt, ge, eq, ne with broadcasting (no gradient)', () => {
  const cmp: [keyof typeof E, (a: number, b: number) => boolean][] = [
    ['lt', (a, b) => a < b], ['le', (a, b) => a <= b], ['gt', (a, b) => a > b],
    ['ge', (a, b) => a >= b], ['eq', (a, b) => a === b], ['ne', (a, b) => a !== b],
  ];
  fc.assert(fc.property(
    broadcastPair.chain(([sa, sb]) => fc.tuple(fc.constant([sa, sb]),
      fc.array(fc.integer({ min: -2, max: 2 }), { minLength: R.size(sa), maxLength: R.size(sa) }),
      fc.array(fc.integer({ min: -2, max: 2 }), { minLength: R.size(sb), maxLength: R.size(sb) }))),
    ([[sa, sb], va, vb]) => {
      for (const [name, f] of cmp) {
        const op = E[name] as (a: E.Tensor, b: E.Tensor) => E.Tensor;
        checkOp({ shapes: [sa, sb], values: [va, vb], engine: op, reference: (a, b) => R.zip([a, b], (x, y) => (f(x, y) ? 1 : 0)), differentiable: [false, false] });
      }
    }), runs);
});

test('where: broadcasting condition, gradients to both branches', () => {
  fc.assert(fc.property(
    broadcastPair.chain(([sa, sb]) => fc.tuple(fc.constant([sa, sb]), values(sa), values(sb),
      fc.array(fc.boolean(), { minLength: R.size(sa), maxLength: R.size(sa) }))),
    ([[sa, sb], va, vb, cond]) => {
      checkOp({
        shapes: [sa, sa, sb], values: [cond.map(Number), va, vb],
        engine: (c, a, b) => E.where(c, a, b),
        reference: (c, a, b) => R.zip([c, a, b], (x, y, z) => (x !== 0 ? y : z)),
        differentiable: [false, true, true],
      });
    }), runs);
});

const axesOf = (s: number[]) => fc.subarray([...s.keys()]);

for (const [name, engine, f, domain] of [
  ['sum', (x: E.Tensor, axes: number[], keep: boolean) => x.sum(axes, keep), R.sumOf, 'any'],
  ['mean', (x: E.Tensor, axes: number[], keep: boolean) => x.mean(axes, keep), (v: number[]) => R.sumOf(v) / v.length, 'any'],
  ['max', (x: E.Tensor, axes: number[], keep: boolean) => x.max(axes, keep), (v: number[]) => Math.max(...v), 'distinct'],
  ['min', (x: E.Tensor, axes: number[], keep: boolean) => x.min(axes, keep), (v: number[]) => Math.min(...v), 'distinct'],
] as const) {
  test(`${name} over any axes, keepDims both ways`, () => {
    fc.assert(fc.property(
      shape(1, 4).chain((s) => fc.tuple(fc.constant(s), values(s, domain as Domain), axesOf(s), fc.boolean())),
      ([s, v, axes, keep]) => {
        const all = axes.length === 0 ? [...s.keys()] : axes;
        checkOp({ shapes: [s], values: [v], engine: (x) => engine(x, all, keep), reference: (x) => R.reduce(x, all, f, keep) });
      }), runs);
  });
}

test('max gradient splits evenly between tied maxima', () => {
  checkOp({ shapes: [[4]], values: [[1, 3, 3, 2]], engine: (x) => x.max(), reference: (x) => R.reduce(x, [0], (v) => Math.max(...v), false), differentiable: [false] });
  const x = E.tensor([1, 3, 3, 2]).requireGrad();
  x.max().backward();
  if (x.grad!.dataSync().join() !== '0,0.5,0.5,0') throw new Error(`got ${x.grad!.dataSync()}`);
});

test('argmax along each axis (first maximum)', () => {
  fc.assert(fc.property(shape(1, 4).chain((s) => fc.tuple(fc.constant(s), values(s, 'distinct'), fc.nat({ max: s.length - 1 }))), ([s, v, axis]) => {
    checkOp({
      shapes: [s], values: [v], engine: (x) => x.argmax(axis), differentiable: [false],
      reference: (x) => R.reduce(x, [axis], (vals) => vals.indexOf(Math.max(...vals)), false),
    });
  }), runs);
});

const matmulShapes = fc.record({ m: fc.integer({ min: 1, max: 5 }), k: fc.integer({ min: 1, max: 5 }), n: fc.integer({ min: 1, max: 5 }), ta: fc.boolean(), tb: fc.boolean() })
  .chain((p) => broadcastPair.map(([ba, bb]) => ({ ...p, ba: ba.slice(-2), bb: bb.slice(-2) })))
  .chain((p) => {
    const sa = [...p.ba, ...(p.ta ? [p.k, p.m] : [p.m, p.k])];
    const sb = [...p.bb, ...(p.tb ? [p.n, p.k] : [p.k, p.n])];
    return fc.tuple(fc.constant({ ...p, sa, sb }), values(sa), values(sb));
  });

test('matmul: batch broadcasting and all four transpose flags', () => {
  fc.assert(fc.property(matmulShapes, ([p, va, vb]) => {
    checkOp({
      shapes: [p.sa, p.sb], values: [va, vb],
      engine: (a, b) => a.matmul(b, { transposeA: p.ta, transposeB: p.tb }),
      reference: (a, b) => R.matmul(a, b, p.ta, p.tb),
    });
  }), runs);
});

test('modeProduct: X ×ₙ U along every mode equals the definition', () => {
  fc.assert(fc.property(
    shape(1, 4).chain((s) => fc.tuple(fc.constant(s), fc.nat({ max: s.length - 1 }), fc.integer({ min: 1, max: 4 })))
      .chain(([s, n, j]) => fc.tuple(fc.constant({ s, n, j }), values(s), values([j, s[n]]))),
    ([{ s, n, j }, vx, vu]) => {
      checkOp({
        shapes: [s, [j, s[n]]], values: [vx, vu],
        engine: (x, u) => E.modeProduct(x, u, n),
        reference: (x, u) => {
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
        },
      });
    }), runs);
});

test('softmax and logSoftmax along any axis', () => {
  fc.assert(fc.property(shape(1, 3).chain((s) => fc.tuple(fc.constant(s), values(s), fc.nat({ max: s.length - 1 }))), ([s, v, axis]) => {
    const along = (f: (row: number[]) => number[]) => (x: R.Ref) => {
      const order = [...s.keys()].filter((a) => a !== axis).concat(axis);
      const back = order.map((_, k) => order.indexOf(k));
      return R.permute(R.rows(R.permute(x, order), f), back);
    };
    checkOp({ shapes: [s], values: [v], engine: (x) => x.softmax(axis), reference: along(R.softmaxRow) });
    checkOp({ shapes: [s], values: [v], engine: (x) => x.logSoftmax(axis), reference: along(R.logSoftmaxRow) });
  }), runs);
});

test('crossEntropy with integer labels and label smoothing (mean and per-row)', () => {
  fc.assert(fc.property(
    fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 6 }), fc.double({ min: 0, max: 0.3, noNaN: true }))
      .chain(([n, c, s]) => fc.tuple(fc.constant({ n, c, s }), values([n, c]), fc.array(fc.nat({ max: c - 1 }), { minLength: n, maxLength: n }))),
    ([{ n, c, s }, v, labels]) => {
      checkOp({
        shapes: [[n, c], [n]], values: [v, labels], differentiable: [true, false],
        engine: (x, y) => E.crossEntropy(x, y, { labelSmoothing: s, reduction: 'none' }),
        reference: (x) => R.crossEntropy(x, labels, s),
      });
      checkOp({
        shapes: [[n, c], [n]], values: [v, labels], differentiable: [true, false],
        engine: (x, y) => E.crossEntropy(x, y, { labelSmoothing: s }),
        reference: (x) => R.reduce(R.crossEntropy(x, labels, s), [0], (vals) => R.sumOf(vals) / vals.length, false),
      });
    }), runs);
});

test('layerNorm over the last axis: x, gamma and beta gradients', () => {
  fc.assert(fc.property(shape(1, 3).filter((s) => s[s.length - 1] > 1).chain((s) => fc.tuple(fc.constant(s), values(s), values([s[s.length - 1]]), values([s[s.length - 1]]))),
    ([s, v, g, b]) => {
      const d = s[s.length - 1];
      checkOp({
        shapes: [s, [d], [d]], values: [v, g, b], gradTolerance: 5e-3,
        engine: (x, gamma, beta) => E.layerNorm(x, gamma, beta, 1e-5),
        reference: (x, gamma, beta) => R.layerNorm(x, gamma, beta, 1e-5),
      });
    }), runs);
});

test('views: reshape, permute, transpose, expand, slice (forward and gradient)', () => {
  fc.assert(fc.property(shape(1, 4).chain((s) => fc.tuple(fc.constant(s), values(s), fc.shuffledSubarray([...s.keys()], { minLength: s.length, maxLength: s.length }))),
    ([s, v, order]) => {
      checkOp({ shapes: [s], values: [v], engine: (x) => x.permute(order), reference: (x) => R.permute(x, order) });
      checkOp({ shapes: [s], values: [v], engine: (x) => x.permute(order).reshape([-1]), reference: (x) => { const p = R.permute(x, order); return { shape: [p.data.length], data: p.data }; } });
      checkOp({ shapes: [s], values: [v], engine: (x) => x.reshape([...s].reverse()).mul(2), reference: (x) => ({ shape: [...s].reverse(), data: x.data.map((u) => 2 * u) }) });
      const target = [2, ...s.map((d) => (d === 1 ? 3 : d))];
      checkOp({ shapes: [s], values: [v], engine: (x) => x.expand(target), reference: (x) => R.expand(x, target) });
      const starts = s.map((d) => Math.floor(d / 2));
      const ends = s.map((d) => d);
      checkOp({ shapes: [s], values: [v], engine: (x) => x.slice(starts, ends), reference: (x) => R.slice(x, starts, ends) });
      checkOp({ shapes: [s], values: [v], engine: (x) => x.permute(order).slice(starts.map(() => 0), order.map((o) => s[o] - (s[o] > 1 ? 1 : 0))).exp(),
        reference: (x) => R.map(R.slice(R.permute(x, order), starts.map(() => 0), order.map((o) => s[o] - (s[o] > 1 ? 1 : 0))), Math.exp) });
    }), runs);
});

test('concat, stack, pad, gather and scatterAdd (forward and gradient)', () => {
  fc.assert(fc.property(shape(1, 3).chain((s) => fc.tuple(fc.constant(s), fc.nat({ max: s.length - 1 }), fc.integer({ min: 1, max: 3 })))
    .chain(([s, axis, extra]) => {
      const s2 = s.map((d, i) => (i === axis ? extra : d));
      return fc.tuple(fc.constant({ s, axis, s2 }), values(s), values(s2),
        fc.array(fc.nat({ max: s[axis] - 1 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 2 })), { minLength: s.length, maxLength: s.length }));
    }),
  ([{ s, axis, s2 }, va, vb, indices, pads]) => {
    checkOp({ shapes: [s, s2], values: [va, vb], engine: (a, b) => E.concat([a, b], axis), reference: (a, b) => R.concat([a, b], axis) });
    checkOp({ shapes: [s, s], values: [va, va.map((u) => u * 3)], engine: (a, b) => E.stack([a, b], axis),
      reference: (a, b) => { const sh = [...s.slice(0, axis), 1, ...s.slice(axis)]; return R.concat([{ shape: sh, data: a.data }, { shape: sh, data: b.data }], axis); } });
    checkOp({ shapes: [s], values: [va], engine: (a) => E.pad(a, pads, 0.5), reference: (a) => R.pad(a, pads, 0.5) });
    checkOp({ shapes: [s, [indices.length]], values: [va, indices], differentiable: [true, false], engine: (a, i) => E.gather(a, axis, i), reference: (a) => R.gather(a, axis, indices) });
    const gatheredShape = s.map((d, i) => (i === axis ? indices.length : d));
    checkOp({
      shapes: [gatheredShape, [indices.length]], values: [va.slice(0, R.size(gatheredShape)).concat(new Array(Math.max(0, R.size(gatheredShape) - va.length)).fill(0.25)), indices],
      differentiable: [true, false],
      engine: (src, i) => E.scatterAdd(s, axis, i, src),
      reference: (src) => {
        const out = R.ref(new Array(R.size(s)).fill(0), s);
        const ones = R.gather(R.ref(Array.from({ length: R.size(s) }, (_, k) => k), s), axis, indices);
        ones.data.forEach((target, k) => { out.data[target] += src.data[k]; });
        return out;
      },
    });
  }), runs);
});

test.run();
