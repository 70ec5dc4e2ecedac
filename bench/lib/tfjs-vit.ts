/**
 * The same ViT written the way a tfjs user would (tfjs-core ops, tf.variableGrads, Adam), for the
 * training-throughput comparison: patch embedding as one GEMM over flattened patches, pre-norm blocks
 * (layer norm via moments, multi-head attention as batched matMuls, exact-erf GELU MLP),
 * class token, label-smoothed cross-entropy. One step = forward, backward, Adam update, read the loss.
 */
import type { ViTConfig } from '../../models/config.ts';
import { tfjsLayerNorm, type Tf, type TfTensor } from './tfjs-on-dawn.ts';

export interface TfjsTrainer {
  step(images: Float32Array, labels: Int32Array): Promise<number>;
  dispose(): void;
}

export function tfjsVitTrainer(tf: Tf, config: ViTConfig, batch: number): TfjsTrainer {
  const { dim, depth, heads, patchSize: p, imageSize, channels, classes } = config;
  const hidden = dim * config.mlpRatio, grid = imageSize / p, patches = grid * grid, tokens = patches + 1, headDim = dim / heads;
  const variables: Record<string, TfTensor> = {};
  const weight = (name: string, shape: number[], std = 0.02) => (variables[name] = tf.variable(tf.mul(tf.randomNormal(shape), std)));
  const constant = (name: string, shape: number[], value: number) => (variables[name] = tf.variable(tf.fill(shape, value)));
  weight('patch.w', [channels * p * p, dim]); constant('patch.b', [dim], 0);
  weight('cls', [1, 1, dim]); weight('pos', [1, tokens, dim]);
  for (let l = 0; l < depth; l++) {
    constant(`${l}.ln1.g`, [dim], 1); constant(`${l}.ln1.b`, [dim], 0);
    weight(`${l}.qkv.w`, [dim, 3 * dim]); constant(`${l}.qkv.b`, [3 * dim], 0);
    weight(`${l}.proj.w`, [dim, dim]); constant(`${l}.proj.b`, [dim], 0);
    constant(`${l}.ln2.g`, [dim], 1); constant(`${l}.ln2.b`, [dim], 0);
    weight(`${l}.fc1.w`, [dim, hidden]); constant(`${l}.fc1.b`, [hidden], 0);
    weight(`${l}.fc2.w`, [hidden, dim]); constant(`${l}.fc2.b`, [dim], 0);
  }
  constant('norm.g', [dim], 1); constant('norm.b', [dim], 0);
  weight('head.w', [dim, classes]); constant('head.b', [classes], 0);
  const v = variables;

  const layerNorm = (x: TfTensor, g: TfTensor, b: TfTensor) => tfjsLayerNorm(tf, x, g, b, 1e-6);
  const linear = (x: TfTensor, w: TfTensor, b: TfTensor) => {
    const rows = x.shape.slice(0, -1);
    return tf.reshape(tf.add(tf.matMul(tf.reshape(x, [-1, x.shape.at(-1)!]), w), b), [...rows, w.shape[1]]);
  };
  const gelu = (x: TfTensor) => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
  const attention = (x: TfTensor, l: number) => {
    const qkv = tf.transpose(tf.reshape(linear(x, v[`${l}.qkv.w`], v[`${l}.qkv.b`]), [batch, tokens, 3, heads, headDim]), [2, 0, 3, 1, 4]);
    const [q, k, val] = tf.unstack(qkv, 0);
    const scores = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim)));
    const out = tf.reshape(tf.transpose(tf.matMul(scores, val), [0, 2, 1, 3]), [batch, tokens, dim]);
    return linear(out, v[`${l}.proj.w`], v[`${l}.proj.b`]);
  };
  const forward = (images: TfTensor) => {
    const x = tf.reshape(tf.transpose(tf.reshape(images, [batch, channels, grid, p, grid, p]), [0, 2, 4, 1, 3, 5]), [batch, patches, channels * p * p]);
    let h = tf.add(tf.concat([tf.tile(v.cls, [batch, 1, 1]), linear(x, v['patch.w'], v['patch.b'])], 1), v.pos);
    for (let l = 0; l < depth; l++) {
      h = tf.add(h, attention(layerNorm(h, v[`${l}.ln1.g`], v[`${l}.ln1.b`]), l));
      h = tf.add(h, linear(gelu(linear(layerNorm(h, v[`${l}.ln2.g`], v[`${l}.ln2.b`]), v[`${l}.fc1.w`], v[`${l}.fc1.b`])), v[`${l}.fc2.w`], v[`${l}.fc2.b`]));
    }
    const cls = tf.reshape(tf.slice(layerNorm(h, v['norm.g'], v['norm.b']), [0, 0, 0], [batch, 1, dim]), [batch, dim]);
    return linear(cls, v['head.w'], v['head.b']);
  };
  const optimizer = tf.train.adam(1e-3);

  return {
    async step(images, labels) {
      const x = tf.tensor(images, [batch, channels, imageSize, imageSize]);
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes));
      const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, forward(x), undefined, 0.1), true, Object.values(variables))!;
      const value = (await loss.data())[0];
      for (const t of [x, y, loss]) t.dispose();
      return value;
    },
    dispose() {
      for (const t of Object.values(variables)) t.dispose();
      optimizer.dispose();
    },
  };
}
