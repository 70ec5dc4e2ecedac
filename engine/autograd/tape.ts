/**
 * Reverse traversal: propagates gradients from a root through the recorded GradNodes (./node.ts), running
 * each op's rule (./gradients.ts) for the inputs that need a gradient only, summing fan-in, and reducing
 * a gradient of broadcast shape to its input's shape here, once, for every rule.
 */
import { MangoError } from '../errors.ts';
import { tidy } from '../memory.ts';
import { broadcastShapes, sameShape } from '../shape.ts';
import type { Tensor } from '../tensor.ts';
import { sumTo } from '../ops/reduce.ts';
import { gradientRules, type Rule } from './gradients.ts';
import { noGrad, type GradNode } from './node.ts';

/** A gradient of `shape` flows into an input of `input` shape by summing over the broadcast axes. */
function broadcastsTo(input: readonly number[], shape: readonly number[]): boolean {
  try {
    return sameShape(broadcastShapes(input, shape), shape);
  } catch {
    return false;
  }
}

function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (visited.has(t)) continue;
    visited.add(t);
    stack.push([t, true]);
    for (const input of t.node?.inputs ?? []) if (input.requiresGrad && !visited.has(input)) stack.push([input, false]);
  }
  return order.reverse();
}

function releaseNode(t: Tensor): void {
  for (const s of t.node?.saved ?? []) s.dispose();
  t.node = null;
}

/**
 * Propagates `seed` (default 1 for a scalar root) backwards. Calls `deliver(tensor, grad)` for every
 * tensor in `targets`, or for every leaf that requires a gradient when targets is undefined. The
 * graph is released afterwards unless retainGraph.
 */
function propagate(root: Tensor, seed: Tensor, targets: Set<Tensor> | undefined, retainGraph: boolean,
  deliver: (t: Tensor, g: Tensor) => void): void {
  const order = topologicalOrder(root);
  const grads = new Map<Tensor, Tensor>([[root, seed]]);
  noGrad(() => {
    for (const t of order) {
      const g = grads.get(t);
      grads.delete(t);
      if (!g) {
        if (!retainGraph) releaseNode(t);
        continue;
      }
      const isTarget = targets ? targets.has(t) : t.node === null;
      if (isTarget) deliver(t, g);
      const node = t.node;
      if (node) {
        const rule = gradientRules[node.op] as Rule;
        const needs = node.inputs.map((input) => input.requiresGrad);
        const handedOut = new Set<Tensor>([g]);
        const inputGrads = tidy(() => rule(g, node as GradNode, needs).map((gi, i) => {
          const input = node.inputs[i];
          if (!gi || !needs[i]) return gi;
          if (!sameShape(gi.shape, input.shape)) {
            if (!broadcastsTo(input.shape, gi.shape)) {
              throw new MangoError(`gradient rule of ${node.op} returned shape [${gi.shape}] for an input of shape [${input.shape}]`, 'this is an engine bug; please report it');
            }
            return sumTo(gi, input.shape);
          }
          // Each input owns its gradient: a rule that passes dy (or one tensor) on to several inputs gets views.
          const own = handedOut.has(gi) ? gi.reshape(input.shape) : gi;
          handedOut.add(own);
          return own;
        }));
        node.inputs.forEach((input, i) => {
          const gi = inputGrads[i];
          if (!gi || !needs[i]) {
            gi?.dispose();
            return;
          }
          const previous = grads.get(input);
          if (previous) {
            grads.set(input, previous.add(gi));
            previous.dispose();
            gi.dispose();
          } else {
            grads.set(input, gi);
          }
        });
        if (!retainGraph) releaseNode(t);
      }
      if (!isTarget && g !== seed) g.dispose();
    }
  });
}

function seedFor(root: Tensor, grad: Tensor | undefined): Tensor {
  if (grad) return grad;
  if (root.size !== 1) {
    throw new MangoError(`backward() of a tensor of shape [${root.shape}] needs an explicit gradient`,
      'call backward() on a scalar loss, or pass the gradient of the output');
  }
  return root.onesLike();
}

/** Accumulates d(root)/d(leaf) into `leaf.grad` for every leaf with requiresGrad. */
export function backward(root: Tensor, grad?: Tensor, options: { retainGraph?: boolean } = {}): void {
  if (!root.requiresGrad) {
    throw new MangoError('backward() on a tensor that does not require a gradient',
      'mark parameters with requiresGrad (e.g. param(...)) and compute the loss outside noGrad()');
  }
  const seed = seedFor(root, grad);
  propagate(root, seed, undefined, options.retainGraph ?? false, (leaf, g) => {
    const kept = g === seed ? g.clone() : g;
    if (leaf.grad) {
      const sum = leaf.grad.add(kept);
      leaf.grad.dispose();
      kept.dispose();
      leaf.grad = sum.keep();
    } else {
      leaf.grad = kept.keep();
    }
  });
  if (!grad) seed.dispose();
}

/** d(root)/d(x) for each x in `inputs` (leaves or intermediates), without touching `.grad`. */
export function gradients(root: Tensor, inputs: readonly Tensor[], options: { grad?: Tensor; retainGraph?: boolean } = {}): Tensor[] {
  const seed = seedFor(root, options.grad);
  const found = new Map<Tensor, Tensor>();
  propagate(root, seed, new Set(inputs), options.retainGraph ?? false, (t, g) => found.set(t, g === seed ? g.clone() : g));
  if (!options.grad) seed.dispose();
  return inputs.map((x) => found.get(x) ?? x.zerosLike());
}
