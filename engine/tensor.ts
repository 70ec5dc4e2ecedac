/**
 * Tensor: an f32 view (shape, strides, offset) of a reference-counted Storage on some backend, plus its
 * autograd state. Views (reshape, permute, slice, expand) share storage; dispose() releases this handle.
 * The methods that run ops (x.add(y), x.backward()) are installed by ./tensor-methods.ts, so this module
 * imports no op and the engine core has no import cycle.
 */
import type { Backend, View } from './backend/backend.ts';
import type { GradNode } from './autograd/node.ts';
import { MangoError } from './errors.ts';
import { keep, Storage, track } from './memory.ts';
import { contiguousStrides, sizeOf, type Shape } from './shape.ts';

export type TensorLike = Tensor | number;

export class Tensor {
  requiresGrad = false;
  grad: Tensor | null = null;
  node: GradNode | null = null;
  private disposed = false;

  constructor(
    private storage: Storage,
    readonly shape: readonly number[],
    private viewStrides: readonly number[] = contiguousStrides(shape),
    private viewOffset = 0,
    tracked = true,
  ) {
    if (tracked) track(this);
  }

  /** Element strides of this view (assign() may make them contiguous). */
  get strides(): readonly number[] { return this.viewStrides; }

  /** First element of this view in its storage. */
  get offset(): number { return this.viewOffset; }

  /** A new contiguous tensor owning a freshly produced backend buffer. */
  static fromBuffer(backend: Backend, buffer: unknown, shape: Shape): Tensor {
    return new Tensor(new Storage(backend, buffer, sizeOf(shape)), [...shape]);
  }

  get backend(): Backend {
    return this.storage.backend;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** What backends consume. Throws if this handle was disposed. */
  view(): View {
    if (this.disposed) {
      throw new MangoError(`a tensor of shape [${this.shape}] was used after dispose()`,
        'keep() it, return it from tidy(), or stop disposing it before its last use');
    }
    return { buffer: this.storage.buffer, shape: this.shape, strides: this.strides, offset: this.offset };
  }

  /** Another handle on the same storage with different geometry (a view). */
  withGeometry(shape: Shape, strides: readonly number[], offset: number): Tensor {
    this.view();
    this.storage.retain();
    return new Tensor(this.storage, [...shape], [...strides], offset);
  }

  /** An untracked handle on the same data, held by a GradNode until backward releases it. */
  shareForBackward(): Tensor {
    this.view();
    this.storage.retain();
    return new Tensor(this.storage, this.shape, this.strides, this.offset, false);
  }

  /** Swaps in another tensor's data (same shape): how optimizers update parameters. Consumes `source`. */
  assign(source: Tensor): this {
    if (source.size !== this.size) throw new MangoError(`assign() of [${source.shape}] into [${this.shape}]`, 'shapes must match');
    // Take the source's storage over only when it is exactly this tensor's data; otherwise copy.
    const contiguous = source.isContiguous() && source.offset === 0 && source.storage.elements === source.size ? source : source.clone();
    contiguous.storage.retain();
    this.storage.release();
    this.storage = contiguous.storage;
    this.viewStrides = contiguousStrides(this.shape);
    this.viewOffset = 0;
    if (contiguous !== source) contiguous.dispose();
    source.dispose();
    return this;
  }

  isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expected) return false;
      expected *= this.shape[i];
    }
    return true;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.storage.release();
  }

  /** Exempts this tensor from the enclosing tidy() scopes. */
  keep(): this {
    return keep(this);
  }

  /** Marks this tensor as a leaf that accumulates gradients. */
  requireGrad(flag = true): this {
    this.requiresGrad = flag;
    return this;
  }

  async data(): Promise<Float32Array> {
    return this.backend.read(this.view());
  }

  dataSync(): Float32Array {
    const read = this.backend.readSync;
    if (!read) {
      throw new MangoError(`dataSync() is not available on the ${this.backend.name} backend`, 'use `await tensor.data()`');
    }
    return read.call(this.backend, this.view());
  }

  async item(): Promise<number> {
    if (this.size !== 1) throw new MangoError(`item() of a tensor with ${this.size} elements`, 'item() needs exactly one element');
    return (await this.data())[0];
  }

  /** Nested arrays in the tensor's shape. */
  async toArray(): Promise<unknown> {
    const flat = await this.data();
    const build = (axis: number, offset: number): unknown => {
      if (axis === this.rank) return flat[offset];
      const stride = sizeOf(this.shape.slice(axis + 1));
      return Array.from({ length: this.shape[axis] }, (_, i) => build(axis + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  toString(): string {
    return `Tensor[${this.shape.join('x')}] on ${this.backend.name}${this.requiresGrad ? ' (requires grad)' : ''}`;
  }
}
