/**
 * Decoder weights files against frozen PyTorch goldens (a GPT-2 with Hugging Face's names and layouts,
 * float64, tests/goldens/make-gpt-goldens.py): the file loads with its heads read from config.json, and
 * forward, loss and backward agree on both backends; mango's own files round-trip under either naming.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from '../../engine/index.ts';
import { GPT } from '../../models/lm/gpt.ts';
import { loadGPTWeights, saveGPTWeights } from '../../models/lm/gpt-weights.ts';
import { readSafetensors } from '../../models/checkpoint/safetensors.ts';
import { close } from '../helpers/check-op.ts';
import { poisonedGpuBackend } from '../helpers/gpu.ts';

const golden = JSON.parse(readFileSync('tests/goldens/gpt-goldens.json', 'utf8'));
const fixture = join(golden.folder, 'model.safetensors');

test('a Hugging Face GPT-2 file loads: names converted, tied head found, heads from config.json', () => {
  const weights = loadGPTWeights(fixture);
  assert.equal(weights.config, { vocabSize: 37, dim: 24, context: 12, depth: 2, mlpRatio: 4, tiedHead: true, dropout: 0, heads: 3 });
  assert.is(weights.names, 'gpt2');
  assert.is(weights.configSource, 'shapes');
  assert.ok(!weights.tensors.has('head.weight'));
});

const gpu = await poisonedGpuBackend();
for (const backend of [E.cpuBackend(), gpu]) {
  if (!backend) continue;
  test(`${backend.name}: logits, loss and gradients match PyTorch (float64) on the Hugging Face file`, async () => {
    const weights = loadGPTWeights(fixture);
    const model = new GPT(weights.config, { backend });
    model.loadState(weights.tensors);
    const inputs = { ids: golden.inputs, batch: golden.batch, length: golden.length };
    const logits = E.withBackend(backend, () => E.noGrad(() => model.forward(inputs)));
    close(await logits.data(), golden.logits, 2e-5, 'logits');
    const loss = E.withBackend(backend, () => model.loss(inputs, golden.targets));
    close(await loss.data(), [golden.loss], 1e-5, 'loss');
    E.withBackend(backend, () => loss.backward());
    const grads = new Map<string, Float32Array>();
    for (const [name, p] of model.namedParameters()) grads.set(name, await p.grad!.data());
    const grad = (name: string) => grads.get(name)!;
    const transpose = (g: Float32Array, rows: number, cols: number) => Float32Array.from({ length: g.length }, (_, i) => g[(i % rows) * cols + Math.floor(i / rows)]);
    close(grad('wte.weight'), golden.grads['transformer.wte.weight'], 1e-4, 'd wte (embedding and tied head)');
    close(grad('wpe.weight'), golden.grads['transformer.wpe.weight'], 1e-4, 'd wpe');
    close(transpose(grad('blocks.0.attn.qkv.weight'), 72, 24), golden.grads['transformer.h.0.attn.c_attn.weight'], 1e-4, 'd c_attn (Conv1D layout)');
    close(transpose(grad('blocks.1.mlp.fc2.weight'), 24, 96), golden.grads['transformer.h.1.mlp.c_proj.weight'], 1e-4, 'd mlp.c_proj');
    close(grad('norm.weight'), golden.grads['transformer.ln_f.weight'], 1e-4, 'd ln_f');
    close(grad('blocks.1.norm1.bias'), golden.grads['transformer.h.1.ln_1.bias'], 1e-4, 'd ln_1.bias');
    model.dispose();
  });
}

test('mango writes decoder files under its own names or GPT-2\'s, and reads both back exactly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mango-gpt-'));
  try {
    const model = new GPT({ vocabSize: 19, context: 6, dim: 16, depth: 2, heads: 2, mlpRatio: 4, tiedHead: false, dropout: 0 }, { seed: 3 });
    const state = await model.state();
    for (const names of ['mango', 'gpt2'] as const) {
      const path = join(dir, `${names}.safetensors`);
      await saveGPTWeights(path, model, { names });
      const file = readSafetensors(path);
      assert.is(file.metadata.format, 'pt', 'transformers only reads safetensors files whose format is pt');
      assert.is(file.tensors.has('transformer.h.0.attn.c_attn.weight'), names === 'gpt2');
      const back = loadGPTWeights(path);
      assert.equal(back.config, model.config);
      assert.is(back.configSource, 'metadata');
      for (const [name, t] of state) assert.equal(back.tensors.get(name), t, `${names}: ${name}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file without heads or config.json is refused with the fix; a config that disagrees is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mango-gpt-'));
  try {
    const bare = join(dir, 'model.safetensors');
    copyFileSync(fixture, bare);
    assert.throws(() => loadGPTWeights(bare), /cannot tell the number of attention heads.*--heads N/s);
    assert.is(loadGPTWeights(bare, { heads: 3 }).config.heads, 3);
    assert.throws(() => loadGPTWeights(fixture, { heads: 4 }), /--heads 4 disagrees with the 3 heads/);
    const wrong = { vocabSize: 37, context: 12, dim: 24, depth: 3, heads: 3, mlpRatio: 4, tiedHead: true, dropout: 0 };
    assert.throws(() => loadGPTWeights(fixture, { config: wrong, configLabel: '--config x.json' }), /--config x\.json .* does not fit its tensors .*depth 3 vs 2/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'gpt2', n_head: 3, activation_function: 'relu' }));
    assert.throws(() => loadGPTWeights(bare), /activation_function relu/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
