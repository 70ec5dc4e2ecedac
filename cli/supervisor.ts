/**
 * Long commands (train, grow, experiment) run in a worker process watched by this supervisor. When the
 * worker dies natively (a crash in the GPU driver or Dawn's binding: SIGSEGV, SIGBUS, SIGABRT, ...) or
 * loses the GPU device, the supervisor says so and starts it again; the command resumes from its last
 * checkpoint. Ctrl-C goes to the worker once (it checkpoints and stops); a second Ctrl-C stops it at once.
 */
import { spawn } from 'node:child_process';
import { flag, flagDeclarations } from '../engine/flags.ts';

/** The exit status of a worker that lost its GPU device (EX_TEMPFAIL: try again). */
export const deviceLostExitCode = 75;
export const workerEnvironment = flagDeclarations.worker.env;

const crashSignals = new Set<NodeJS.Signals>(['SIGSEGV', 'SIGBUS', 'SIGABRT', 'SIGILL', 'SIGFPE', 'SIGTRAP', 'SIGSYS']);

export const isWorker = () => flag('worker');

export interface SupervisorOptions {
  /** the worker's command line after `mango` */
  argv: string[];
  /** the command line for a restart (e.g. with --resume added) */
  restartArgv: string[];
  maxRestarts: number;
  binary: string;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string | undefined {
  if (signal && crashSignals.has(signal)) return `the worker process crashed natively (${signal}; usually the GPU driver or Dawn's binding)`;
  if (code === deviceLostExitCode) return 'the worker process lost its GPU device';
  return undefined;
}

/** Dawn's two notices about limits it lowers on every adapter request (harmless; shown with --verbose). */
const dawnNotice = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;
const noticeStart = 'Warning: maxDynamic';

/**
 * Copies a worker's stderr to `write` as it arrives, leaving out Dawn's notices: whole lines are checked;
 * a partial line is held back only while it could still become a notice (a progress bar's redraws pass at once).
 */
export function noticeFilter(write: (text: string) => void): { push(text: string): void; end(): void } {
  let held = '';
  let atLineStart = true;
  const push = (text: string) => {
    let rest = held + text;
    held = '';
    for (let newline = rest.indexOf('\n'); newline >= 0; newline = rest.indexOf('\n')) {
      const line = rest.slice(0, newline);
      if (!(atLineStart && dawnNotice.test(line))) write(`${line}\n`);
      rest = rest.slice(newline + 1);
      atLineStart = true;
    }
    if (!rest) return;
    if (atLineStart && (noticeStart.startsWith(rest) || rest.startsWith(noticeStart))) held = rest;
    else {
      write(rest);
      atLineStart = false;
    }
  };
  return { push, end: () => held && write(held) };
}

export async function runSupervised(options: SupervisorOptions): Promise<number> {
  let stopRequests = 0;
  let worker: ReturnType<typeof spawn> | undefined;
  const forward = (signal: NodeJS.Signals) => () => {
    if (signal === 'SIGINT') stopRequests++;
    worker?.kill(signal);
  };
  const onInterrupt = forward('SIGINT');
  const onTerminate = forward('SIGTERM');
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onTerminate);
  try {
    for (let restarts = 0; ; restarts++) {
      const argv = restarts === 0 ? options.argv : options.restartArgv;
      // A process group of its own: a terminal's Ctrl-C reaches only this supervisor, which forwards it once.
      // Its stderr comes through here (Dawn's notices filtered) unless --verbose; the terminal's width goes
      // with it so the worker can still draw a progress bar.
      const verbose = flag('verbose');
      const terminal = process.stderr.isTTY ? { [flagDeclarations.terminalColumns.env]: String(process.stderr.columns || 80) } : {};
      worker = spawn(process.execPath, [options.binary, ...argv], {
        stdio: ['inherit', 'inherit', verbose ? 'inherit' : 'pipe', 'ipc'], detached: true, env: { ...process.env, ...terminal, [workerEnvironment]: '1' },
      });
      const stderrDone = worker.stderr ? copyFiltered(worker.stderr) : Promise.resolve();
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
        worker!.once('error', reject);
        worker!.once('exit', (c, s) => resolve([c, s]));
      });
      await stderrDone;
      const crash = describeExit(code, signal);
      if (!crash || stopRequests > 0) return code ?? 128 + 9;
      if (restarts >= options.maxRestarts) {
        console.error(`\nmango: ${crash}; gave up after ${options.maxRestarts} restarts.\n  fix: rerun the same command to resume from the last checkpoint; if it keeps crashing, try --backend cpu or MANGO_MAX_RESTARTS`);
        return 1;
      }
      console.error(`\nmango: ${crash}; restarting it (${restarts + 1} of ${options.maxRestarts}), it resumes from the last checkpoint`);
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onTerminate);
  }
}

function copyFiltered(stream: NodeJS.ReadableStream): Promise<void> {
  const filter = noticeFilter((text) => process.stderr.write(text));
  stream.setEncoding('utf8');
  stream.on('data', (text: string) => filter.push(text));
  return new Promise((resolve) => stream.once('close', () => {
    filter.end();
    resolve();
  }));
}

/** In the worker: stop at once when the supervisor is gone (killed), so no orphan keeps writing its folder. */
export function exitWithSupervisor(): void {
  if (!isWorker() || !process.connected) return;
  process.on('disconnect', () => process.exit(1));
  process.channel?.unref();
}
