/** The README's library example (tests/examples.test.ts keeps the two identical; tsc checks this file). */
import { setBackend } from '../engine/index.ts';
import { resolveConfig } from '../models/config.ts';
import { loadViTWeights } from '../models/checkpoint/weights.ts';
import { ViT } from '../models/vit.ts';
import { grow } from '../growth/grow.ts';
import { loadFashionMnist } from '../models/data/dataset.ts';

await setBackend('webgpu');
// any timm-layout file: the shipped source (as here), a mango checkpoint or grown file, or a PyTorch one ({ heads } if not recorded)
const weights = loadViTWeights('pretrained/fmnist-d16-l4.safetensors');
const source = new ViT(weights.config);
source.loadState(weights.tensors);
const { target, operator } = await grow(source, resolveConfig('fmnist-d32-l4'), 'mango', { rank: 2 });
await operator!.trainOperator({ steps: 100, data: loadFashionMnist().train, batchSize: 128, lr: 1e-3 });
operator!.materialize();                       // target now holds Φ(M1); train it like any ViT
