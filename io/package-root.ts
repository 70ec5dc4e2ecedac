/** Files that ship with the package (the pretrained sources, package.json), found from the running module. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  // Source files sit one or two folders below the root, compiled ones one level deeper (dist/…).
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'mango-grow') return dir;
    if (dirname(dir) === dir) throw new Error('mango-grow: cannot find the package root (package.json) above this module');
  }
}

let root: string | undefined;
/** The package's root folder (the repository root in a checkout). */
export function packageRoot(): string {
  return (root ??= findRoot());
}

/** A path inside the package, e.g. `packagePath('pretrained', 'fmnist-d16-l4.safetensors')`. */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
}
