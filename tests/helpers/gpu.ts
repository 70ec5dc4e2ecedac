/**
 * One GPU runtime shared by every GPU test in the process. Without an adapter, GPU tests are skipped with
 * the reason printed, unless MANGO_REQUIRE_GPU=1 (set by .ci/run after setup installed a driver), in
 * which case the missing adapter is a failure.
 */
import { GpuRuntime } from '../../engine/backend/webgpu/runtime.ts';
import { NoGpuAdapterError } from '../../engine/errors.ts';

let shared: Promise<GpuRuntime | undefined> | undefined;
let opened: GpuRuntime | undefined;

export function sharedGpu(): Promise<GpuRuntime | undefined> {
  shared ??= GpuRuntime.open().then((runtime) => (opened = runtime), (error: unknown) => {
    if (!(error instanceof NoGpuAdapterError) || process.env.MANGO_REQUIRE_GPU === '1') throw error;
    console.log(`\n  GPU tests skipped: ${error.message}\n`);
    return undefined;
  });
  return shared;
}

export function closeSharedGpu(): void {
  opened?.close();
}
