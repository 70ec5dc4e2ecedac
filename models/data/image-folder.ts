/**
 * Your own images: `root/train/<class>/*.png|jpg|jpeg` and `root/val/<class>/…` (or `root/test/…`), the
 * layout torchvision's ImageFolder reads. Classes are the train folder's subfolder names in sorted order (label
 * 0 is the first). Each image is decoded (pngjs, jpeg-js), its alpha dropped, converted to grey with Pillow's
 * weights when the model has one channel, resized to the model's input square (Pillow's bilinear) and kept as
 * 8-bit CHW. The per-channel mean and std for normalisation are measured on the training images.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { Dataset } from './dataset.ts';
import { DatasetError } from './errors.ts';
import { resizeBilinear } from './resize.ts';

export interface ImageFolderOptions {
  /** the model's input side: every image is resized to imageSize × imageSize */
  imageSize: number;
  /** 1: grey, 3: RGB */
  channels: number;
}

const decoders: Record<string, (bytes: Buffer) => { width: number; height: number; data: Uint8Array }> = {
  '.png': (bytes) => PNG.sync.read(bytes),
  '.jpg': (bytes) => jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 }),
  '.jpeg': (bytes) => jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 }),
};
export const imageExtensions = Object.keys(decoders);

const folders = (dir: string) => readdirSync(dir).filter((name) => !name.startsWith('.') && statSync(join(dir, name)).isDirectory()).sort();

function imagesIn(dir: string): string[] {
  return readdirSync(dir).filter((name) => !name.startsWith('.') && imageExtensions.includes(extname(name).toLowerCase())).sort().map((name) => join(dir, name));
}

/** One image file as 8-bit CHW pixels of the model's input size. */
export function readImage(path: string, options: ImageFolderOptions): Uint8Array {
  const { imageSize: size, channels } = options;
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = decoders[extname(path).toLowerCase()](readFileSync(path));
  } catch (cause) {
    throw new DatasetError(`cannot decode ${path}: ${(cause as Error).message}`, 'remove or replace the file (PNG and baseline/progressive JPEG are read)', { cause });
  }
  const { width, height, data } = decoded;
  const interleaved = new Uint8Array(width * height * channels);
  for (let p = 0; p < width * height; p++) {
    const r = data[4 * p], g = data[4 * p + 1], b = data[4 * p + 2];
    if (channels === 1) interleaved[p] = Math.round((r * 299 + g * 587 + b * 114) / 1000);
    else {
      interleaved[3 * p] = r;
      interleaved[3 * p + 1] = g;
      interleaved[3 * p + 2] = b;
    }
  }
  const resized = resizeBilinear(interleaved, width, height, channels, size, size);
  const chw = new Uint8Array(channels * size * size);
  for (let c = 0; c < channels; c++) for (let p = 0; p < size * size; p++) chw[c * size * size + p] = resized[p * channels + c];
  return chw;
}

function readSplit(dir: string, classes: string[], name: string, options: ImageFolderOptions): Omit<Dataset, 'mean' | 'std'> {
  const files: { path: string; label: number }[] = [];
  for (const folder of folders(dir)) {
    const label = classes.indexOf(folder);
    if (label < 0) throw new DatasetError(`${join(dir, folder)} is a class the training folder does not have (its classes: ${classes.join(', ')})`, 'give train/ and val/ the same class folders');
    files.push(...imagesIn(join(dir, folder)).map((path) => ({ path, label })));
  }
  if (files.length === 0) throw new DatasetError(`${dir} holds no images (${imageExtensions.join(', ')}) in its class folders`, 'put images in <root>/<split>/<class>/');
  const size = options.channels * options.imageSize * options.imageSize;
  const pixels = new Uint8Array(files.length * size);
  const labels = new Uint8Array(files.length);
  files.forEach(({ path, label }, i) => {
    pixels.set(readImage(path, options), i * size);
    labels[i] = label;
  });
  return { name, imageShape: [options.channels, options.imageSize, options.imageSize], classes: classes.length, classNames: classes, count: files.length, pixels, labels };
}

/** Per-channel mean and standard deviation of pixels/255. */
function channelStats(data: Omit<Dataset, 'mean' | 'std'>): { mean: number[]; std: number[] } {
  const [c, h, w] = data.imageShape;
  const mean: number[] = [], std: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    let sum = 0, squares = 0;
    for (let i = 0; i < data.count; i++) {
      const start = (i * c + ch) * h * w;
      for (let p = start; p < start + h * w; p++) {
        sum += data.pixels[p];
        squares += data.pixels[p] * data.pixels[p];
      }
    }
    const n = data.count * h * w;
    mean.push(sum / n / 255);
    std.push(Math.max(Math.sqrt(Math.max(0, squares / n - (sum / n) ** 2)) / 255, 1e-3));
  }
  return { mean, std };
}

/** The train and val (or test) splits of an image folder, sized for the model. */
export function loadImageFolder(root: string, options: ImageFolderOptions): { train: Dataset; test: Dataset } {
  if (!existsSync(root)) throw new DatasetError(`image folder ${root} does not exist`, 'pass --data-dir <root> with <root>/train/<class>/*.png|jpg and <root>/val/<class>/…');
  const trainDir = join(root, 'train');
  const testDir = ['val', 'test'].map((split) => join(root, split)).find(existsSync);
  if (!existsSync(trainDir) || !testDir) {
    throw new DatasetError(`${root} needs a train/ and a val/ (or test/) subfolder, each with one folder per class`, 'arrange the images as <root>/train/<class>/*.png and <root>/val/<class>/*.png');
  }
  const classes = folders(trainDir);
  if (classes.length < 2) throw new DatasetError(`${trainDir} has ${classes.length} class folder(s); a classifier needs at least 2`, 'make one subfolder per class');
  if (classes.length > 256) throw new DatasetError(`${trainDir} has ${classes.length} class folders; at most 256 are supported`, 'merge classes');
  for (const folder of classes) {
    if (imagesIn(join(trainDir, folder)).length === 0) throw new DatasetError(`class folder ${join(trainDir, folder)} holds no images (${imageExtensions.join(', ')})`, 'remove the empty folder or add its images');
  }
  const train = readSplit(trainDir, classes, 'imagefolder', options);
  const stats = channelStats(train);
  return { train: { ...train, ...stats }, test: { ...readSplit(testDir, classes, 'imagefolder', options), ...stats } };
}
