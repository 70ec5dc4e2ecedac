/**
 * Files the tool writes: folders created on demand, writes that leave either the old file or the complete
 * new one, and small JSON records. Failures become typed errors with the real cause and the fix.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { MangoError } from '../engine/index.ts';

/** A folder or file the tool needs to write cannot be written. */
export class OutputError extends MangoError {}

/** The error a caller raises for a failed write (a checkpoint writer raises its CheckpointError). */
export type WriteFailure = new (message: string, fix: string, options?: { cause?: unknown }) => MangoError;

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

export function makeFolder(dir: string, what: string, Failure: WriteFailure = OutputError): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (cause) {
    throw new Failure(`cannot create ${what} ${dir} (${realCause(dir, cause as NodeJS.ErrnoException)})`, 'choose a writable output folder (--out)', { cause });
  }
}

/** Writes `bytes` to `path` so that `path` is either the old file or the complete new one. */
export function writeFileAtomic(path: string, bytes: Uint8Array, Failure: WriteFailure = OutputError): void {
  const temp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(temp, 'w');
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    const dir = openSync(dirname(path), 'r');
    try { fsyncSync(dir); } finally { closeSync(dir); }
  } catch (cause) {
    rmSync(temp, { force: true });
    const code = (cause as NodeJS.ErrnoException).code;
    throw new Failure(`could not write ${path} (${code ?? cause}); the previous file is unchanged`,
      code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG' ? 'free disk space and resume' : code === 'EACCES' || code === 'EROFS' ? 'choose a writable output folder (--out)' : 'check the output folder', { cause });
  }
}

export const readJson = <T>(path: string): T | undefined => (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) as T : undefined);

export const writeJson = (path: string, value: unknown): void => writeFileAtomic(path, new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`));
