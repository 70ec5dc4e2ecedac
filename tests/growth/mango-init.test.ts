/**
 * Mango's init at R ≥ 2 (growth/mango.ts, docs/growth.md "Function-preserving init at R ≥ 2"): depth growth
 * with identity blocks through ring slot 1 and width growth keep the source's logits, gradients still
 * reach every zero-initialised ring entry, and the norm depth mixing stays finite when a column of Λ
 * sums to 0. CPU backend.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { presets, type ViTConfig } from '../../models/config.ts';
import { ViT } from '../../models/vit.ts';
import { MangoOperator, minColumnSum, type MangoOptions } from '../../growth/mango.ts';
import { packLayers } from '../../growth/pack.ts';
import { perturbParameters } from '../helpers/perturb.ts';

const small = presets['fmnist-d32-l2'];
const deep = presets['fmnist-d64-l4-h4'];
const wide: ViTConfig = { ...deep, depth: small.depth };
const source = perturbParameters(new ViT(small, { seed: 2 }), 0.2);
const sourceParams = new Map(source.namedParameters());
const m1 = packLayers(sourceParams, small).keep();
const images = E.randn([4, 1, 28, 28], { random: new E.Random(5) }).keep();
const sourceLogits = E.noGrad(() => source.eval().forward(images)).dataSync();

/** max |Δlogit| of the grown model at init against the source, via the differentiable path and via materializeInto. */
function deviation(target: ViTConfig, options: MangoOptions): number {
  const op = new MangoOperator(small, target, { random: new E.Random(1), ...options });
  const model = new ViT(target, { seed: 9 }).eval();
  const viaContract = E.noGrad(() => model.withParameters(op.targetParameters(sourceParams), () => model.forward(images))).dataSync();
  const own = new Map(model.namedParameters());
  op.materializeInto(sourceParams, (name, value) => own.get(name)!.assign(value));
  const materialized = E.noGrad(() => model.forward(images)).dataSync();
  op.dispose();
  return Math.max(...sourceLogits.map((v, i) => Math.max(Math.abs(viaContract[i] - v), Math.abs(materialized[i] - v))));
}

test("depthInit 'identity' (the default at R ≥ 2): d32·L2·h2 → d64·L4·h4 keeps the source logits, both orders", () => {
  assert.ok(Math.max(...sourceLogits.map(Math.abs)) > 0.5, 'the source has non-trivial logits');
  for (const [rank, order] of [[2, 'A'], [2, 'B'], [4, 'auto']] as const) {
    const d = deviation(deep, { rank, order });
    assert.ok(d <= 1e-5, `R=${rank} order ${order}: |Δlogit| ${d}`);
  }
  assert.ok(deviation(deep, { rank: 2, depthInit: 'stack' }) > 1e-2, "the old copies ('stack') are not function-preserving");
});

test('identity blocks: the repeated layers have exactly zero attn.proj and mlp.fc2, the others copy the source', () => {
  const op = new MangoOperator(small, deep, { rank: 2, random: new E.Random(1) });
  const params = E.noGrad(() => op.targetParameters(sourceParams));
  // interlaced: target layers 0, 1, 2, 3 ← source layers 0, 0, 1, 1; layers 1 and 3 are the repeats
  for (const l of [1, 3]) for (const name of ['attn.proj.weight', 'attn.proj.bias', 'mlp.fc2.weight', 'mlp.fc2.bias']) {
    assert.ok(params.get(`blocks.${l}.${name}`)!.dataSync().every((v) => v === 0), `blocks.${l}.${name}`);
  }
  for (const [l, s] of [[1, 0], [3, 1]]) {
    const norm = params.get(`blocks.${l}.norm1.weight`)!.dataSync(), own = sourceParams.get(`blocks.${s}.norm1.weight`)!.dataSync();
    assert.ok(norm.every((v, j) => Math.abs(v - own[j % small.dim]) < 1e-6), `blocks.${l}.norm1 copies source layer ${s}`);
  }
  op.dispose();
});

test('width growth at R = 2 and 4 keeps the source logits, whatever the noise (it never reaches M2 at init)', () => {
  for (const [rank, noise] of [[2, 1e-2], [2, 0.3], [4, 1e-2]]) {
    const d = deviation(wide, { rank, noise });
    assert.ok(d <= 1e-5, `R=${rank} noise ${noise}: |Δlogit| ${d}`);
  }
});

test("depthInit 'identity' at rank 1 is a typed error with a fix", () => {
  assert.throws(() => new MangoOperator(small, deep, { rank: 1, depthInit: 'identity' }), /'identity' needs rank ≥ 2[\s\S]*--rank 2/);
});

/**
 * Gradient norm² of every ring slice S[a,:,:,b] of every core under a fixed random linear loss on M2;
 * then each core moves by 1e-3·sign(gradient), about a first AdamW step.
 */
function sliceGradientsThenStep(op: MangoOperator): Map<string, number> {
  const { B, I2, O2, L2 } = op.dims;
  op.contract(m1).mul(E.randn([B, I2, O2, L2], { random: new E.Random(3) })).sum().backward();
  const out = new Map<string, number>();
  for (const [name, core] of [['S_B', op.SB], ['S_I', op.SI], ['S_O', op.SO], ['S_L', op.SL]] as const) {
    const [R, rows, cols] = core.shape;
    const g = core.grad!.dataSync();
    for (let i = 0; i < g.length; i++) {
      const key = `${name}[${Math.floor(i / (rows * cols * R))},${i % R}]`;
      out.set(key, (out.get(key) ?? 0) + g[i] * g[i]);
    }
    E.noGrad(() => core.assign(core.sub(E.sign(core.grad!).mul(1e-3)).keep()));
    core.grad!.dispose();
    core.grad = null;
  }
  return out;
}

