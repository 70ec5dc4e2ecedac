/** Progress display: a live bar on a terminal, a line every ~10% otherwise (logs, CI). */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, fields: Record<string, string>): void;
  stop(): void;
}

export function progress(label: string, total: number, enabled = true): Progress {
  if (!enabled) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar({
      format: `${label} [{bar}] {value}/{total} | {fields} | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true, etaBuffer: 50,
    }, cliProgress.Presets.shades_classic);
    bar.start(total, 0, { fields: '' });
    return {
      update: (done, fields) => bar.update(done, { fields: Object.entries(fields).map(([k, v]) => `${k} ${v}`).join(' | ') }),
      stop: () => bar.stop(),
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
