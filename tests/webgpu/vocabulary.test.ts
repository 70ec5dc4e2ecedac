/**
 * The language-model head at GPT-2's vocabulary (50 257), where the op catalogue's small shapes do not
 * reach: cross-entropy forward and its gradient through the logits, and a tied head's weight receiving
 * gradient from both the embedding gather and the head matmul — GPU against the CPU backend.
 */
import { test } from 'uvu';
import * as E from '../../engine/index.ts';
import { close } from '../helpers/check-op.ts';
import { poisonedGpuBackend } from '../helpers/gpu.ts';

const gpu = await poisonedGpuBackend();
const gpuTest = gpu ? test : test.skip;
const cpu = E.cpuBackend();
const vocab = 50257, dim = 16, tokens = 6;

const random = new E.Random(3);
const uniform = (n: number, scale: number) => Float32Array.from({ length: n }, () => (random.uniform() * 2 - 1) * scale);
const table = uniform(vocab * dim, 0.5);
const hidden = uniform(tokens * dim, 1);
const ids = Float32Array.from([0, 50256, 17, 17, 31337, 2]);
const labels = Float32Array.from([50256, 5, 17, 40000, 0, 2]);

/** Loss of a tied head: rows of the table gathered, added to `hidden`, read out by the table itself. */
async function tiedHead(backend: E.Backend, smoothing: number): Promise<{ loss: Float32Array; grad: Float32Array; perRow: Float32Array }> {
  return E.withBackend(backend, async () => {
    const weight = E.fromArray(table, [vocab, dim], backend).keep().requireGrad();
    const x = E.gather(weight, 0, E.fromArray(ids, [tokens], backend)).add(E.fromArray(hidden, [tokens, dim], backend));
    const logits = x.matmul(weight, { transposeB: true });
    const perRow = E.crossEntropy(logits, E.fromArray(labels, [tokens], backend), { labelSmoothing: smoothing, reduction: 'none' });
    const loss = perRow.mean();
    loss.backward();
    const out = { loss: await loss.data(), grad: await weight.grad!.data(), perRow: await perRow.data() };
    for (const t of [weight.grad!, weight, x, logits, perRow, loss]) t.dispose();
    return out;
  });
}

for (const smoothing of [0, 0.1]) {
  gpuTest(`vocabulary ${vocab}, label smoothing ${smoothing}: cross-entropy and the tied table's gradient match the CPU`, async () => {
    const [ours, reference] = [await tiedHead(gpu!, smoothing), await tiedHead(cpu, smoothing)];
    close(ours.perRow, reference.perRow, 1e-5, 'per-row cross-entropy');
    close(ours.loss, reference.loss, 1e-5, 'mean loss');
    close(ours.grad, reference.grad, 1e-5, 'd(table): gather adjoint + head matmul');
  });
}

test.run();
