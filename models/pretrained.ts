/** The pretrained sources that ship with the package (`pretrained/*.safetensors`), by name. */
import { existsSync, readdirSync } from 'node:fs';
import { MangoError } from '../engine/index.ts';
import { packagePath } from '../io/package-root.ts';

export function shippedSources(): string[] {
  return readdirSync(packagePath('pretrained')).filter((f) => f.endsWith('.safetensors')).map((f) => f.replace(/\.safetensors$/, '')).sort();
}

/** The path of a shipped source, e.g. `pretrainedPath('fmnist-d16-l4')`. */
export function pretrainedPath(name: string): string {
  const path = packagePath('pretrained', `${name}.safetensors`);
  if (!existsSync(path)) throw new MangoError(`no shipped source "${name}"`, `use one of: ${shippedSources().join(', ')}`);
  return path;
}
