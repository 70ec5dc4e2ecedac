/** --methods items → method specs → run-folder labels (a label names a run folder, so it must not change). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMethods } from '../../cli/commands/experiment.ts';
import { labelOf } from '../../experiments/spec.ts';

test('mango:R, mango-mix:R and the baselines parse to the specs and labels of their run folders', () => {
  const specs = parseMethods('scratch, mango, mango:4, mango-mix:2, mango-mix, ligo');
  assert.equal(specs, [
    { method: 'scratch' }, { method: 'mango', rank: 1 }, { method: 'mango', rank: 4 },
    { method: 'mango', rank: 2, widthInit: 'mix' }, { method: 'mango', rank: 1, widthInit: 'mix' }, { method: 'ligo' },
  ]);
  assert.equal(specs.map(labelOf), ['scratch', 'mango-r1', 'mango-r4', 'mango-mix-r2', 'mango-mix-r1', 'ligo']);
});

test('an unknown method names itself and the choices', () => {
  assert.throws(() => parseMethods('mango-mixed:2'), /unknown method "mango-mixed" in --methods[\s\S]*fix: use any of: mango, .*, mango-mix/);
});

test.run();
