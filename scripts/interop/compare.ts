/**
 * Writes a checkpoint from mango, loads it in PyTorch (timm layout, strict=True) and compares logits.
 * usage: npx tsx scripts/interop/compare.ts [checkpoint.safetensors]   (needs /usr/bin/python3 with torch)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from '../../engine/index.ts';
import { loadCheckpoint, saveCheckpoint } from '../../models/checkpoint/checkpoint.ts';
import { resolveConfig } from '../../models/config.ts';
import { ViT } from '../../models/vit.ts';
import { isGPTConfig } from '../../models/lm/gpt-config.ts';

let path = process.argv[2];
let model: ViT;
if (path) {
  const checkpoint = loadCheckpoint(path);
  if (isGPTConfig(checkpoint.state.config)) throw new Error(`${path} is a language-model checkpoint; this script compares ViTs`);
  model = new ViT(checkpoint.state.config);
  model.loadState(checkpoint.model);
} else {
  model = new ViT(resolveConfig('fmnist-d64-l4'), { seed: 5 });
  const dir = mkdtempSync(join(tmpdir(), 'interop-'));
  path = saveCheckpoint(dir, { config: model.config, step: 0, position: { epoch: 0, batch: 0 }, flops: 0, random: model.random.getState(), optimizer: { kind: 'adamw', step: 0 } }, await model.state(), new Map());
}
const { imageSize: s, channels: c } = model.config;
const x = E.tensor(Float32Array.from({ length: 2 * c * s * s }, (_, i) => (i % 17) / 17 - 0.5), [2, c, s, s]);
const ours = [...E.noGrad(() => model.eval().forward(x)).dataSync()];
const run = spawnSync('/usr/bin/python3', [new URL('./load_in_pytorch.py', import.meta.url).pathname, path], { encoding: 'utf8' });
if (run.status !== 0) throw new Error(run.stderr);
const theirs: number[] = JSON.parse(run.stdout).logits;
const maxDiff = Math.max(...ours.map((v, i) => Math.abs(v - theirs[i])));
console.log(`${path}: loaded in PyTorch with strict=True; max |logit difference| = ${maxDiff.toExponential(2)}`);
process.exit(maxDiff < 1e-4 ? 0 : 1);
