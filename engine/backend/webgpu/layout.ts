/** Shape simplification for GPU kernels: fewer, longer axes mean cheaper index arithmetic. */
import { ShapeError } from '../../errors.ts';
import { maxRank } from './kernels/common.ts';

/**
 * Drops size-1 axes and merges neighbouring axes that every view walks as one (outer stride =
 * inner stride × inner extent), e.g. a contiguous [B, T, D] view becomes [B·T·D].
 */
export function coalesce(shape: readonly number[], stridesList: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides = stridesList.map(() => [] as number[]);
  shape.forEach((extent, i) => {
    if (extent === 1) return;
    const last = outShape.length - 1;
    if (last >= 0 && stridesList.every((s, k) => outStrides[k][last] === s[i] * extent)) {
      outShape[last] *= extent;
      stridesList.forEach((s, k) => { outStrides[k][last] = s[i]; });
    } else {
      outShape.push(extent);
      stridesList.forEach((s, k) => outStrides[k].push(s[i]));
    }
  });
  if (outShape.length > maxRank) {
    throw new ShapeError(`a view of rank ${outShape.length} after simplification exceeds the GPU kernels' rank limit of ${maxRank}`,
      'reshape or make the tensor contiguous first');
  }
  return { shape: outShape, strides: outStrides };
}
