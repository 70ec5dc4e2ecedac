/**
 * Collects Dawn errors, which arrive asynchronously (error scopes, uncaptured errors), and rethrows the
 * first one as a typed exception at the next synchronisation point (readback, sync).
 */
import { GpuOutOfMemoryError, GpuValidationError } from '../../errors.ts';

export class ErrorLog {
  private readonly pendingScopes: Promise<void>[] = [];
  /** Errors from scoped creation (shader/pipeline): root causes, reported before their fallout. */
  private readonly rootErrors: Error[] = [];
  private readonly uncapturedErrors: Error[] = [];

  constructor(private readonly device: GPUDevice) {
    device.onuncapturederror = (event) => {
      this.uncapturedErrors.push(toTypedError('a command', event.error));
    };
  }

  /** Runs `create` inside validation and out-of-memory error scopes tagged with `context`. */
  capture<T>(context: string, create: () => T): T {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    const result = create();
    for (let i = 0; i < 2; i++) {
      this.pendingScopes.push(this.device.popErrorScope().then((error) => {
        if (error) this.rootErrors.push(toTypedError(context, error));
      }));
    }
    return result;
  }

  /** Throws the first recorded error, after every pending error scope has settled. */
  async throwIfAny(): Promise<void> {
    if (this.pendingScopes.length) await Promise.all(this.pendingScopes.splice(0));
    const first = this.rootErrors[0] ?? this.uncapturedErrors[0];
    this.rootErrors.length = 0;
    this.uncapturedErrors.length = 0;
    if (first) throw first;
  }
}

function toTypedError(context: string, error: GPUError): Error {
  return error instanceof GPUOutOfMemoryError
    ? new GpuOutOfMemoryError(`the GPU ran out of memory in ${context}: ${error.message}`,
      'use a smaller batch or model, or free tensors you no longer need')
    : new GpuValidationError(context, error.message);
}