const zeros = (norms: Map<string, number>) => [...norms].filter(([, v]) => v === 0).map(([k]) => k).sort();

test('gradients reach every zero-initialised ring entry within one step (R = 2; width, and depth with identity blocks)', () => {
  // Step 0: S_O's couplings (the noisy ones) need a second nonzero coupling to close a ring path, and
  // so does the free slot 1 of S_B, S_I, S_O (its S_L[1,:,:,1] is 0) when there are no identity blocks.
  const expectedAtStep0 = {
    width: ['S_B[1,0]', 'S_B[1,1]', 'S_I[1,0]', 'S_I[1,1]', 'S_O[0,1]', 'S_O[1,0]', 'S_O[1,1]'],
    depth: ['S_O[0,1]', 'S_O[1,0]'],
  };
  for (const [kind, target] of [['width', wide], ['depth', deep]] as const) {
    const op = new MangoOperator(small, target, { rank: 2, random: new E.Random(1) });
    assert.equal(zeros(sliceGradientsThenStep(op)), expectedAtStep0[kind], `${kind}: zero gradients at step 0`);
    const next = sliceGradientsThenStep(op);
    assert.equal(zeros(next), [], `${kind}: zero gradients after one step`);
    assert.is(next.size, 16);
    op.dispose();
  }
});

test('norm depth mixing: a Λ column summing to 0 stays finite (divided by ±minColumnSum), healthy columns sum to exactly 1', () => {
  const tiny: ViTConfig = { imageSize: 28, channels: 1, patchSize: 7, dim: 4, depth: 2, heads: 2, mlpRatio: 4, classes: 3, dropout: 0, dropPath: 0 };
  const tinyDeep = { ...tiny, depth: 3 };
  const op = new MangoOperator(tiny, tinyDeep, { rank: 1 });
  const lambda = [[1, 0.6, 1], [-1, 0.6, 0.05]];   // column sums 0, 1.2, 1.05
  op.SL.assign(E.fromArray(lambda.flat(), [1, 2, 3, 1]).keep());
  const src = new ViT(tiny, { seed: 4 });
  const params = new Map(src.namedParameters());
  perturbParameters(src, 0.5);
  const aux = op.auxParameters(params);
  const gamma = [0, 1].map((l) => params.get(`blocks.${l}.norm1.weight`)!.dataSync());
  const divisors = [minColumnSum, 1.2, 1.05];
  for (let l = 0; l < 3; l++) {
    const expected = gamma[0].map((g0, j) => (lambda[0][l] * g0 + lambda[1][l] * gamma[1][j]) / divisors[l]);
    const got = aux.get(`blocks.${l}.norm1.weight`)!.dataSync();
    got.forEach((v, j) => assert.ok(Number.isFinite(v) && Math.abs(v - expected[j]) <= 1e-5 * (1 + Math.abs(expected[j])), `layer ${l}[${j}]: ${v} vs ${expected[j]}`));
  }
  [...aux.values()].reduce((s, t) => s.add(t.square().sum()), E.scalar(0)).backward();
  assert.ok(op.SL.grad!.dataSync().every(Number.isFinite), 'S_L gradient is finite');
  op.dispose();
});

test("widthInit 'mix': M2 keeps the source block, each new unit is the dense mixture Σ_o M1[…, o, …]·S_O[o, j], and the logits move", () => {
  const op = new MangoOperator(small, wide, { widthInit: 'mix', random: new E.Random(1) });
  const { B, I1, O1, L1, I2, O2 } = op.dims;
  const mix = op.SO.dataSync();   // [1, O1, O2, 1]
  for (let j = O1; j < O2; j++) {
    const column = Array.from({ length: O1 }, (_, o) => mix[o * O2 + j]);
    assert.ok(column.every((v) => v > 0) && Math.abs(column.reduce((a, b) => a + b, 0) - 1) < 1e-6, `new unit ${j} is a convex mixture of every source unit`);
  }
  const source1 = m1.dataSync(), grown = E.noGrad(() => op.contract(m1)).dataSync();
  const rowOf = (i: number) => (i === I1 - 1 ? I2 - 1 : i);   // the bias row is last on both sides
  let worst = 0;
  for (let b = 0; b < B; b++) for (let i = 0; i < I1; i++) for (let l = 0; l < L1; l++) {
    const at1 = (o: number) => source1[((b * I1 + i) * O1 + o) * L1 + l];
    for (let j = 0; j < O2; j++) {
      const expected = j < O1 ? at1(j) : Array.from({ length: O1 }, (_, o) => at1(o) * mix[o * O2 + j]).reduce((a, c) => a + c, 0);
      worst = Math.max(worst, Math.abs(grown[((b * I2 + rowOf(i)) * O2 + j) * L1 + l] - expected));
    }
  }
  op.dispose();
  assert.ok(worst < 1e-5, `max |M2 − dense| on the source rows: ${worst}`);
  assert.ok(deviation(wide, { widthInit: 'mix' }) > 1e-3, 'mixtures are not function-preserving (LiGO\'s trade)');
  assert.throws(() => new MangoOperator(small, wide, { widthInit: 'clone' as 'mix' }), /unknown Mango width init "clone"[\s\S]*copy or mix/);
});

test.run();
