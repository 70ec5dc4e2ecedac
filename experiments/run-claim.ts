/**
 * A run folder claimed by one live process, so several `mango experiment` processes can share one
 * experiment folder: each run is done by whoever claims it first; a claim left by a process that died
 * (kill -9, crash) is taken over, and the run resumes from its checkpoints.
 */
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { makeFolder } from '../io/files.ts';

const claimFile = (dir: string) => join(dir, '.claimed-by');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ownerOf(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(claimFile(dir), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isFresh(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs < 5000;
  } catch {
    return false;
  }
}

/** The pid of another live process working on `dir`, or undefined once this process holds the claim. */
export function claimRun(dir: string): number | undefined {
  makeFolder(dir, 'the run folder');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(claimFile(dir), 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = ownerOf(dir);
    if (owner === process.pid) return undefined;
    if (owner !== undefined && isAlive(owner)) return owner;
    if (owner === undefined && isFresh(claimFile(dir))) return -1;   // another process is writing its pid
    rmSync(claimFile(dir), { force: true });
  }
  return ownerOf(dir) ?? -1;
}

export function releaseRun(dir: string): void {
  if (ownerOf(dir) === process.pid) rmSync(claimFile(dir), { force: true });
}
