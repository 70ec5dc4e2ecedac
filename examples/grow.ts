/** The README's library example (tests/examples.test.ts keeps the two identical; tsc checks this file). */
import { engine, models, growth } from '../index.ts';

await engine.setBackend('webgpu');
// any timm-layout file: a shipped source (as here), a mango checkpoint or grown file, or a PyTorch one ({ heads } if not recorded)
const weights = models.loadViTWeights(models.pretrainedPath('fmnist-d16-l4'));
const source = new models.ViT(weights.config);
source.loadState(weights.tensors);
const { target, operator } = await growth.grow(source, models.resolveConfig('fmnist-d32-l4'), 'mango', { rank: 2 });
await operator!.trainOperator({ steps: 100, data: models.loadFashionMnist().train, batchSize: 128, lr: 1e-3 });
operator!.materialize();                       // target now holds Φ(M1); train it like any ViT
