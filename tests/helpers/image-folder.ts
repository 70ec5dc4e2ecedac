/** Writes a small image-folder dataset (root/train|val/<class>/*.png|jpg) for tests, with pngjs and jpeg-js. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** An RGBA image of `width` × `height` whose every pixel is `pixel(x, y)` = [r, g, b]. */
export function rgba(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([...pixel(x, y), 255], 4 * (y * width + x));
  return data;
}

export function encodePng(width: number, height: number, data: Uint8Array): Buffer {
  const png = new PNG({ width, height });
  png.data = Buffer.from(data);
  return PNG.sync.write(png);
}

export function encodeJpeg(width: number, height: number, data: Uint8Array): Buffer {
  return jpeg.encode({ width, height, data: Buffer.from(data) }, 95).data;
}

/**
 * `classes` classes, each image a flat colour that tells its class (so a few steps can learn it), PNG for
 * even indices and JPEG for odd ones, at sizes other than the model's (so loading resizes them).
 */
export function imageFolder(classes: string[], perClass: { train: number; val: number }, size = 20): string {
  const root = mkdtempSync(join(tmpdir(), 'imagefolder-'));
  for (const split of ['train', 'val'] as const) {
    classes.forEach((name, c) => {
      const dir = join(root, split, name);
      mkdirSync(dir, { recursive: true });
      for (let i = 0; i < perClass[split]; i++) {
        const level = Math.round((255 * (c + 0.5)) / classes.length);
        const image = rgba(size, size + 4, (x, y) => [level, (x * 7 + i) % 256, (y * 5) % 256]);
        writeFileSync(join(dir, `${i}.${i % 2 ? 'jpg' : 'png'}`), i % 2 ? encodeJpeg(size, size + 4, image) : encodePng(size, size + 4, image));
      }
    });
  }
  return root;
}
