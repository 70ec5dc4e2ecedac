/**
 * Per-kernel GPU time from timestamp queries: while profiling, every dispatch runs in its own compute
 * pass that writes a begin and an end timestamp. Needs the adapter's 'timestamp-query' feature.
 */
export interface KernelTime {
  key: string;
  count: number;
  milliseconds: number;
}

export class Profiler {
  private readonly querySet: GPUQuerySet;
  private readonly keys: string[] = [];
  private readonly resolved: { keys: string[]; buffer: GPUBuffer }[] = [];

  constructor(private readonly device: GPUDevice, readonly capacity = 2048) {
    this.querySet = device.createQuerySet({ type: 'timestamp', count: capacity * 2 });
  }

  /** Timestamp writes for the next dispatch's pass, or undefined when the query set is full. */
  nextPass(key: string): GPUComputePassTimestampWrites | undefined {
    const i = this.keys.length;
    if (i >= this.capacity) return undefined;
    this.keys.push(key);
    return { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 };
  }

  /** Records the resolve of this submit's queries into `encoder` and starts a fresh query range. */
  resolveInto(encoder: GPUCommandEncoder): void {
    if (this.keys.length === 0) return;
    const count = this.keys.length * 2;
    const buffer = this.device.createBuffer({ size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    encoder.resolveQuerySet(this.querySet, 0, count, buffer, 0);
    this.resolved.push({ keys: this.keys.splice(0), buffer });
  }

  /** Totals per kernel key over everything resolved so far (call after the work finished). */
  async results(read: (buffer: GPUBuffer) => Promise<ArrayBuffer>): Promise<KernelTime[]> {
    const totals = new Map<string, KernelTime>();
    for (const { keys, buffer } of this.resolved.splice(0)) {
      const stamps = new BigUint64Array(await read(buffer));
      keys.forEach((key, i) => {
        const t = totals.get(key) ?? { key, count: 0, milliseconds: 0 };
        t.count++;
        t.milliseconds += Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6;
        totals.set(key, t);
      });
      buffer.destroy();
    }
    return [...totals.values()].sort((a, b) => b.milliseconds - a.milliseconds);
  }

  destroy(): void {
    this.querySet.destroy();
  }
}
