/** Which backend new tensors are created on. The CPU backend is always available. */
import { MangoError } from '../errors.ts';
import type { Backend, KernelTuningReport } from './backend.ts';
import { CpuBackend } from './cpu/index.ts';

const cpu = new CpuBackend();
let current: Backend = cpu;
const factories = new Map<string, () => Promise<Backend>>([
  ['cpu', async () => cpu],
  // Loaded on demand so CPU-only use never loads Dawn.
  ['webgpu', async () => (await import('./webgpu/backend.ts')).openWebGpuBackend()],
]);
const opened = new Map<string, Backend>([['cpu', cpu]]);

export function registerBackend(name: string, open: () => Promise<Backend>): void {
  factories.set(name, open);
}

export function getBackend(): Backend {
  return current;
}

export function cpuBackend(): Backend {
  return cpu;
}

/** Makes `name` the backend for new tensors, opening it on first use. */
export async function setBackend(name: string): Promise<Backend> {
  let backend = opened.get(name);
  if (!backend) {
    const open = factories.get(name);
    if (!open) throw new MangoError(`unknown backend "${name}"`, `use one of: ${[...factories.keys()].join(', ')}`);
    backend = await open();
    opened.set(name, backend);
  }
  current = backend;
  return backend;
}

/** Closes every opened backend but the CPU one (so Node can exit); the CPU backend becomes current. */
export function closeBackends(): void {
  for (const [name, backend] of opened) {
    if (name === 'cpu') continue;
    backend.close?.();
    opened.delete(name);
  }
  current = cpu;
}

/** Runs `fn` with `backend` as the current backend. */
export function withBackend<T>(backend: Backend, fn: () => T): T {
  const previous = current;
  current = backend;
  try {
    return fn();
  } finally {
    current = previous;
  }
}

/**
 * Lets the backend time alternative kernel configurations for the work it has seen so far (once per
 * problem shape, cached per device); a no-op when there is nothing new or the backend does not tune.
 * Call it between steps, e.g. after the first training step. Results are unaffected.
 */
export async function tuneKernels(backend: Backend): Promise<KernelTuningReport | undefined> {
  return backend.tuneKernels?.();
}
