/**
 * Size-bucketed GPU buffer pool. Buffers released while the command batch that uses them is still
 * unsubmitted are parked until the next submit, because `queue.writeBuffer` on a reused buffer would
 * otherwise land before the recorded (not yet submitted) commands that read its old contents.
 */
import { GpuOutOfMemoryError } from '../../errors.ts';

export interface PoolStats {
  /** Bytes of buffers handed out and not yet released. */
  bytesInUse: number;
  /** Bytes of all live GPU buffers the pool created (in use + cached free + parked). */
  bytesAllocated: number;
  hits: number;
  misses: number;
  buffersCreated: number;
  buffersDestroyed: number;
}

/** Rounds a size up to a bucket: 4 buckets per power of two (at most 25% slack), 16-byte minimum. */
export function bucketSize(bytes: number): number {
  if (bytes <= 16) return 16;
  const pow = 2 ** Math.floor(Math.log2(bytes - 1));
  const step = Math.max(4, pow / 4);
  return Math.ceil(bytes / step) * step;
}

export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private parked: GPUBuffer[] = [];
  private readonly sizeOf = new WeakMap<GPUBuffer, number>();
  private freeBytes = 0;
  readonly stats: PoolStats = { bytesInUse: 0, bytesAllocated: 0, hits: 0, misses: 0, buffersCreated: 0, buffersDestroyed: 0 };

  constructor(
    private readonly device: GPUDevice,
    private readonly maxBufferSize: number,
    /** Most bytes kept cached in free lists; releases beyond it destroy the buffer. */
    private readonly maxFreeBytes = 1 << 30,
  ) {}

  acquire(bytes: number, usage: GPUBufferUsageFlags): GPUBuffer {
    const size = bucketSize(bytes);
    if (size > this.maxBufferSize) {
      throw new GpuOutOfMemoryError(
        `a buffer of ${bytes} bytes exceeds this adapter's maxBufferSize (${this.maxBufferSize} bytes)`,
        'use a smaller batch or model, or a GPU with larger buffer limits');
    }
    const list = this.free.get(key(size, usage));
    let buffer = list?.pop();
    if (buffer) {
      this.stats.hits++;
      this.freeBytes -= size;
    } else {
      this.stats.misses++;
      buffer = this.device.createBuffer({ size, usage });
      this.sizeOf.set(buffer, size);
      this.stats.buffersCreated++;
      this.stats.bytesAllocated += size;
    }
    this.stats.bytesInUse += size;
    return buffer;
  }

  /** Returns a buffer; it becomes reusable after the next submit (see the header). */
  release(buffer: GPUBuffer): void {
    this.stats.bytesInUse -= this.size(buffer);
    this.parked.push(buffer);
  }

  /** Called by the command batch right after it submits. */
  afterSubmit(): void {
    const parked = this.parked;
    this.parked = [];
    for (const buffer of parked) {
      const size = this.size(buffer);
      if (this.freeBytes + size > this.maxFreeBytes) {
        this.destroyBuffer(buffer);
        continue;
      }
      const k = key(size, buffer.usage);
      const list = this.free.get(k) ?? [];
      list.push(buffer);
      this.free.set(k, list);
      this.freeBytes += size;
    }
  }

  /** Destroys every cached free buffer (e.g. before a big allocation, or at shutdown). */
  trim(): void {
    for (const list of this.free.values()) for (const buffer of list) this.destroyBuffer(buffer);
    this.free.clear();
    this.freeBytes = 0;
  }

  private size(buffer: GPUBuffer): number {
    return this.sizeOf.get(buffer) ?? buffer.size;
  }

  private destroyBuffer(buffer: GPUBuffer): void {
    this.stats.bytesAllocated -= this.size(buffer);
    this.stats.buffersDestroyed++;
    buffer.destroy();
  }
}

function key(size: number, usage: GPUBufferUsageFlags): string {
  return `${size}:${usage}`;
}
