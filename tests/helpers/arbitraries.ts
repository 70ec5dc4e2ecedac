/** fast-check generators for shapes and values used across the engine tests. */
import * as fc from 'fast-check';

export const dim = fc.integer({ min: 1, max: 4 });
export const shape = (minRank = 0, maxRank = 4) => fc.array(dim, { minLength: minRank, maxLength: maxRank });

/** Two shapes that broadcast: drop leading axes and set some axes to 1 in each. */
export const broadcastPair = shape(0, 4).chain((out) =>
  fc.tuple(
    fc.tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length })),
    fc.tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length })),
  ).map(([[dropA, onesA], [dropB, onesB]]) => [
    out.slice(dropA).map((d, i) => (onesA[i + dropA] ? 1 : d)),
    out.slice(dropB).map((d, i) => (onesB[i + dropB] ? 1 : d)),
  ] as [number[], number[]]));

export type { Domain } from '../../engine/elementwise-table.ts';
import type { Domain } from '../../engine/elementwise-table.ts';

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** f32-representable values for `shape`; 'distinct' values are 0.01 apart (no ties, no kinks near FD steps). */
export function values(s: readonly number[], domain: Domain = 'any'): fc.Arbitrary<number[]> {
  const n = size(s);
  const f32 = (v: number) => Math.fround(v);
  switch (domain) {
    case 'any': return fc.array(fc.double({ min: -2, max: 2, noNaN: true }).map(f32), { minLength: n, maxLength: n });
    case 'positive': return fc.array(fc.double({ min: 0.25, max: 3, noNaN: true }).map(f32), { minLength: n, maxLength: n });
    case 'awayFromZero': return fc.array(fc.tuple(fc.double({ min: 0.05, max: 2, noNaN: true }), fc.boolean()).map(([v, s]) => f32(s ? v : -v)), { minLength: n, maxLength: n });
    case 'distinct': return fc.uniqueArray(fc.integer({ min: -300, max: 300 }), { minLength: n, maxLength: n }).map((a) => a.map((v) => f32(v * 0.01 + 0.005)));
  }
}
