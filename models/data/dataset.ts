/**
 * Image classification datasets in memory (uint8 pixels, CHW) and their readers: Fashion-MNIST/MNIST
 * (IDX, default folder from Debian's dataset-fashion-mnist) and CIFAR-10 (binary version, user path).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError } from './errors.ts';
import { readIdx } from './idx.ts';
import { Random } from '../../engine/index.ts';
import { flag } from '../../engine/flags.ts';

export interface Dataset {
  name: string;
  /** [channels, height, width] */
  imageShape: [number, number, number];
  classes: number;
  count: number;
  pixels: Uint8Array;
  labels: Uint8Array;
  /** per-channel mean and std of pixels/255, for normalisation */
  mean: number[];
  std: number[];
  /** the name of each label, where the data has them (image folders: the class folders) */
  classNames?: string[];
}

export const defaultFashionMnistDir = flag('dataDir');

function idxPair(dir: string, prefix: string, name: string, mean: number[], std: number[]): Dataset {
  const find = (base: string) => [join(dir, `${base}.gz`), join(dir, base)].find(existsSync) ?? join(dir, `${base}.gz`);
  const images = readIdx(find(`${prefix}-images-idx3-ubyte`));
  const labels = readIdx(find(`${prefix}-labels-idx1-ubyte`));
  if (images.dims.length !== 3 || labels.dims.length !== 1 || images.dims[0] !== labels.dims[0]) {
    throw new DatasetError(`${dir}: ${prefix} images [${images.dims}] and labels [${labels.dims}] do not pair up`, 're-install the dataset');
  }
  const classes = 10;
  const badLabel = labels.data.findIndex((l) => l >= classes);
  if (badLabel >= 0) throw new DatasetError(`${dir}: label ${labels.data[badLabel]} at ${badLabel} is not one of ${classes} classes`, 're-install the dataset');
  return { name, imageShape: [1, images.dims[1], images.dims[2]], classes, count: images.dims[0], pixels: images.data, labels: labels.data, mean, std };
}

/** Fashion-MNIST train and test splits (60 000 / 10 000 images, 28×28×1, 10 classes). */
export function loadFashionMnist(dir = defaultFashionMnistDir): { train: Dataset; test: Dataset } {
  if (!existsSync(dir)) {
    throw new DatasetError(`Fashion-MNIST folder ${dir} does not exist`,
      'run `bash scripts/setup.sh` as root (installs Debian\'s dataset-fashion-mnist), or pass --data-dir <folder with the IDX .gz files>');
  }
  const stats = [[0.286], [0.353]];
  return { train: idxPair(dir, 'train', 'fashion-mnist', stats[0], stats[1]), test: idxPair(dir, 't10k', 'fashion-mnist', stats[0], stats[1]) };
}

const cifarRecord = 1 + 3 * 32 * 32;

/** Parses CIFAR-10 binary batches (each record: 1 label byte, 3072 pixel bytes in CHW order). */
export function parseCifar(files: { path: string; bytes: Uint8Array }[], name: string): Dataset {
  let count = 0;
  for (const { path, bytes } of files) {
    if (bytes.length === 0 || bytes.length % cifarRecord !== 0) {
      throw new DatasetError(`${path}: ${bytes.length} bytes is not a whole number of ${cifarRecord}-byte CIFAR-10 records`, 'use the "CIFAR-10 binary version" files (data_batch_*.bin, test_batch.bin)');
    }
    count += bytes.length / cifarRecord;
  }
  const pixels = new Uint8Array(count * (cifarRecord - 1));
  const labels = new Uint8Array(count);
  let i = 0;
  for (const { path, bytes } of files) {
    for (let r = 0; r < bytes.length / cifarRecord; r++, i++) {
      const label = bytes[r * cifarRecord];
      if (label > 9) throw new DatasetError(`${path}: record ${r} has label ${label}, not 0..9`, 'use the CIFAR-10 (not CIFAR-100) binary files');
      labels[i] = label;
      pixels.set(bytes.subarray(r * cifarRecord + 1, (r + 1) * cifarRecord), i * (cifarRecord - 1));
    }
  }
  return { name, imageShape: [3, 32, 32], classes: 10, count, pixels, labels, mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] };
}

/** CIFAR-10 from the folder of the binary version (cifar-10-batches-bin). */
export function loadCifar10(dir: string): { train: Dataset; test: Dataset } {
  const read = (file: string) => {
    const path = join(dir, file);
    if (!existsSync(path)) throw new DatasetError(`CIFAR-10 file ${path} is missing`, 'pass --data-dir pointing at the extracted cifar-10-batches-bin folder');
    return { path, bytes: readFileSync(path) };
  };
  return {
    train: parseCifar([1, 2, 3, 4, 5].map((b) => read(`data_batch_${b}.bin`)), 'cifar10'),
    test: parseCifar([read('test_batch.bin')], 'cifar10'),
  };
}

/** The first `count` examples (for quick runs). */
export function subset(data: Dataset, count: number): Dataset {
  const n = Math.min(count, data.count);
  const size = data.imageShape.reduce((a, b) => a * b, 1);
  return { ...data, count: n, pixels: data.pixels.subarray(0, n * size), labels: data.labels.subarray(0, n) };
}

/** The examples at `indices`, in that order. */
export function pick(data: Dataset, indices: ArrayLike<number>, name = data.name): Dataset {
  const size = data.imageShape.reduce((a, b) => a * b, 1);
  const pixels = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    pixels.set(data.pixels.subarray(indices[i] * size, (indices[i] + 1) * size), i * size);
    labels[i] = data.labels[indices[i]];
  }
  return { ...data, name, count: indices.length, pixels, labels };
}

/**
 * Holds `count` training examples out as a validation split: the last `count` of a fixed shuffle (seed 0
 * unless told), so every run that asks for the same split gets the same images. The rest keep their order.
 */
export function holdOut(data: Dataset, count: number, seed = 0): { train: Dataset; validation: Dataset } {
  if (!Number.isInteger(count) || count < 1 || count >= data.count) {
    throw new DatasetError(`a validation split of ${count} needs 1 to ${data.count - 1} of the ${data.count} training images`, 'choose a smaller --validation');
  }
  const order = new Random(seed).permutation(data.count);
  const held = new Set(order.subarray(data.count - count));
  const kept = Array.from({ length: data.count }, (_, i) => i).filter((i) => !held.has(i));
  return { train: pick(data, kept), validation: pick(data, [...held].sort((a, b) => a - b), `${data.name} validation`) };
}
