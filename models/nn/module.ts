/**
 * Module: named parameters (timm naming: `blocks.0.attn.qkv.weight`), child modules, train/eval mode,
 * parameter counting and state dicts. Subclasses register parameters and children in their constructor.
 */
import { fromArray, MangoError, type Tensor } from '../../engine/index.ts';
import type { HostTensor } from '../checkpoint/host-tensor.ts';


export abstract class Module {
  training = true;
  private readonly ownParameters = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  protected parameter(name: string, value: Tensor): Tensor {
    value.keep().requireGrad();
    this.ownParameters.set(name, value);
    return value;
  }

  /** The current tensor of own parameter `name` (layers read parameters through this, never cache them). */
  protected own(name: string): Tensor {
    return this.ownParameters.get(name)!;
  }

  /**
   * Runs `fn` with some parameters replaced by other tensors (e.g. weights computed by a growth
   * operator, so gradients flow into it), then restores the originals.
   */
  withParameters<T>(values: ReadonlyMap<string, Tensor>, fn: () => T): T {
    const previous = new Map<string, Tensor>();
    try {
      for (const [path, t] of values) previous.set(path, this.swapParameter(path, t));
      return fn();
    } finally {
      for (const [path, t] of previous) this.swapParameter(path, t);
    }
  }

  private swapParameter(path: string, value: Tensor): Tensor {
    const own = this.ownParameters.get(path);
    if (own) {
      if (own.shape.join() !== value.shape.join()) throw new MangoError(`${path}: a [${value.shape}] tensor cannot stand in for [${own.shape}]`, 'this is a bug in the caller');
      this.ownParameters.set(path, value);
      return own;
    }
    for (const [name, m] of this.children) {
      if (path.startsWith(`${name}.`)) return m.swapParameter(path.slice(name.length + 1), value);
    }
    throw new MangoError(`no parameter named ${path}`, 'check the parameter name');
  }

  protected child<M extends Module>(name: string, module: M): M {
    this.children.set(name, module);
    return module;
  }

  /** [name, tensor] for every parameter, depth-first in registration order (timm's order). */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, t] of this.ownParameters) out.push([prefix + name, t]);
    for (const [name, m] of this.children) out.push(...m.namedParameters(`${prefix}${name}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  parameterCount(): number {
    return this.parameters().reduce((n, t) => n + t.size, 0);
  }

  train(flag = true): this {
    this.training = flag;
    for (const m of this.children.values()) m.train(flag);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Every parameter's values, read back to the host. */
  async state(): Promise<Map<string, HostTensor>> {
    const out = new Map<string, HostTensor>();
    for (const [name, t] of this.namedParameters()) out.set(name, { shape: [...t.shape], data: await t.data() });
    return out;
  }

  /** Replaces every parameter's data from `state` (same names and shapes); all names must match. */
  loadState(state: ReadonlyMap<string, HostTensor>): void {
    const named = this.namedParameters();
    const missing = named.filter(([n]) => !state.has(n)).map(([n]) => n);
    const unexpected = [...state.keys()].filter((n) => !named.some(([m]) => m === n));
    if (missing.length || unexpected.length) {
      throw new MangoError(`state does not match the model: missing [${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}], unexpected [${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ', …' : ''}]`,
        'load a checkpoint written for this model config');
    }
    for (const [name, t] of named) {
      const source = state.get(name)!;
      if (source.shape.join() !== t.shape.join()) {
        throw new MangoError(`${name}: checkpoint shape [${source.shape}] but the model has [${t.shape}]`, 'load a checkpoint written for this model config');
      }
      t.assign(fromArray(source.data, t.shape, t.backend));
    }
  }

  dispose(): void {
    for (const t of this.parameters()) {
      t.grad?.dispose();
      t.dispose();
    }
  }
}
