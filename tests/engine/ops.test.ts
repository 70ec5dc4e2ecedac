/**
 * Every engine op on the CPU backend against the float64 reference on random shapes and values: forward
 * values and gradients by central finite differences (fast-check shrinks any counterexample).
 */
import * as fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { checkOp } from '../helpers/check-op.ts';
import { opCases } from '../helpers/op-cases.ts';
import * as R from '../helpers/reference.ts';

for (const { name, checks } of opCases) {
  test(`${name}: forward and gradient vs float64 reference`, () => {
    fc.assert(fc.property(checks, (list) => { for (const check of list) checkOp(check); }), { numRuns: 25 });
  });
}

test('max gradient splits evenly between tied maxima', () => {
  checkOp({ shapes: [[4]], values: [[1, 3, 3, 2]], engine: (x) => x.max(), reference: (x) => R.reduce(x, [0], (v) => Math.max(...v), false), differentiable: [false] });
  const x = E.tensor([1, 3, 3, 2]).requireGrad();
  x.max().backward();
  assert.equal([...x.grad!.dataSync()], [0, 0.5, 0.5, 0]);
});

test.run();
