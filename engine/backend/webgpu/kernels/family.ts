/**
 * One shape for every kernel family: a name and a WGSL generator over one config value. `variant(config)`
 * keys the pipeline by the name and the config itself, so the key holds everything the source depends on
 * by construction (pipeline-cache.ts's contract), and `label` names the variant for people (profiles,
 * error messages).
 */
import type { KernelVariant } from '../pipeline-cache.ts';

/** JSON with object keys sorted, so equal configs built in any key order give one key. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

export class KernelFamily<C> {
  constructor(readonly name: string, private readonly source: (config: C) => string, private readonly describe: (config: C) => string = () => name) {}

  variant(config: C): KernelVariant {
    return { key: `${this.name}:${canonical(config)}`, label: this.describe(config), wgsl: () => this.source(config) };
  }
}
