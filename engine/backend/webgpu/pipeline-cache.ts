/**
 * Compute pipelines keyed by kernel name + static config. Shapes travel in uniforms, so one pipeline
 * serves every shape of a kernel variant. Compilation errors are captured with an error scope and
 * reported through the ErrorLog with the kernel's key and Dawn's message.
 */
import type { ErrorLog } from './error-log.ts';

/** A kernel variant: `wgsl()` must depend only on what `key` encodes (kernels/family.ts derives it from the config). */
export interface KernelVariant {
  /** Kernel family + static configuration. */
  readonly key: string;
  /** For people: profiles and error messages, e.g. `matmul[register:16x1:8x16:k1]` (default: the key). */
  readonly label?: string;
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
    const label = kernel.label ?? kernel.key;
    const pipeline = this.errors.capture(`kernel ${label}`, () =>
      this.device.createComputePipeline({
        label,
        layout: 'auto',
        compute: { module: this.device.createShaderModule({ label, code: kernel.wgsl() }), entryPoint: 'main' },
      }));
    this.pipelines.set(kernel.key, pipeline);
    this.stats.size = this.pipelines.size;
    return pipeline;
  }
}
