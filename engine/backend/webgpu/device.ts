/**
 * Owns Dawn's lifetime in this process: the instance returned by `create()`, the adapter and the device.
 *
 * The instance MUST stay strongly referenced for as long as the device lives. Dawn's Node binding keeps
 * polling the instance (`ProcessEvents`) while any promise (mapAsync, popErrorScope, ...) is pending; if
 * the JS object from `create()` is garbage-collected, the native instance is freed under that polling
 * and the process dies with SIGSEGV/SIGABRT. V8's optimizing compiler drops dead locals from frames,
 * which is why code that used `gpu` only once crashed only after it got hot. See docs/dawn-runtime.md.
 */
import { createRequire } from 'node:module';
import { GpuDeviceLostError, MangoError, NoGpuAdapterError } from '../../errors.ts';
import { startGentlePolling } from './gentle-polling.ts';
import { flag } from '../../flags.ts';

type DawnModule = { create(flags: string[]): GPU; globals: Record<string, unknown> };

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isSoftware: boolean;
  /** lanes per subgroup where the adapter's subgroups have one fixed width, else 0 */
  subgroupWidth: number;
  backendFlags: string[];
}

export interface DeviceOptions {
  /** Dawn backend to force (vulkan, metal, d3d12, ...); default from MANGO_GPU_BACKEND. */
  backend?: string;
  /** Substring of the adapter name to force; default from MANGO_GPU_ADAPTER. */
  adapter?: string;
  /** Extra raw Dawn flags, e.g. `enable-dawn-features=skip_validation`; default from MANGO_GPU_FLAGS (comma separated). */
  dawnFlags?: string[];
}

const wantedFeatures = ['shader-f16', 'subgroups', 'timestamp-query'] as const;
const wantedLimits = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ', 'maxComputeWorkgroupsPerDimension', 'maxStorageBuffersPerShaderStage',
] as const;

export interface DawnDevice {
  readonly device: GPUDevice;
  readonly adapter: AdapterReport;
  readonly limits: Record<(typeof wantedLimits)[number], number>;
  readonly features: ReadonlySet<string>;
  /**
   * Whether waits poll gently (gentle-polling.ts): by default on software adapters, where the binding's
   * spin takes a core from the shaders; on hardware GPUs the spin costs only host CPU and a timer would add
   * up to a millisecond per readback. MANGO_GENTLE_POLLING=1 / =0 forces it.
   */
  readonly gentlePolling: boolean;
  /** Throws GpuDeviceLostError if the device was lost for any reason other than our own destroy(). */
  assertAlive(): void;
  destroy(): void;
}

let dawn: DawnModule | undefined;
// Strong, module-level references for the life of the process (see the header). Holding the instance
// does not keep Node alive once the device is destroyed (checked with webgpu 0.6.2).
const instances = new Map<string, GPU>();
const adapters: GPUAdapter[] = [];
let openDevice: GPUDevice | undefined;
let stopGentlePolling: (() => void) | undefined;

function loadDawn(): DawnModule {
  if (dawn) return dawn;
  try {
    dawn = createRequire(import.meta.url)('webgpu') as DawnModule;
  } catch (cause) {
    throw new NoGpuAdapterError('the npm package "webgpu" (Dawn for Node) could not be loaded',
      'run `npm ci` in the project folder; Dawn ships prebuilt for linux-x64/arm64, macOS and Windows', { cause });
  }
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
  }
  return dawn;
}

function dawnFlagsFrom(options: DeviceOptions): string[] {
  const flags: string[] = [];
  const backend = options.backend ?? flag('gpuBackend');
  const adapter = options.adapter ?? flag('gpuAdapter');
  if (backend) flags.push(`backend=${backend}`);
  if (adapter) flags.push(`adapter=${adapter}`);
  const extra = options.dawnFlags ?? flag('gpuFlags');
  return [...flags, ...extra];
}

const noAdapterFix =
  'install a Vulkan driver Dawn accepts: run `bash scripts/setup.sh` as root on Debian bookworm ' +
  '(it adds lavapipe from bookworm-backports), or your GPU vendor\'s driver; or use the CPU backend (--backend cpu)';

export async function openDawnDevice(options: DeviceOptions = {}): Promise<DawnDevice> {
  if (openDevice) throw new MangoError('a Dawn device is already open in this process', 'reuse it, or close it first');
  const { create } = loadDawn();
  const backendFlags = dawnFlagsFrom(options);
  const instanceKey = backendFlags.join(' ');
  const gpu = instances.get(instanceKey) ?? create(backendFlags);
  instances.set(instanceKey, gpu);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new NoGpuAdapterError(`no WebGPU adapter found (Dawn flags: [${backendFlags.join(', ')}])`, noAdapterFix);
  }
  const info = adapter.info;
  const smallestSubgroup = info.subgroupMinSize ?? 0;
  const report: AdapterReport = {
    vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description,
    isSoftware: info.architecture === 'software' || /llvmpipe|lavapipe|swiftshader/i.test(info.description),
    subgroupWidth: smallestSubgroup > 0 && smallestSubgroup === info.subgroupMaxSize ? smallestSubgroup : 0,
    backendFlags,
  };
  const requiredFeatures = wantedFeatures.filter((f) => adapter.features.has(f));
  const requiredLimits = Object.fromEntries(wantedLimits.map((name) => [name, adapter.limits[name]]));
  adapters.push(adapter);
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  openDevice = device;
  const gentlePolling = flag('gentlePolling') ?? report.isSoftware;
  stopGentlePolling = gentlePolling ? startGentlePolling() : undefined;

  let lostMessage: string | undefined;
  let destroyedByUs = false;
  void device.lost.then((lost) => {
    if (!destroyedByUs) lostMessage = `${lost.reason}: ${lost.message}`;
  });
  const limits = Object.fromEntries(wantedLimits.map((name) => [name, device.limits[name]])) as DawnDevice['limits'];

  return {
    device, adapter: report, limits, features: new Set(requiredFeatures), gentlePolling,
    assertAlive() {
      if (lostMessage !== undefined) {
        throw new GpuDeviceLostError(`the GPU device was lost (${lostMessage})`,
          'restart the job; training and growth resume from their last checkpoint');
      }
    },
    destroy() {
      destroyedByUs = true;
      closeDawnDevice();
    },
  };
}

/** Destroys the open device, which stops Dawn's polling so Node can exit; the instance stays referenced. */
export function closeDawnDevice(): void {
  openDevice?.destroy();
  openDevice = undefined;
  stopGentlePolling?.();
  stopGentlePolling = undefined;
}
