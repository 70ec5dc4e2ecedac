/** IDX and CIFAR readers (valid and broken files), batching determinism, normalisation, augmentation. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Batches, makeBatch } from '../../models/data/batches.ts';
import { loadFashionMnist, parseCifar } from '../../models/data/dataset.ts';
import { DatasetError } from '../../models/data/errors.ts';
import { parseIdx, readIdx } from '../../models/data/idx.ts';
import { syntheticDataset } from '../helpers/synthetic.ts';

function idx(dims: number[], data: number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  header.set([0, 0, 8, dims.length]);
  const view = new DataView(header.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return Uint8Array.from([...header, ...data]);
}

test('IDX: plain and gzip files parse; Fashion-MNIST layout loads from a folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idx-'));
  const images = idx([2, 28, 28], Array.from({ length: 2 * 784 }, (_, i) => i % 256));
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([2], [7, 3]));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(images));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), gzipSync(idx([2], [1, 9])));
  assert.equal(readIdx(join(dir, 'train-labels-idx1-ubyte')).dims, [2]);
  const { train, test: t } = loadFashionMnist(dir);
  assert.is(train.count, 2);
  assert.equal([...train.labels], [7, 3]);
  assert.equal([...t.labels], [1, 9]);
  assert.equal(train.imageShape, [1, 28, 28]);
});

test('IDX: wrong magic, wrong type, truncated, oversized dims and missing files are typed errors naming the file', () => {
  const cases: [Uint8Array, RegExp][] = [
    [Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 1, 5]), /wrong magic/],
    [Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 5]), /data type 0xd/],
    [Uint8Array.from([0, 0, 8, 2, 0, 0]), /truncated header/],
    [idx([3], [1, 2]), /need 3 data bytes but the file has 2/],
    [Uint8Array.from([0, 0, 8, 3, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255]), /more than this reader accepts/],
  ];
  for (const [bytes, message] of cases) assert.throws(() => parseIdx(bytes, 'x.idx'), (e: unknown) => e instanceof DatasetError && message.test((e as Error).message) && /x\.idx/.test((e as Error).message));
  assert.throws(() => readIdx('/nonexistent/file.gz'), (e: unknown) => e instanceof DatasetError && /ENOENT/.test((e as Error).message) && /setup\.sh/.test((e as Error).message));
  assert.throws(() => loadFashionMnist('/nonexistent-dir'), /does not exist[\s\S]*--data-dir/);
});

test('CIFAR-10 binary: records parse; partial records and bad labels are rejected', () => {
  const record = (label: number) => Uint8Array.from([label, ...Array.from({ length: 3072 }, (_, i) => i % 251)]);
  const data = parseCifar([{ path: 'b1.bin', bytes: Uint8Array.from([...record(4), ...record(9)]) }], 'cifar10');
  assert.is(data.count, 2);
  assert.equal([...data.labels], [4, 9]);
  assert.is(data.pixels[3072 + 5], 5);
  assert.throws(() => parseCifar([{ path: 'b.bin', bytes: record(1).subarray(0, 100) }], 'c'), /not a whole number/);
  assert.throws(() => parseCifar([{ path: 'b.bin', bytes: record(12) }], 'c'), /label 12/);
});

test('batches: seeded order repeats, epochs differ, every example once per epoch; normalisation is exact', () => {
  const data = syntheticDataset(40, 1);
  const a = new Batches(data, 8, 5), b = new Batches(data, 8, 5);
  assert.equal([...a.at({ epoch: 0, batch: 3 }).labels], [...b.at({ epoch: 0, batch: 3 }).labels]);
  const seen = new Set<string>();
  for (let i = 0; i < a.perEpoch; i++) {
    const batch = a.at({ epoch: 1, batch: i });
    for (let k = 0; k < 8; k++) seen.add(batch.images.subarray(k * 784, k * 784 + 20).join());
  }
  assert.is(seen.size, 40);
  assert.not.equal([...a.at({ epoch: 0, batch: 0 }).images.subarray(0, 50)], [...a.at({ epoch: 1, batch: 0 }).images.subarray(0, 50)]);
  const one = makeBatch(data, [0]);
  assert.ok(Math.abs(one.images[5] - (data.pixels[5] / 255 - 0.2) / 0.3) < 1e-6);
  assert.equal(one.shape, [1, 1, 28, 28]);
});

test('augmentation: crops and flips keep the shape, are seeded, and change pixels', () => {
  const data = syntheticDataset(16, 2);
  const plain = new Batches(data, 4, 1).at({ epoch: 0, batch: 0 });
  const augmented = new Batches(data, 4, 1, { cropPadding: 2, horizontalFlip: true });
  const x = augmented.at({ epoch: 0, batch: 0 });
  assert.equal(x.shape, plain.shape);
  assert.equal([...x.labels], [...plain.labels]);
  assert.equal([...x.images], [...augmented.at({ epoch: 0, batch: 0 }).images]);
  assert.not.equal([...x.images], [...plain.images]);
});

test.run();
