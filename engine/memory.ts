/**
 * Reference-counted storage, the allocation counter (live and peak bytes) and scoped release (`tidy`).
 * Views share one Storage; a Storage is freed on its backend when its last reference is released.
 */
import type { Backend, BufferHandle } from './backend/backend.ts';

export class Storage {
  refs = 1;
  constructor(readonly backend: Backend, readonly buffer: BufferHandle, readonly elements: number) {
    counter.liveBytes += this.bytes;
    counter.liveStorages++;
    counter.allocations++;
    if (counter.liveBytes > counter.peakBytes) counter.peakBytes = counter.liveBytes;
  }

  get bytes(): number {
    return this.elements * 4;
  }

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs > 0) return;
    counter.liveBytes -= this.bytes;
    counter.liveStorages--;
    this.backend.free(this.buffer);
  }
}

const counter = { liveBytes: 0, peakBytes: 0, liveStorages: 0, allocations: 0 };

export interface MemoryStats {
  /** Bytes held by live tensors (all backends), views counted once. */
  liveBytes: number;
  /** Highest liveBytes since the start or the last resetPeakBytes(). */
  peakBytes: number;
  liveStorages: number;
  /** Storages ever allocated. */
  allocations: number;
}

export function memoryStats(): MemoryStats {
  return { ...counter };
}

export function resetPeakBytes(): void {
  counter.peakBytes = counter.liveBytes;
}

/** Anything with a dispose(): tensors, in practice. */
export interface Disposable {
  dispose(): void;
}

const scopes: Set<Disposable>[] = [];

/** Registers a new tensor with the innermost tidy scope, if any. */
export function track(item: Disposable): void {
  scopes[scopes.length - 1]?.add(item);
}

/** Removes a tensor from every open scope so it outlives them. */
export function keep<T extends Disposable>(item: T): T {
  for (const scope of scopes) scope.delete(item);
  return item;
}

/**
 * Runs `fn` and disposes every tensor created inside it, except those reachable from its result
 * (a tensor, or arrays/objects of tensors) and those passed to keep(). Synchronous functions only.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) throw new TypeError('tidy() takes a synchronous function; await outside it');
  } finally {
    scopes.pop();
  }
  const survivors = new Set<Disposable>();
  collect(result, survivors);
  for (const item of scope) {
    if (survivors.has(item)) scopes[scopes.length - 1]?.add(item);
    else item.dispose();
  }
  return result;
}

function collect(value: unknown, into: Set<Disposable>): void {
  if (value === null || typeof value !== 'object') return;
  if (typeof (value as Disposable).dispose === 'function') {
    into.add(value as Disposable);
    return;
  }
  for (const v of Array.isArray(value) ? value : Object.values(value)) collect(v, into);
}
