export * from './create.ts';
export * from './elementwise.ts';
export * from './reduce.ts';
export * from './movement.ts';
export * from './matmul.ts';
export * from './nn.ts';
export * from './optim.ts';
