/**
 * Compute pipelines keyed by kernel name + static config. Shapes travel in uniforms, so one pipeline
 * serves every shape of a kernel variant. Compilation errors are captured with an error scope and
 * reported through the ErrorLog with the kernel's key and Dawn's message.
 */
import type { ErrorLog } from './error-log.ts';

/** A kernel variant: `wgsl()` must depend only on what `key` encodes. */
export interface KernelVariant {
  /** Kernel family + static configuration, e.g. `matmul[tile=64x64,vec4]`. */
  readonly key: string;
  wgsl(): string;
}

export interface PipelineCacheStats {
  hits: number;
  misses: number;
  size: number;
}

export class PipelineCache {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  readonly stats: PipelineCacheStats = { hits: 0, misses: 0, size: 0 };

  constructor(private readonly device: GPUDevice, private readonly errors: ErrorLog) {}

  get(kernel: KernelVariant): GPUComputePipeline {
    const cached = this.pipelines.get(kernel.key);
    if (cached) {
      this.stats.hits++;
      return cached;
    }
    this.stats.misses++;
    const pipeline = this.errors.capture(`kernel ${kernel.key}`, () =>
      this.device.createComputePipeline({
        label: kernel.key,
        layout: 'auto',
        compute: { module: this.device.createShaderModule({ label: kernel.key, code: kernel.wgsl() }), entryPoint: 'main' },
      }));
    this.pipelines.set(kernel.key, pipeline);
    this.stats.size = this.pipelines.size;
    return pipeline;
  }
}
