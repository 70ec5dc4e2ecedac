/** The parameter shapes both Transformer families share, in registration order: the blocks, then the final norm. */
import type { TransformerShape } from '../architecture.ts';

export function addBlockShapes(shapes: Map<string, number[]>, config: TransformerShape): void {
  const { dim } = config;
  const hidden = Math.round(dim * config.mlpRatio);
  const linear = (name: string, out: number, inp: number) => { shapes.set(`${name}.weight`, [out, inp]); shapes.set(`${name}.bias`, [out]); };
  const norm = (name: string) => { shapes.set(`${name}.weight`, [dim]); shapes.set(`${name}.bias`, [dim]); };
  for (let l = 0; l < config.depth; l++) {
    const b = `blocks.${l}`;
    norm(`${b}.norm1`);
    linear(`${b}.attn.qkv`, 3 * dim, dim);
    linear(`${b}.attn.proj`, dim, dim);
    norm(`${b}.norm2`);
    linear(`${b}.mlp.fc1`, hidden, dim);
    linear(`${b}.mlp.fc2`, dim, hidden);
  }
  norm('norm');
}
