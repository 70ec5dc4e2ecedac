/**
 * Side-by-side measurement with benny: each case enqueues `reps` operations and waits for the GPU once,
 * so per-op time excludes most of the readback latency. Returns seconds per operation (median sample).
 */
import * as b from 'benny';

export interface Contender {
  name: string;
  /** Enqueues `reps` operations and resolves when the GPU has finished them. */
  run: (reps: number) => Promise<void>;
}

export async function measure(suite: string, contenders: readonly Contender[], reps: number, options = { minSamples: 5, maxTime: 3 }): Promise<Map<string, number>> {
  for (const c of contenders) await c.run(1);  // compile pipelines, warm pools
  const seconds = new Map<string, number>();
  await b.suite(suite,
    ...contenders.map((c) => b.add(c.name, async () => { await c.run(reps); }, options)),
    b.complete((summary) => {
      for (const r of summary.results) seconds.set(r.name, r.details.median / reps);
    }));
  return seconds;
}
