/**
 * Operator training keeps the source frozen: no gradient is computed for the source (or the target's own
 * tensors, which the operator's outputs stand in for), the source's values stay bit-identical, and the
 * losses and operator updates are those of the old path where the source's gradients were computed too.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import type { ViTConfig } from '../../models/config.ts';
import { ViT } from '../../models/vit.ts';
import { LigoOperator } from '../../growth/ligo.ts';
import { MangoOperator } from '../../growth/mango.ts';
import type { GrowthOperator } from '../../growth/operator.ts';
import { TrainableGrowth } from '../../growth/trainable.ts';
import { syntheticDataset } from '../helpers/synthetic.ts';
import { perturbParameters } from '../helpers/perturb.ts';

const small: ViTConfig = { imageSize: 28, channels: 1, patchSize: 7, dim: 16, depth: 2, heads: 2, mlpRatio: 4, classes: 4, dropout: 0, dropPath: 0 };
const both: ViTConfig = { ...small, dim: 32, heads: 4, depth: 3 };
const data = syntheticDataset(48, 7);
const source = perturbParameters(new ViT(small, { seed: 2 }), 0.05);

const operators: Record<string, () => GrowthOperator> = {
  mango: () => new MangoOperator(small, both, { rank: 2, random: new E.Random(7) }),
  ligo: () => new LigoOperator(small, both, { random: new E.Random(7), backend: E.getBackend() }),
};

/** The old path: the operator reads the source's own (gradient-requiring) tensors, whatever it is handed. */
function withLiveSource(op: GrowthOperator): GrowthOperator {
  const live = new Map(source.namedParameters());
  return {
    namedParameters: () => op.namedParameters(),
    parameterCount: () => op.parameterCount(),
    macs: () => op.macs(),
    targetParameters: () => op.targetParameters(live),
    materializeInto: (params, emit) => op.materializeInto(params, emit),
    dispose: () => op.dispose(),
  };
}

async function train(op: GrowthOperator) {
  const growth = new TrainableGrowth(source, new ViT(both, { seed: 1 }), op);
  const { losses } = await growth.trainOperator({ steps: 3, data, batchSize: 16, lr: 3e-3, showProgress: false });
  return { growth, losses, cores: op.namedParameters().map(([, t]) => t.dataSync().slice()) };
}

for (const [name, make] of Object.entries(operators)) {
  test(`${name}: operator steps leave the source bit-identical with no gradients, and train exactly as before`, async () => {
    const before = source.namedParameters().map(([, t]) => t.dataSync().slice());
    const frozen = await train(make());
    source.namedParameters().forEach(([n, t], i) => {
      assert.is(t.grad, null, `source ${n} has a gradient`);
      assert.equal(t.dataSync(), before[i], `source ${n} changed`);
    });
    for (const [n, t] of frozen.growth.target.namedParameters()) assert.is(t.grad, null, `target ${n} has a gradient`);

    const live = await train(withLiveSource(make()));
    assert.ok(source.namedParameters().some(([, t]) => t.grad !== null), 'the old path computed source gradients');
    for (const [, t] of source.namedParameters()) { t.grad?.dispose(); t.grad = null; }
    assert.equal(frozen.losses, live.losses);
    frozen.cores.forEach((values, i) => assert.equal(values, live.cores[i], `operator parameter ${i} after 3 steps`));
    frozen.growth.dispose();
    live.growth.dispose();
  });
}

test('an operator that leaves a target parameter out is a typed error (the target tensor would be trained)', async () => {
  const op = operators.mango();
  const partial: GrowthOperator = Object.assign(Object.create(op), { targetParameters: (params: Map<string, E.Tensor>) => { const out = op.targetParameters(params); out.delete('head.bias'); return out; } });
  const growth = new TrainableGrowth(source, new ViT(both), partial);
  try {
    await growth.trainOperator({ steps: 1, data, batchSize: 16, lr: 1e-3, showProgress: false });
    assert.unreachable('no error');
  } catch (error) {
    assert.match((error as Error).message, /does not produce head\.bias/);
  }
  growth.dispose();
});

test.run();
