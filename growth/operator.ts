/** What a trainable growth operator offers TrainableGrowth (Mango, LiGO). */
import type { Tensor } from '../engine/index.ts';

export interface GrowthOperator {
  /** trainable tensors by name */
  namedParameters(): [string, Tensor][];
  parameterCount(): number;
  /** MACs of one materialisation (forward) */
  macs(): number;
  /** every target parameter as a differentiable function of the operator and the frozen source */
  targetParameters(source: ReadonlyMap<string, Tensor>): Map<string, Tensor>;
  /** the same without gradients, handed out piece by piece (bounded memory) */
  materializeInto(source: ReadonlyMap<string, Tensor>, emit: (name: string, value: Tensor) => void): void;
  dispose(): void;
}
