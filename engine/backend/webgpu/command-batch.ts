/**
 * Records many dispatches and copies into one command encoder (one compute pass across consecutive
 * dispatches) and submits them together: per-submit overhead dominates small kernels otherwise.
 */
export class CommandBatch {
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

  dispatch(pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, workgroups: readonly [number, number, number]): void {
    if (!this.pass) this.pass = this.currentEncoder().beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
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
