/** The plain-TypeScript CPU backend: straightforward, float64 accumulation, and the oracle for tests. */
import type { Backend, MatmulOptions, View } from '../backend.ts';
import { sizeOf } from '../../shape.ts';
import { adamw } from './adamw.ts';
import { squaredNorms } from './squared-norms.ts';
import { attention, attentionBackward, selfAttentionBackward } from './attention.ts';
import { binary, unary, where } from './elementwise.ts';
import { matmul } from './matmul.ts';
import { concat, gather, pad, scatterAdd } from './movement.ts';
import { crossEntropy, layerNorm, layerNormBackward, softmax } from './nn.ts';
import { reduce } from './reduce.ts';
import { gatherView } from './strided.ts';

export class CpuBackend implements Backend {
  readonly name = 'cpu';
  describe(): string { return 'cpu'; }
  allocate(elements: number) { return new Float32Array(elements); }
  upload(values: Float32Array) { return Float32Array.from(values); }
  free(): void {}
  readSync(view: View) { return Float32Array.from(gatherView(view)); }
  async read(view: View) { return this.readSync(view); }
  contiguous(x: View) { return Float32Array.from(gatherView(x)).subarray(0, sizeOf(x.shape)); }
  unary = unary;
  binary = binary;
  where = where;
  reduce = reduce;
  matmul(a: View, b: View, options: MatmulOptions) { return matmul(a, b, options); }
  softmax = softmax;
  layerNorm = layerNorm;
  layerNormBackward = layerNormBackward;
  crossEntropy = crossEntropy;
  adamw = adamw;
  squaredNorms = squaredNorms;
  attention = attention;
  attentionBackward = attentionBackward;
  selfAttentionBackward = selfAttentionBackward;
  gather = gather;
  scatterAdd = scatterAdd;
  concat = concat;
  pad = pad;
}
