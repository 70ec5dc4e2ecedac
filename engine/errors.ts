/**
 * Every error the project raises on purpose is a MangoError: a one-line cause plus the fix,
 * so a user can act on it without reading a stack trace.
 */
export class MangoError extends Error {
  readonly fix: string;
  constructor(message: string, fix: string, options?: { cause?: unknown }) {
    super(fix ? `${message}\n  fix: ${fix}` : message, options);
    this.name = new.target.name;
    this.fix = fix;
  }
}

/** No WebGPU adapter could be found (no Vulkan driver, or Dawn rejected the one present). */
export class NoGpuAdapterError extends MangoError {}

/** Dawn rejected a shader, pipeline or command; `dawnMessage` holds Dawn's own text. */
export class GpuValidationError extends MangoError {
  readonly dawnMessage: string;
  constructor(context: string, dawnMessage: string) {
    super(`WebGPU validation failed in ${context}: ${dawnMessage}`,
      'this is a bug in a kernel or its dispatch; please report it with the message above');
    this.dawnMessage = dawnMessage;
  }
}

/** The GPU ran out of memory, or a buffer exceeds the adapter's limits. */
export class GpuOutOfMemoryError extends MangoError {}

/** The device was lost (driver reset, GPU removed, or destroyed while work was pending). */
export class GpuDeviceLostError extends MangoError {}

/** A shape, config or argument does not fit what an operation expects. */
export class ShapeError extends MangoError {
  constructor(message: string, fix = 'check the shapes passed to this operation') {
    super(message, fix);
  }
}
