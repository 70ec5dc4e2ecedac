/**
 * The WebGPU runtime one process uses: device, buffer pool, pipeline cache, command batching, readback.
 * Everything that touches the GPU goes through here; waits never rely on `onSubmittedWorkDone()` (it does
 * not keep Node's event loop alive), only on `mapAsync`.
 */
import { GpuOutOfMemoryError, MangoError } from '../../errors.ts';
import { BufferPool } from './buffer-pool.ts';
import { CommandBatch } from './command-batch.ts';
import { openDawnDevice, type DawnDevice, type DeviceOptions } from './device.ts';
import { ErrorLog } from './error-log.ts';
import { PipelineCache, type KernelVariant } from './pipeline-cache.ts';
import { Profiler, type KernelTime } from './profiler.ts';

export type { KernelVariant } from './pipeline-cache.ts';
export type Workgroups = readonly [number, number, number];

const storageUsage = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

export class GpuRuntime {
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  readonly batch: CommandBatch;
  private readonly errors: ErrorLog;
  private closed = false;
  /** Host readbacks so far: a training step should add none but its explicit loss read. */
  readbacks = 0;

  private constructor(readonly dawn: DawnDevice, options: RuntimeOptions) {
    const { device } = dawn;
    this.errors = new ErrorLog(device);
    this.pool = new BufferPool(device, dawn.limits.maxBufferSize, options.maxCachedBytes);
    this.pipelines = new PipelineCache(device, this.errors);
    this.batch = new CommandBatch(device, () => this.pool.afterSubmit(), options.maxCommandsPerSubmit);
  }

  static async open(options: RuntimeOptions = {}): Promise<GpuRuntime> {
    return new GpuRuntime(await openDawnDevice(options), options);
  }

  get device(): GPUDevice {
    return this.dawn.device;
  }

  /** A storage buffer of at least `bytes` bytes (contents undefined). */
  allocate(bytes: number): GPUBuffer {
    this.dawn.assertAlive();
    return this.pool.acquire(bytes, storageUsage());
  }

  /** A storage buffer holding a copy of `data`. */
  upload(data: ArrayBufferView): GPUBuffer {
    const buffer = this.allocate(data.byteLength);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const aligned = bytes.byteLength % 4 === 0 ? bytes : new Uint8Array(padTo4(bytes.byteLength));
    if (aligned !== bytes) aligned.set(bytes);
    this.device.queue.writeBuffer(buffer, 0, aligned);
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    this.pool.release(buffer);
  }

  /**
   * Records one dispatch. `storage` buffers bind to @binding(0..n-1) of group 0; `uniforms`, if given,
   * to @binding(n) as a uniform buffer.
   */
  dispatch(kernel: KernelVariant, storage: readonly GPUBuffer[], workgroups: Workgroups, uniforms?: ArrayBufferView): void {
    this.dawn.assertAlive();
    const limit = this.dawn.limits.maxStorageBufferBindingSize;
    const tooBig = storage.find((b) => b.size > limit);
    if (tooBig) {
      throw new GpuOutOfMemoryError(`kernel ${kernel.label ?? kernel.key} needs a ${tooBig.size}-byte buffer, above this adapter's maxStorageBufferBindingSize (${limit} bytes)`,
        'use a smaller batch or model, or an adapter with a larger binding limit');
    }
    const pipeline = this.pipelines.get(kernel);
    const entries: GPUBindGroupEntry[] = storage.map((buffer, binding) => ({ binding, resource: { buffer } }));
    let uniformBuffer: GPUBuffer | undefined;
    if (uniforms) {
      uniformBuffer = this.pool.acquire(uniforms.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
      this.device.queue.writeBuffer(uniformBuffer, 0, uniforms.buffer, uniforms.byteOffset, uniforms.byteLength);
      entries.push({ binding: storage.length, resource: { buffer: uniformBuffer } });
    }
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    this.batch.dispatch(pipeline, bindGroup, workgroups, kernel.label ?? kernel.key);
    if (uniformBuffer) this.pool.release(uniformBuffer);
  }

  copy(source: GPUBuffer, sourceOffset: number, destination: GPUBuffer, destinationOffset: number, bytes: number): void {
    this.dawn.assertAlive();
    this.batch.copy(source, sourceOffset, destination, destinationOffset, bytes);
  }

  /** Submits everything recorded so far. */
  flush(): void {
    this.batch.submit();
  }

  /** Copies `bytes` bytes of `buffer` to the host, after all work recorded before this call. */
  async read(buffer: GPUBuffer, byteOffset = 0, bytes = buffer.size - byteOffset): Promise<ArrayBuffer> {
    this.readbacks++;
    const padded = padTo4(bytes);
    const staging = this.pool.acquire(padded, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    this.batch.copy(buffer, byteOffset, staging, 0, padded);
    this.batch.submit();
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, padded);
      const copy = staging.getMappedRange(0, padded).slice(0, bytes);
      staging.unmap();
      return copy;
    } catch (cause) {
      this.dawn.assertAlive();
      await this.errors.throwIfAny();
      throw cause;
    } finally {
      this.pool.release(staging);
      await this.errors.throwIfAny();
    }
  }

  /** Waits until the GPU has finished all work recorded so far, and surfaces any Dawn error. */
  async sync(): Promise<void> {
    const probe = this.allocate(4);
    try {
      await this.read(probe, 0, 4);
    } finally {
      this.release(probe);
    }
  }

  /** Runs `work` with per-dispatch timestamps and returns GPU milliseconds per kernel key. */
  async profile(work: () => Promise<void>): Promise<KernelTime[]> {
    if (!this.dawn.features.has('timestamp-query')) {
      throw new MangoError('this adapter has no timestamp-query feature', 'profile on an adapter that supports timestamp queries');
    }
    this.flush();
    const profiler = new Profiler(this.device);
    this.batch.profiler = profiler;
    try {
      await work();
      this.flush();
      await this.sync();
    } finally {
      this.batch.profiler = undefined;
    }
    const results = await profiler.results(async (buffer) => {
      const staging = this.device.createBuffer({ size: buffer.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      const encoder = this.device.createCommandEncoder();
      encoder.copyBufferToBuffer(buffer, 0, staging, 0, buffer.size);
      this.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const copy = staging.getMappedRange().slice(0);
      staging.destroy();
      return copy;
    });
    profiler.destroy();
    return results;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.trim();
    this.dawn.destroy();
  }
}

export interface RuntimeOptions extends DeviceOptions {
  maxCachedBytes?: number;
  maxCommandsPerSubmit?: number;
}

function padTo4(bytes: number): number {
  return Math.ceil(bytes / 4) * 4;
}

let shared: Promise<GpuRuntime> | undefined;
let sharedRuntime: GpuRuntime | undefined;

/** The process-wide GPU runtime (opened on first use). */
export function openSharedRuntime(): Promise<GpuRuntime> {
  shared ??= GpuRuntime.open().then((runtime) => (sharedRuntime = runtime));
  return shared;
}

/** Closes the process-wide runtime, if one was opened (so Node can exit). */
export function closeSharedRuntime(): void {
  sharedRuntime?.close();
  sharedRuntime = undefined;
  shared = undefined;
}
