/**
 * One GPU runtime shared by every GPU test in the process. Without an adapter, GPU tests are skipped with
 * the reason printed, unless MANGO_REQUIRE_GPU=1 (set by .ci/run after setup installed a driver), in
 * which case the missing adapter is a failure.
 */
import { WebGpuBackend } from '../../engine/backend/webgpu/backend.ts';
import { closeSharedRuntime, openSharedRuntime, type GpuRuntime } from '../../engine/backend/webgpu/runtime.ts';
import { NoGpuAdapterError } from '../../engine/errors.ts';
import { flag } from '../../engine/flags.ts';

let shared: Promise<GpuRuntime | undefined> | undefined;

export function sharedGpu(): Promise<GpuRuntime | undefined> {
  shared ??= openSharedRuntime().catch((error: unknown) => {
    if (!(error instanceof NoGpuAdapterError) || flag('requireGpu')) throw error;
    console.log(`\n  GPU tests skipped: ${error.message}\n`);
    return undefined;
  });
  return shared;
}

/** A WebGPU backend on the shared runtime that fills every new output with NaN, so unwritten elements show. */
export async function poisonedGpuBackend(): Promise<WebGpuBackend | undefined> {
  const runtime = await sharedGpu();
  return runtime && new WebGpuBackend(runtime, { poisonOutputs: true });
}

export function closeSharedGpu(): void {
  closeSharedRuntime();
}
