/**
 * Dawn's Node binding waits for its promises (mapAsync, popErrorScope, ...) by re-arming `setImmediate`
 * with a native callback that runs `ProcessEvents` — a busy loop that keeps one core spinning for as long
 * as the GPU works. On a software adapter that core is one of the few the shaders run on (lavapipe on
 * 2 cores: the step took ~35 % longer while the loss readback spun). The binding looks `setImmediate` up
 * on the global object at every tick, so while a device on a software adapter is open (device.ts
 * decides) we route the binding's ticks — anonymous native callbacks; every other callback passes
 * through untouched — to a short timer instead: the first few polls of a wait stay immediate (a quick
 * readback pays nothing), later ones sleep `intervalMs` between polls.
 */
import { promisify } from 'node:util';

type Immediate = typeof globalThis.setImmediate;

const immediatePolls = 4;

let installed: { original: Immediate; originalClear: typeof globalThis.clearImmediate } | undefined;
let users = 0;

/** The binding's tick: an anonymous native function (builtins and bound functions have names). */
function isBindingTick(fn: unknown): boolean {
  return typeof fn === 'function' && fn.name === '' && Function.prototype.toString.call(fn).endsWith('{ [native code] }');
}

/** Starts gentle polling (reference-counted); returns the function that stops it. */
export function startGentlePolling(intervalMs = 1): () => void {
  if (users++ === 0) install(intervalMs);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    if (--users === 0) uninstall();
  };
}

function install(intervalMs: number): void {
  const original = globalThis.setImmediate;
  const originalClear = globalThis.clearImmediate;
  installed = { original, originalClear };
  let streak = 0;
  let lastPoll = 0;
  const gentle = ((callback: (...args: unknown[]) => void, ...args: unknown[]) => {
    if (!isBindingTick(callback)) return original(callback, ...args);
    // A poll long after the previous one starts a new wait: its first polls stay immediate.
    const now = performance.now();
    streak = now - lastPoll > 4 * intervalMs + 2 ? 0 : streak + 1;
    lastPoll = now;
    return streak < immediatePolls ? original(callback, ...args) : setTimeout(callback, intervalMs, ...args);
  }) as Immediate;
  const clear = ((handle: unknown) => {
    if (handle instanceof Object && '_onTimeout' in handle) clearTimeout(handle as NodeJS.Timeout);
    else originalClear(handle as NodeJS.Immediate);
  }) as typeof globalThis.clearImmediate;
  // util.promisify(setImmediate) keeps working while we are installed.
  Object.defineProperty(gentle, promisify.custom, { value: (original as unknown as Record<symbol, unknown>)[promisify.custom] });
  globalThis.setImmediate = gentle;
  globalThis.clearImmediate = clear;
}

function uninstall(): void {
  if (!installed) return;
  globalThis.setImmediate = installed.original;
  globalThis.clearImmediate = installed.originalClear;
  installed = undefined;
}
