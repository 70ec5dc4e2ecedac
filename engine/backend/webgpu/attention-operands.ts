/**
 * How the attention kernels read their operands: each view as (≤ 2 strided batch axes, a token stride, a
 * contiguous head axis). Views that do not fit are copied to contiguous first (`copied` says which; `views`
 * are what the operands read); the caller frees `copies` after the dispatch.
 */
import type { View } from '../backend.ts';
import { contiguousStrides } from '../../shape.ts';
import type { GpuBuffer } from './backend.ts';
import type { AttentionOperand } from './kernels/attention.ts';
import { coalesce } from './layout.ts';

export interface AttentionPlan {
  operands: AttentionOperand[];
  views: View[];
  batch1: number;
  batches: number;
  copies: GpuBuffer[];
  copied: boolean[];
}

export function attentionOperands(views: readonly View[], contiguous: (v: View) => GpuBuffer): AttentionPlan {
  const copies: GpuBuffer[] = [];
  const copied = views.map(() => false);
  const r = views[0].shape.length;
  const lead = views[0].shape.slice(0, r - 2);
  const contiguousCopy = (v: View, i: number): View => {
    const copy = contiguous(v);
    copies.push(copy);
    copied[i] = true;
    return { buffer: copy, shape: v.shape, strides: contiguousStrides(v.shape), offset: 0 };
  };
  let usable = views.map((v, i) => (v.strides[r - 1] === 1 || v.shape[r - 1] === 1 ? v : contiguousCopy(v, i)));
  let batch = coalesce(lead, usable.map((v) => v.strides.slice(0, r - 2)));
  if (batch.shape.length > 2) {
    usable = usable.map((v, i) => (copied[i] ? v : contiguousCopy(v, i)));
    batch = coalesce(lead, usable.map((v) => v.strides.slice(0, r - 2)));
  }
  const [b0, b1] = [batch.shape[0] ?? 1, batch.shape[1] ?? 1];
  const operands = usable.map((v, i) => ({
    buffer: (v.buffer as GpuBuffer).buffer, offset: v.offset, tokenStride: v.strides[r - 2],
    batchStride0: batch.strides[i][0] ?? 0, batchStride1: batch.strides[i][1] ?? 0,
  }));
  return { operands, views: usable, batch1: b1, batches: b0 * b1, copies, copied };
}
