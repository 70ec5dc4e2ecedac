/** The README's library example (tests/examples.test.ts keeps the two identical; tsc checks this file). */
import { setBackend } from '../engine/index.ts';
import { resolveConfig } from '../models/config.ts';
import { loadCheckpoint } from '../models/checkpoint/checkpoint.ts';
import { ViT } from '../models/vit.ts';
import { grow } from '../growth/grow.ts';
import { loadFashionMnist } from '../models/data/dataset.ts';

await setBackend('webgpu');
const checkpoint = loadCheckpoint('runs/train/checkpoints/step-00000468.safetensors');
const source = new ViT(checkpoint.state.config);
source.loadState(checkpoint.model);
const { target, operator } = await grow(source, resolveConfig('fmnist-d128-l8'), 'mango', { rank: 2 });
await operator!.trainOperator({ steps: 100, data: loadFashionMnist().train, batchSize: 128, lr: 1e-3 });
operator!.materialize();                       // target now holds Φ(M1); train it like any ViT
