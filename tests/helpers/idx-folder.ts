/** Writes a small Fashion-MNIST-layout IDX folder (gzip) from a synthetic dataset, for CLI tests. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { syntheticDataset } from './synthetic.ts';

function idx(dims: number[], data: Uint8Array): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  header.set([0, 0, 8, dims.length]);
  dims.forEach((d, i) => new DataView(header.buffer).setUint32(4 + 4 * i, d, false));
  return Uint8Array.from([...header, ...data]);
}

export function fashionMnistLikeFolder(trainCount = 256, testCount = 64): string {
  const dir = mkdtempSync(join(tmpdir(), 'fmnist-'));
  for (const [prefix, count, seed] of [['train', trainCount, 1], ['t10k', testCount, 2]] as const) {
    const data = syntheticDataset(count, seed, 28, 10);
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte.gz`), gzipSync(idx([count, 28, 28], data.pixels)));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte.gz`), gzipSync(idx([count], data.labels)));
  }
  return dir;
}
