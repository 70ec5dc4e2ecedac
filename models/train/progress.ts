/**
 * Progress display: a live bar on a terminal, a line every ~10% otherwise (logs, CI). While a bar is live,
 * `say()` prints its line above the bar (cli-progress's MultiBar.log), so evaluation lines and Ctrl-C
 * messages never land on top of it. A supervised worker whose supervisor owns a terminal draws its bar
 * through the supervisor's pipe (`terminalStream`).
 */
import { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import { flag } from '../../engine/flags.ts';

export interface Progress {
  update(done: number, fields: Record<string, string>): void;
  stop(): void;
}

let live: cliProgress.MultiBar | undefined;

/** One line for the user (on stderr): above the live bar if there is one. */
export function say(line: string): void {
  if (live) live.log(`${line}\n`);
  else process.stderr.write(`${line}\n`);
}

/**
 * The stream a bar draws on: stderr when it is a terminal. A supervised worker's stderr is a pipe (the
 * supervisor filters Dawn's notices from it): its bar goes to stdout when that is the terminal, so the bar
 * and the command's other lines share one stream and cannot overtake each other; else, when the
 * supervisor's stderr is a terminal (MANGO_TERMINAL_COLUMNS), through the pipe with the terminal's cursor
 * controls sent as ANSI sequences. Otherwise there is no terminal: plain lines.
 */
function terminalStream(): NodeJS.WriteStream | undefined {
  if (process.stderr.isTTY) return process.stderr;
  if (flag('worker') && process.stdout.isTTY) return process.stdout;
  const columns = flag('terminalColumns');
  if (!columns) return undefined;
  const stderr = process.stderr;
  const write = (text: string) => stderr.write(text);
  const stream = new Writable({ write: (chunk, _encoding, done) => { stderr.write(chunk, done); } }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, {
    isTTY: true, columns,
    cursorTo: (x: number) => write(`\x1b[${x + 1}G`),
    moveCursor: (dx: number, dy: number) => write(`${dx ? `\x1b[${Math.abs(dx)}${dx > 0 ? 'C' : 'D'}` : ''}${dy ? `\x1b[${Math.abs(dy)}${dy > 0 ? 'B' : 'A'}` : ''}`),
    clearLine: (dir: number) => write(dir < 0 ? '\x1b[1K' : dir > 0 ? '\x1b[0K' : '\x1b[2K'),
    clearScreenDown: () => write('\x1b[0J'),
    getWindowSize: () => [columns, 24],
  });
  return stream;
}

export function progress(label: string, total: number, enabled = true): Progress {
  if (!enabled) return { update() {}, stop() {} };
  const terminal = terminalStream();
  if (terminal) {
    const bars = new cliProgress.MultiBar({
      format: `${label} [{bar}] {value}/{total} | {fields} | ETA {eta_formatted}`, stream: terminal, hideCursor: true, etaBuffer: 50,
    }, cliProgress.Presets.shades_classic);
    const bar = bars.create(total, 0, { fields: '' });
    live = bars;
    return {
      update: (done, fields) => bar.update(done, { fields: Object.entries(fields).map(([k, v]) => `${k} ${v}`).join(' | ') }),
      stop: () => {
        bars.stop();
        if (live === bars) live = undefined;
      },
    };
  }
  let nextReport = 0;
  const started = performance.now();
  return {
    update(done, fields) {
      if (done < nextReport && done < total) return;
      nextReport = done + Math.max(1, Math.ceil(total / 10));
      const elapsed = (performance.now() - started) / 1000;
      const eta = done > 0 ? ((total - done) * elapsed) / done : 0;
      process.stderr.write(`${label} ${done}/${total} ${Object.entries(fields).map(([k, v]) => `${k} ${v}`).join(' ')} ETA ${eta.toFixed(0)}s\n`);
    },
    stop() {},
  };
}
