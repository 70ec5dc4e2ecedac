/**
 * Pretrained weights from outside mango: a file PyTorch wrote (timm names, no metadata, F16/BF16, no qkv bias),
 * checked against PyTorch's own logits; grown with every method; the architecture from metadata or shapes;
 * foreign formats and layouts refused with what to do.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.ts';
import { saveCheckpoint } from '../../models/checkpoint/checkpoint.ts';
import { CheckpointError, encodeSafetensors, parseSafetensors, writeSafetensors } from '../../models/checkpoint/safetensors.ts';
import { loadViTWeights } from '../../models/checkpoint/weights.ts';
import { presets, type ViTConfig } from '../../models/config.ts';
import type { HostTensor } from '../../models/checkpoint/host-tensor.ts';
import { ViT, vitParameterShapes } from '../../models/vit.ts';
import { grow, growthMethods } from '../../growth/grow.ts';
import { close } from '../helpers/check-op.ts';

E.setBackend('cpu');
const fixture = fileURLToPath(new URL('../fixtures/timm-vit-d32-l2-h4.safetensors', import.meta.url));
const golden = JSON.parse(readFileSync(new URL('../goldens/timm-file-logits.json', import.meta.url), 'utf8'));
const images = E.fromArray(Float32Array.from(golden.images.values as number[]), golden.images.shape).keep();
const logits = (model: ViT) => E.noGrad(() => model.eval().forward(images)).dataSync();
const temp = () => mkdtempSync(join(tmpdir(), 'pretrained-'));

const throwsCheckpoint = (f: () => unknown, message: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof CheckpointError && message.test((e as Error).message) && /fix:|\S/.test(String((e as CheckpointError).fix ?? '')));

function loadedSource(): ViT {
  const weights = loadViTWeights(fixture, { heads: 4 });
  const model = new ViT(weights.config);
  model.loadState(weights.tensors);
  return model;
}

test('a PyTorch-written timm file (no metadata, F16 + BF16 + F32, no qkv bias in one block) computes PyTorch\'s logits', () => {
  const weights = loadViTWeights(fixture, { heads: 4 });
  assert.is(weights.configSource, 'shapes');
  assert.equal({ ...weights.config, dropout: undefined, dropPath: undefined }, { ...golden.config, dropout: undefined, dropPath: undefined });
  assert.match(weights.notes.join(), /no attention qkv biases/);
  assert.equal([...weights.tensors.keys()], [...vitParameterShapes(weights.config).keys()], 'state-dict order, whatever the file order');
  close(logits(loadedSource()), golden.logits, 2e-5, 'logits vs PyTorch float64');
});

test('the heads the shapes cannot tell: an error naming --heads and --source-config; a config must fit the tensors', () => {
  throwsCheckpoint(() => loadViTWeights(fixture), /records no architecture[\s\S]*number of attention heads of its width 32/);
  try {
    loadViTWeights(fixture);
  } catch (error) {
    assert.match((error as CheckpointError).fix!, /--heads N[\s\S]*--source-config/);
  }
  throwsCheckpoint(() => loadViTWeights(fixture, { config: presets['fmnist-d64-l4'], configLabel: '--source-config fmnist-d64-l4' }),
    /--source-config fmnist-d64-l4 \(ViT d64·L4·h2[\s\S]*does not fit the tensors[\s\S]*dim 64 vs 32, depth 4 vs 2/);
  throwsCheckpoint(() => loadViTWeights(fixture, { config: { ...presets['fmnist-d32-l2'], heads: 4 }, heads: 2 }), /--heads 2 disagrees/);
  assert.is(loadViTWeights(fixture, { config: { ...presets['fmnist-d32-l2'], heads: 4 } }).config.heads, 4);
});

test('grown with every method; function-preserving methods keep the PyTorch logits exactly', async () => {
  const source = loadedSource();
  const sourceLogits = logits(source);
  const wide: ViTConfig = { ...source.config, dim: 64, heads: 8 };
  const deep: ViTConfig = { ...source.config, depth: 4 };
  for (const method of ['mango', 'bert2bert-fpi', 'net2net'] as const) {
    const { target } = await grow(source, wide, method, { seed: 1 });
    close(logits(target), sourceLogits, 1e-4, `${method} width growth`);
  }
  close(logits((await grow(source, deep, 'net2net', { seed: 1 })).target), sourceLogits, 1e-4, 'net2net identity blocks');
  const both: ViTConfig = { ...wide, depth: 4 };
  for (const method of growthMethods) {
    const grown = await grow(source, both, method, { seed: 1 });
    const shapes = [...(await grown.target.state())].map(([n, t]) => [n, t.shape]);
    assert.equal(shapes, [...vitParameterShapes(both)], `${method} target shapes`);
    assert.ok(logits(grown.target).every(Number.isFinite), `${method} finite logits`);
  }
});

test('the architecture from mango metadata: a checkpoint without its optimizer file, a grown file (growing twice)', async () => {
  const dir = temp();
  const source = loadedSource();
  const state = await source.state();
  const path = saveCheckpoint(dir, { config: source.config, step: 3, position: { epoch: 0, batch: 3 }, flops: 0, random: [1, 2, 3, 4], optimizer: { kind: 'adamw', step: 3 } }, state, new Map());
  rmSync(path.replace('.safetensors', '.optim.safetensors'));
  const fromCheckpoint = loadViTWeights(path);
  assert.is(fromCheckpoint.configSource, 'metadata');
  assert.is(fromCheckpoint.config.heads, 4);
  const grown = await grow(source, { ...source.config, dim: 64, heads: 8 }, 'bert2bert-fpi');
  const grownPath = join(dir, 'grown.safetensors');
  writeSafetensors(grownPath, await grown.target.state(), { format: 'mango-weights', config: JSON.stringify(grown.target.config) });
  const again = loadViTWeights(grownPath);
  assert.is(again.config.heads, 8);
  throwsCheckpoint(() => loadViTWeights(grownPath, { config: presets['fmnist-d64-l4'], configLabel: '--config fmnist-d64-l4' }),
    /--config fmnist-d64-l4 \(ViT d64·L4·h2[\s\S]*disagrees with the architecture recorded in .*grown\.safetensors \(ViT d64·L2·h8[\s\S]*depth 4 vs 2, heads 2 vs 8/);
  throwsCheckpoint(() => loadViTWeights(grownPath, { heads: 2 }), /--heads 2 disagrees with the 8 heads recorded/);
  const twice = await grow(new ViT(again.config).eval(), { ...again.config, dim: 128, heads: 16 }, 'mango');
  assert.is(twice.target.config.dim, 128);
});

test('F16, BF16 and F64 tensors are read as float32', () => {
  const half = Uint16Array.from([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x7c00, 0x8000, 0x7e00]);
  const brain = Uint16Array.from([0x3f80, 0xc020, 0x4049]);
  const double = Float64Array.from([0.1, -3]);
  const parts: [string, string, Uint8Array, number][] = [['h', 'F16', new Uint8Array(half.buffer), 8], ['b', 'BF16', new Uint8Array(brain.buffer), 3], ['d', 'F64', new Uint8Array(double.buffer), 2]];
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, dtype, bytes, n] of parts) {
    header[name] = { dtype, shape: [n], data_offsets: [offset, offset + bytes.length] };
    offset += bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const file = new Uint8Array(8 + json.length + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(json.length), true);
  file.set(json, 8);
  let at = 8 + json.length;
  for (const [, , bytes] of parts) { file.set(bytes, at); at += bytes.length; }
  const read = parseSafetensors(file, 'mixed.safetensors').tensors;
  const h = [...read.get('h')!.data];
  assert.equal(h.slice(0, 7), [1, -2, 0.5, 65504, 2 ** -24, Infinity, -0]);
  assert.ok(Number.isNaN(h[7]));
  assert.equal([...read.get('b')!.data], [1, -2.5, 3.140625]);
  assert.equal([...read.get('d')!.data], [Math.fround(0.1), -3]);
});

test('foreign formats and layouts are refused with what to do', () => {
  const dir = temp();
  const file = (name: string, bytes: Uint8Array) => { const p = join(dir, name); writeFileSync(p, bytes); return p; };
  throwsCheckpoint(() => loadViTWeights(file('model.pth', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0, 0]))), /model\.pth is a zip archive \(PyTorch's torch\.save format/);
  throwsCheckpoint(() => loadViTWeights(file('old.pth', Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0, 0, 0, 0, 0, 0]))), /is a Python pickle/);
  try {
    loadViTWeights(join(dir, 'model.pth'));
  } catch (error) {
    assert.match((error as CheckpointError).fix!, /safetensors\.torch import save_file/);
  }
  const source = vitState({ ...presets['fmnist-d32-l2'] });
  const save = (name: string, tensors: Map<string, HostTensor>) => file(name, encodeSafetensors(tensors));
  const hf = new Map([['vit.embeddings.cls_token', source.get('cls_token')!]]);
  throwsCheckpoint(() => loadViTWeights(save('hf.safetensors', hf)), /Hugging Face transformers names/);
  const distilled = new Map([...source, ['dist_token', source.get('cls_token')!]]);
  throwsCheckpoint(() => loadViTWeights(save('deit-distilled.safetensors', distilled), { heads: 2 }), /has tensors mango's ViT has no place for: dist_token — a distilled DeiT/);
  const headless = new Map([...source].filter(([n]) => !n.startsWith('head.')));
  throwsCheckpoint(() => loadViTWeights(save('headless.safetensors', headless), { heads: 2 }), /no classification head/);
  const partial = new Map([...source].filter(([n]) => n !== 'blocks.1.mlp.fc2.bias'));
  throwsCheckpoint(() => loadViTWeights(save('partial.safetensors', partial), { heads: 2 }), /lacks 1 tensor\(s\)[\s\S]*blocks\.1\.mlp\.fc2\.bias/);
  const wrapped = new Map([...source].map(([n, t]) => [`module.${n}`, t]));
  assert.is(loadViTWeights(save('ddp.safetensors', wrapped), { heads: 2 }).tensors.size, source.size, 'a DataParallel prefix is stripped');
});

test('vitParameterShapes names every parameter of the model, in order, with its shape', () => {
  for (const config of [presets['fmnist-d32-l2'], presets['cifar-d64-l4'], { ...presets['fmnist-d64-l4'], mlpRatio: 2 }]) {
    const model = new ViT(config);
    assert.equal([...vitParameterShapes(config)], model.namedParameters().map(([n, t]) => [n, [...t.shape]]));
    model.dispose();
  }
});

function vitState(config: ViTConfig): Map<string, HostTensor> {
  return new Map([...vitParameterShapes(config)].map(([n, shape]) => [n, { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.01) }]));
}

test.run();
