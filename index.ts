/** mango-grow's public API: `import { engine, models, growth } from 'mango-grow'`, or each from its own entry. */
export * as engine from './engine/index.ts';
export * as models from './models/index.ts';
export * as growth from './growth/index.ts';
