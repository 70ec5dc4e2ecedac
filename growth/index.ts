/** The growth API: grow() with every method, the trainable operators, and the config checks. */
export { grow, checkGrowth, growthMethods, type GrowthMethod, type GrowOptions, type GrowResult } from './grow.ts';
export { MangoOperator, contractionMacs, type MangoOptions, type ContractionOrder } from './mango.ts';
export { LigoOperator } from './ligo.ts';
export { TrainableGrowth, type OperatorTrainingOptions, type OperatorTrainingResult } from './trainable.ts';
export type { GrowthOperator } from './operator.ts';
