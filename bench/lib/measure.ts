/**
 * Side-by-side measurement with benny: each case enqueues `reps` operations and waits for the GPU once,
 * so per-op time excludes most of the readback latency. Returns seconds per operation: the median sample
 * of each suite run, and with `rounds` > 1 the best of that many alternating runs (this machine's speed
 * drifts over minutes, so contenders measured back to back once can land in different spells).
 */
import * as b from 'benny';

export interface Contender {
  name: string;
  /** Enqueues `reps` operations and resolves when the GPU has finished them. */
  run: (reps: number) => Promise<void>;
}

export interface MeasureOptions {
  minSamples: number;
  maxTime: number;
  rounds?: number;
}

export async function measure(suite: string, contenders: readonly Contender[], reps: number,
  options: MeasureOptions = { minSamples: 5, maxTime: 3 }): Promise<Map<string, number>> {
  for (const c of contenders) await c.run(1);  // compile pipelines, warm pools
  const seconds = new Map<string, number>();
  const rounds = options.rounds ?? 1;
  for (let round = 0; round < rounds; round++) {
    await b.suite(rounds > 1 ? `${suite} (round ${round + 1}/${rounds})` : suite,
      ...contenders.map((c) => b.add(c.name, async () => { await c.run(reps); }, { minSamples: options.minSamples, maxTime: options.maxTime })),
      b.complete((summary) => {
        for (const r of summary.results) seconds.set(r.name, Math.min(seconds.get(r.name) ?? Infinity, r.details.median / reps));
      }));
  }
  return seconds;
}
