/**
 * Hugging Face GPT-2 names and layouts ⇄ the decoder's own. HF's `GPT2LMHeadModel` names its tensors
 * `transformer.wte`, `transformer.wpe`, `transformer.h.N.{ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.c_fc,
 * mlp.c_proj}`, `transformer.ln_f` and `lm_head` (a file saved from `GPT2Model`, or the hub's gpt2 file,
 * has no `transformer.` prefix), and its Conv1D layers store weights in×out, the transpose of Linear's.
 */
import type { HostTensor } from '../checkpoint/host-tensor.ts';
import { CheckpointError } from '../checkpoint/safetensors.ts';

const blockParts: [ours: string, theirs: string, conv1d: boolean][] = [
  ['norm1.weight', 'ln_1.weight', false], ['norm1.bias', 'ln_1.bias', false],
  ['attn.qkv.weight', 'attn.c_attn.weight', true], ['attn.qkv.bias', 'attn.c_attn.bias', false],
  ['attn.proj.weight', 'attn.c_proj.weight', true], ['attn.proj.bias', 'attn.c_proj.bias', false],
  ['norm2.weight', 'ln_2.weight', false], ['norm2.bias', 'ln_2.bias', false],
  ['mlp.fc1.weight', 'mlp.c_fc.weight', true], ['mlp.fc1.bias', 'mlp.c_fc.bias', false],
  ['mlp.fc2.weight', 'mlp.c_proj.weight', true], ['mlp.fc2.bias', 'mlp.c_proj.bias', false],
];
const topParts: [string, string][] = [['wte.weight', 'wte.weight'], ['wpe.weight', 'wpe.weight'], ['norm.weight', 'ln_f.weight'], ['norm.bias', 'ln_f.bias']];

function transposed(t: HostTensor): HostTensor {
  const [rows, cols] = t.shape;
  const data = new Float32Array(t.data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[c * rows + r] = t.data[r * cols + c];
  return { shape: [cols, rows], data };
}

/** The decoder's state under HF GPT2LMHeadModel names (`transformer.` prefix; `lm_head.weight` only when untied, as HF saves a tied one). */
export function toGPT2Names(state: ReadonlyMap<string, HostTensor>): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [ours, theirs] of topParts) out.set(`transformer.${theirs}`, state.get(ours)!);
  for (const [name, t] of state) {
    const match = /^blocks\.(\d+)\.(.+)$/.exec(name);
    if (!match) continue;
    const part = blockParts.find(([ours]) => ours === match[2])!;
    out.set(`transformer.h.${match[1]}.${part[1]}`, part[2] ? transposed(t) : t);
  }
  const head = state.get('head.weight');
  if (head) out.set('lm_head.weight', head);
  return out;
}

/** Does this file use HF GPT-2 names (with or without the `transformer.` prefix)? */
export function hasGPT2Names(names: readonly string[]): boolean {
  return names.some((n) => /^(transformer\.)?h\.\d+\./.test(n));
}

const sameValues = (a: HostTensor, b: HostTensor) => a.shape.join() === b.shape.join() && a.data.every((v, i) => v === b.data[i]);

/**
 * HF GPT-2 tensors under the decoder's names, and whether the head is tied (no `lm_head.weight`, or one
 * equal to the token embedding). The causal-mask buffers older HF versions save (`h.N.attn.bias`,
 * `h.N.attn.masked_bias`) are dropped; anything else unknown is refused, since dropping it would change the model.
 */
export function fromGPT2Names(path: string, tensors: ReadonlyMap<string, HostTensor>): { state: Map<string, HostTensor>; tiedHead: boolean } {
  const prefixed = [...tensors.keys()].some((n) => n.startsWith('transformer.'));
  const strip = (n: string) => (prefixed && n.startsWith('transformer.') ? n.slice('transformer.'.length) : n);
  const state = new Map<string, HostTensor>();
  const unknown: string[] = [];
  let head: HostTensor | undefined;
  for (const [name, t] of tensors) {
    const n = strip(name);
    if (n === 'lm_head.weight') { head = t; continue; }
    if (/^h\.\d+\.attn\.(bias|masked_bias)$/.test(n)) continue;
    const top = topParts.find(([, theirs]) => theirs === n);
    if (top) { state.set(top[0], t); continue; }
    const match = /^h\.(\d+)\.(.+)$/.exec(n);
    const part = match && blockParts.find(([, theirs]) => theirs === match[2]);
    if (!match || !part) { unknown.push(name); continue; }
    if (part[2] && t.shape.length !== 2) throw new CheckpointError(`${path}: ${name} is [${t.shape}], not a Conv1D weight matrix`, 'pass a GPT-2 state dict saved by Hugging Face transformers');
    state.set(`blocks.${match[1]}.${part[0]}`, part[2] ? transposed(t) : t);
  }
  if (unknown.length) {
    throw new CheckpointError(`${path} has tensors a GPT-2 decoder has no place for: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? `, … (${unknown.length})` : ''}`,
      'mango reads the plain GPT-2 architecture (GPT2Model / GPT2LMHeadModel); these parts would be dropped, changing the model, so the file is refused');
  }
  const wte = state.get('wte.weight');
  const tiedHead = head === undefined || (wte !== undefined && sameValues(head, wte));
  if (!tiedHead) state.set('head.weight', head!);
  return { state, tiedHead };
}
