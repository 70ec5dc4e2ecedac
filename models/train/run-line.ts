/** Appending a line to a run's log files; a failed append keeps the checkpoints and says how to go on. */
import { appendFileSync } from 'node:fs';
import { CheckpointError } from '../checkpoint/safetensors.ts';

export function appendRunLine(path: string, line: string): void {
  try {
    appendFileSync(path, line);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new CheckpointError(`could not append to ${path} (${code}); the checkpoints written so far are intact`,
      code === 'ENOSPC' || code === 'EDQUOT' ? 'free disk space, then rerun with --resume' : 'choose a writable output folder (--out)', { cause });
  }
}
