/**
 * The layer tensor M [B=12, D+1, D, L] of a Transformer (ViT or decoder) (mango-spec §1.2, canonical packing): per layer the 12
 * weight blocks in "x·W" (in×out) form — Q, K, V, O (D×D), the four D-wide column chunks of W_IN and the
 * four D-high row chunks of W_OUT — each with its bias as row D (W_OUT's bias split as b/4 per chunk).
 * Unpacking is the exact inverse and is written in engine ops, so gradients flow from a target model
 * back into whatever produced M (the growth operators).
 */
import * as E from '../engine/index.ts';
import type { Tensor } from '../engine/index.ts';
import { MangoError } from '../engine/index.ts';
import type { TransformerShape } from '../models/architecture.ts';

export const blocksPerLayer = 12;
/** Blocks whose output is added to the residual stream: W_O and the four W_OUT chunks. */
export const residualOutputBlocks: readonly number[] = [3, 8, 9, 10, 11];

export function checkPackable(config: TransformerShape): void {
  if (config.mlpRatio !== 4) throw new MangoError(`packing needs an MLP ratio of 4 (got ${config.mlpRatio})`, 'grow between configs with mlpRatio 4');
}

/** M [12, D+1, D, L] from named parameters (source weights; no gradient). */
export function packLayers(params: ReadonlyMap<string, Tensor>, config: TransformerShape): Tensor {
  checkPackable(config);
  const d = config.dim;
  return E.noGrad(() => E.tidy(() => {
    const layers = Array.from({ length: config.depth }, (_, l) => {
      const p = (name: string) => params.get(`blocks.${l}.${name}`)!;
      const block = (weightOutIn: Tensor, bias: Tensor) => E.concat([weightOutIn.transpose(0, 1), bias.reshape([1, d])], 0);
      const qkvW = p('attn.qkv.weight'), qkvB = p('attn.qkv.bias');
      const fc1W = p('mlp.fc1.weight'), fc1B = p('mlp.fc1.bias'), fc2W = p('mlp.fc2.weight'), fc2B = p('mlp.fc2.bias');
      const blocks = [
        ...[0, 1, 2].map((k) => block(qkvW.slice([k * d, 0], [(k + 1) * d, d]), qkvB.slice([k * d], [(k + 1) * d]))),
        block(p('attn.proj.weight'), p('attn.proj.bias')),
        ...[0, 1, 2, 3].map((k) => block(fc1W.slice([k * d, 0], [(k + 1) * d, d]), fc1B.slice([k * d], [(k + 1) * d]))),
        ...[0, 1, 2, 3].map((k) => block(fc2W.slice([0, k * d], [d, (k + 1) * d]), fc2B.mul(0.25))),
      ];
      return E.stack(blocks, 0);
    });
    // Stored as [B, L, D+1, D] and viewed as M [B, D+1, D, L]: the sandwich contraction reads M1 as a
    // [B·L, (D+1)·D] matrix, which is then a free view instead of a copy of the whole source.
    return E.stack(layers, 1).permute([0, 2, 3, 1]);
  }));
}

/** Named block parameters of a Transformer with `config` from its layer tensor M [12, D+1, D, L] (differentiable). */
export function unpackLayers(m: Tensor, config: TransformerShape): Map<string, Tensor> {
  const d = config.dim;
  const out = new Map<string, Tensor>();
  const byLayer = m.permute([3, 0, 1, 2]);
  for (let l = 0; l < config.depth; l++) {
    const weight = (b: number) => byLayer.slice([l, b, 0, 0], [l + 1, b + 1, d, d]).reshape([d, d]);
    const bias = (b: number) => byLayer.slice([l, b, d, 0], [l + 1, b + 1, d + 1, d]).reshape([d]);
    const name = (n: string) => `blocks.${l}.${n}`;
    out.set(name('attn.qkv.weight'), E.concat([0, 1, 2].map((b) => weight(b).transpose(0, 1)), 0));
    out.set(name('attn.qkv.bias'), E.concat([0, 1, 2].map(bias), 0));
    out.set(name('attn.proj.weight'), weight(3).transpose(0, 1));
    out.set(name('attn.proj.bias'), bias(3));
    out.set(name('mlp.fc1.weight'), E.concat([4, 5, 6, 7].map((b) => weight(b).transpose(0, 1)), 0));
    out.set(name('mlp.fc1.bias'), E.concat([4, 5, 6, 7].map(bias), 0));
    out.set(name('mlp.fc2.weight'), E.concat([8, 9, 10, 11].map((b) => weight(b).transpose(0, 1)), 1));
    out.set(name('mlp.fc2.bias'), [8, 9, 10, 11].map(bias).reduce((a, b) => a.add(b)));
  }
  return out;
}
