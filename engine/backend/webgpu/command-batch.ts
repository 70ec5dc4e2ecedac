/**
 * Records many dispatches and copies into one command encoder (one compute pass across consecutive
 * dispatches) and submits them together: per-submit overhead dominates small kernels otherwise.
 */
import type { Profiler } from './profiler.ts';

export class CommandBatch {
  /** When set, each dispatch gets its own pass with timestamps (slower; for measurement only). */
  profiler: Profiler | undefined;
  private encoder: GPUCommandEncoder | undefined;
  private pass: GPUComputePassEncoder | undefined;
  private recorded = 0;
  submits = 0;
  dispatches = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly afterSubmit: () => void,
    readonly maxCommandsPerSubmit = 64,
  ) {}

  dispatch(pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, workgroups: readonly [number, number, number], key = ''): void {
    const timestampWrites = this.profiler?.nextPass(key);
    if (timestampWrites) {
      this.endPass();
      this.pass = this.currentEncoder().beginComputePass({ timestampWrites });
    }
    if (!this.pass) this.pass = this.currentEncoder().beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    if (timestampWrites) this.endPass();
    this.dispatches++;
    this.countCommand();
  }

  copy(source: GPUBuffer, sourceOffset: number, destination: GPUBuffer, destinationOffset: number, bytes: number): void {
    this.endPass();
    this.currentEncoder().copyBufferToBuffer(source, sourceOffset, destination, destinationOffset, bytes);
    this.countCommand();
  }

  get pending(): number {
    return this.recorded;
  }

  submit(): void {
    if (!this.encoder) {
      this.afterSubmit();
      return;
    }
    this.endPass();
    this.profiler?.resolveInto(this.encoder);
    const commands = this.encoder.finish();
    this.encoder = undefined;
    this.recorded = 0;
    this.device.queue.submit([commands]);
    this.submits++;
    this.afterSubmit();
  }

  private currentEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = undefined;
  }

  private countCommand(): void {
    if (++this.recorded >= this.maxCommandsPerSubmit) this.submit();
  }
}
