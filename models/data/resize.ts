/**
 * Image resizing with Pillow's bilinear filter, bit for bit: a triangle kernel, widened by the scale factor
 * when shrinking (so downsizing averages, as `Image.resize(…, BILINEAR)` and torchvision's antialiased
 * `Resize` do), applied separably, horizontal pass first, with Pillow's 8-bit arithmetic: normalised weights
 * in fixed point (22 fraction bits), each pass rounded and clamped to 0..255.
 */

const precisionBits = 22;
const one = 2 ** precisionBits;
const clip8 = (sum: number) => Math.min(255, Math.max(0, Math.floor(sum / one)));

interface Taps {
  first: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  width: number;
}

/** For each output coordinate, the input range it reads and the normalised weights. */
function taps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const width = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * width);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    let total = 0;
    for (let i = lo; i < hi; i++) {
      const w = Math.max(0, 1 - Math.abs((i - center + 0.5) / filterScale));
      weights[o * width + i - lo] = w;
      total += w;
    }
    for (let i = 0; i < hi - lo; i++) {
      const w = total > 0 ? weights[o * width + i] / total : 0;
      weights[o * width + i] = Math.trunc(w < 0 ? -0.5 + w * one : 0.5 + w * one);
    }
    first[o] = lo;
    count[o] = hi - lo;
  }
  return { first, count, weights, width };
}

/**
 * One pass along the middle axis of a [outer, inSize, inner] array to [outer, outSize, inner]: the rows of
 * an HWC image are that with outer = height, inner = channels; its columns with outer = 1, inner = width × channels.
 */
function pass(src: ArrayLike<number>, outer: number, inSize: number, outSize: number, inner: number): Uint8Array {
  const t = taps(inSize, outSize);
  const out = new Uint8Array(outer * outSize * inner);
  for (let o = 0; o < outer; o++) {
    for (let x = 0; x < outSize; x++) {
      for (let c = 0; c < inner; c++) {
        let sum = one / 2;
        for (let k = 0; k < t.count[x]; k++) sum += t.weights[x * t.width + k] * src[(o * inSize + t.first[x] + k) * inner + c];
        out[(o * outSize + x) * inner + c] = clip8(sum);
      }
    }
  }
  return out;
}

/** Resizes an interleaved (HWC) 8-bit image of `channels` channels to outWidth × outHeight. */
export function resizeBilinear(pixels: Uint8Array, width: number, height: number, channels: number, outWidth: number, outHeight: number): Uint8Array {
  if (width === outWidth && height === outHeight) return pixels.slice();
  const wide = pass(pixels, height, width, outWidth, channels);
  return pass(wide, 1, height, outHeight, outWidth * channels);
}
