/**
 * Batched matmul on the CPU: each batch's operands are packed row-major ([M,K] and [K,N], transposes
 * resolved while packing), then an i-k-j loop accumulates each output row in float64; a bias is added to
 * the rounded float32 result, exactly as a separate add would.
 */
import type { MatmulOptions, View } from '../backend.ts';
import { sizeOf } from '../../shape.ts';
import { gatherView, offsetsOf } from './strided.ts';

export function matmul(a: View, b: View, { transposeA, transposeB, bias }: MatmulOptions): Float32Array {
  const rank = a.shape.length;
  const batchShape = a.shape.slice(0, rank - 2);
  const batches = sizeOf(batchShape);
  const [M, K] = transposeA ? [a.shape[rank - 1], a.shape[rank - 2]] : [a.shape[rank - 2], a.shape[rank - 1]];
  const N = transposeB ? b.shape[rank - 2] : b.shape[rank - 1];
  const aBatchOffsets = offsetsOf(batchShape, a.strides.slice(0, rank - 2), a.offset);
  const bBatchOffsets = offsetsOf(batchShape, b.strides.slice(0, rank - 2), b.offset);
  // Element (row r, col c) of the logical [M,K] / [K,N] operand sits at offset r*rowStride + c*colStride.
  const [aRow, aCol] = transposeA ? [a.strides[rank - 1], a.strides[rank - 2]] : [a.strides[rank - 2], a.strides[rank - 1]];
  const [bRow, bCol] = transposeB ? [b.strides[rank - 1], b.strides[rank - 2]] : [b.strides[rank - 2], b.strides[rank - 1]];
  const A = a.buffer as Float32Array;
  const B = b.buffer as Float32Array;
  const out = new Float32Array(batches * M * N);
  const packedA = new Float32Array(M * K);
  const packedB = new Float32Array(K * N);
  const accumulator = new Float64Array(N);
  const biasRow = bias ? gatherView(bias) : undefined;
  for (let batch = 0; batch < batches; batch++) {
    const aBase = aBatchOffsets[batch];
    const bBase = bBatchOffsets[batch];
    for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) packedA[i * K + k] = A[aBase + i * aRow + k * aCol];
    for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) packedB[k * N + j] = B[bBase + k * bRow + j * bCol];
    const outBase = batch * M * N;
    for (let i = 0; i < M; i++) {
      accumulator.fill(0);
      for (let k = 0; k < K; k++) {
        const aik = packedA[i * K + k];
        const row = k * N;
        for (let j = 0; j < N; j++) accumulator[j] += aik * packedB[row + j];
      }
      for (let j = 0; j < N; j++) out[outBase + i * N + j] = accumulator[j];
      if (biasRow) for (let j = 0; j < N; j++) out[outBase + i * N + j] += biasRow[j];
    }
  }
  return out;
}
