/** IDX files (MNIST, Fashion-MNIST), plain or gzip, with every header field bounds-checked. */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from './errors.ts';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const maxElements = 2 ** 31;

/** Parses IDX bytes (unsigned-byte data only, the type MNIST uses). `source` names the file in errors. */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  const bad = (what: string) => new DatasetError(`${source}: ${what}`, 'the file is not a valid IDX file; re-install the dataset (e.g. `apt-get install --reinstall dataset-fashion-mnist`)');
  if (bytes.length < 4) throw bad(`only ${bytes.length} bytes, too short for an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw bad(`wrong magic number (first bytes ${bytes[0]}, ${bytes[1]}; expected 0, 0)`);
  if (bytes[2] !== 0x08) throw bad(`data type 0x${bytes[2].toString(16)} is not unsigned byte (0x08)`);
  const rank = bytes[3];
  if (rank < 1 || rank > 4) throw bad(`rank ${rank} is outside 1..4`);
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) throw bad(`truncated header (${bytes.length} of ${headerLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const elements = dims.reduce((a, b) => a * b, 1);
  if (elements > maxElements) throw bad(`dimensions [${dims}] describe ${elements} elements, more than this reader accepts`);
  if (bytes.length - headerLength !== elements) throw bad(`dimensions [${dims}] need ${elements} data bytes but the file has ${bytes.length - headerLength}`);
  return { dims, data: bytes.subarray(headerLength) };
}

export function readIdx(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new DatasetError(`cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? cause})`,
      'install Fashion-MNIST with `bash scripts/setup.sh` (Debian package dataset-fashion-mnist) or pass --data-dir', { cause });
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: maxElements + 64 });
    } catch (cause) {
      throw new DatasetError(`${path}: corrupt gzip data (${(cause as Error).message})`, 're-install or re-download the dataset file', { cause });
    }
  }
  return parseIdx(bytes, path);
}
