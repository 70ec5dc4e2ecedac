/** Output folders: created on demand; when that fails, a typed error with the real cause and the fix. */
import { mkdirSync } from 'node:fs';
import { CheckpointError } from './safetensors.ts';

/** Node's recursive mkdir reports ENOENT for a read-only parent; a plain mkdir of the same path tells the real cause. */
function realCause(dir: string, error: NodeJS.ErrnoException): string | undefined {
  try {
    mkdirSync(dir);
  } catch (plain) {
    const code = (plain as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') return code;
  }
  return error.code;
}

export function makeFolder(dir: string, what: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (cause) {
    throw new CheckpointError(`cannot create ${what} ${dir} (${realCause(dir, cause as NodeJS.ErrnoException)})`, 'choose a writable output folder (--out)', { cause });
  }
}
