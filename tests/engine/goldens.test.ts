/** A small MLP and an attention block, forward and backward, against frozen PyTorch (float64) values. */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as E from '../../engine/index.ts';
import { close } from '../helpers/check-op.ts';

const goldens = JSON.parse(readFileSync(new URL('../goldens/engine-goldens.json', import.meta.url), 'utf8'));
type Input = { shape: number[]; values: number[] };
const leaf = (i: Input) => E.tensor(Float32Array.from(i.values), i.shape).requireGrad();
const linear = (x: E.Tensor, w: E.Tensor, b: E.Tensor) => x.matmul(w, { transposeB: true }).add(b);

test('MLP (linear, GELU, linear, cross-entropy with label smoothing) matches PyTorch', () => {
  const g = goldens.mlp;
  const p = Object.fromEntries(Object.entries(g.inputs).filter(([k]) => k !== 'labels').map(([k, v]) => [k, leaf(v as Input)]));
  const logits = linear(linear(p.x, p.w1, p.b1).gelu(), p.w2, p.b2);
  const loss = E.crossEntropy(logits, E.tensor(g.inputs.labels.values), { labelSmoothing: 0.1 });
  close(logits.dataSync(), g.logits, 1e-5, 'logits');
  close(loss.dataSync(), [g.loss], 1e-5, 'loss');
  loss.backward();
  for (const [name, expected] of Object.entries(g.grads)) close(p[name].grad!.dataSync(), expected as number[], 1e-4, `grad ${name}`);
});

test('attention block (LN, fused qkv, 2 heads, softmax, proj, residual) matches PyTorch', () => {
  const g = goldens.attention;
  const { B, T, D, H } = g.config;
  const dh = D / H;
  const p = Object.fromEntries(Object.entries(g.inputs).filter(([k]) => k !== 'w_out').map(([k, v]) => [k, leaf(v as Input)]));
  const h = E.layerNorm(p.x, p.ln_w, p.ln_b, 1e-6);
  const qkv = linear(h, p.qkv_w, p.qkv_b).reshape([B, T, 3, H, dh]).permute([2, 0, 3, 1, 4]);
  const [q, k, v] = [0, 1, 2].map((i) => qkv.slice([i], [i + 1]).squeeze(0));
  const attn = q.matmul(k, { transposeB: true }).mul(1 / Math.sqrt(dh)).softmax(-1);
  const y = attn.matmul(v).transpose(1, 2).reshape([B, T, D]);
  const out = p.x.add(linear(y, p.proj_w, p.proj_b));
  close(out.dataSync(), g.out, 1e-5, 'out');
  const loss = out.mul(E.tensor(Float32Array.from(g.inputs.w_out.values), g.inputs.w_out.shape)).sum();
  close(loss.dataSync(), [g.loss], 1e-4, 'loss');
  loss.backward();
  for (const [name, expected] of Object.entries(g.grads)) close(p[name].grad!.dataSync(), expected as number[], 1e-4, `grad ${name}`);
});

test.run();
