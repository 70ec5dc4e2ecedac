/**
 * safetensors (reads F32, F16, BF16 and F64 tensors as F32; writes F32): an 8-byte little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets}, __metadata__: {string: string}}, then the data. Every header field
 * is checked against the file before any data is touched; writes are atomic (temp file, fsync, rename).
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { writeFileAtomic } from '../../io/files.ts';
import { MangoError } from '../../engine/index.ts';
import type { HostTensor } from './host-tensor.ts';

/** A checkpoint or weights file is unreadable, corrupt, or does not fit what was asked of it. */
export class CheckpointError extends MangoError {}

export interface SafetensorsFile {
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
}

const maxHeaderBytes = 100 * 2 ** 20;

/** An aligned copy of `bytes` (a Buffer's slice() would share, and misalign, its pool). */
const ownBuffer = (bytes: Uint8Array): ArrayBuffer => new Uint8Array(bytes).buffer;

/** Bytes per element of the dtypes read, and their conversion to float32. */
const dtypes: Record<string, { bytes: number; toF32(bytes: Uint8Array, count: number): Float32Array }> = {
  F32: { bytes: 4, toF32: (b, n) => { const out = new Float32Array(n); new Uint8Array(out.buffer).set(b); return out; } },
  F64: { bytes: 8, toF32: (b, n) => Float32Array.from(new Float64Array(ownBuffer(b), 0, n)) },
  F16: { bytes: 2, toF32: (b, n) => halfToFloat(new Uint16Array(ownBuffer(b), 0, n)) },
  BF16: { bytes: 2, toF32: (b, n) => {
    const out = new Uint32Array(n);
    const halves = new Uint16Array(ownBuffer(b), 0, n);
    for (let i = 0; i < n; i++) out[i] = halves[i] << 16;
    return new Float32Array(out.buffer);
  } },
};

function halfToFloat(halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) {
    const h = halves[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    out[i] = exponent === 0 ? sign * 2 ** -14 * (mantissa / 1024)
      : exponent === 31 ? (mantissa ? NaN : sign * Infinity)
        : sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
  }
  return out;
}

/** PyTorch's own formats (torch.save: a zip archive of pickles, or a bare pickle before 1.6), told apart from corruption. */
function foreignFormat(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'a zip archive (PyTorch\'s torch.save format: .pth / .pt / .bin)';
  if (bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5) return 'a Python pickle (an old torch.save .pth / .pkl file)';
  return undefined;
}

const convertHint = 'mango reads safetensors only; convert in Python: `import torch; from safetensors.torch import save_file; sd = torch.load("model.pth", map_location="cpu"); '
  + 'sd = sd.get("model", sd); save_file({k: v.contiguous() for k, v in sd.items()}, "model.safetensors")` (pip install safetensors), then pass the .safetensors file';

export function parseSafetensors(bytes: Uint8Array, source: string): SafetensorsFile {
  const bad = (what: string) => new CheckpointError(`${source}: ${what}`, 'the file is not a valid safetensors file (truncated or corrupt); use an earlier checkpoint');
  const foreign = foreignFormat(bytes);
  if (foreign) throw new CheckpointError(`${source} is ${foreign}, not a safetensors file`, convertHint);
  if (bytes.length < 8) throw bad(`only ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(maxHeaderBytes, bytes.length - 8))) throw bad(`header length ${headerLength} exceeds the file (${bytes.length} bytes)`);
  const dataStart = 8 + Number(headerLength);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch {
    throw bad('header is not valid UTF-8 JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad('header is not a JSON object');
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, HostTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (entry === null || typeof entry !== 'object') throw bad('__metadata__ is not an object');
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') throw bad(`metadata "${k}" is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = typeof e?.dtype === 'string' && Object.hasOwn(dtypes, e.dtype) ? dtypes[e.dtype] : undefined;
    if (!dtype) {
      throw new CheckpointError(`${source}: tensor "${name}" has dtype ${JSON.stringify(e?.dtype)}; mango reads F32, F16, BF16 and F64 (converted to F32)`,
        'save the weights as floating point (e.g. `v.float()` in PyTorch before save_file)');
    }
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 31)) throw bad(`tensor "${name}" has an invalid shape ${JSON.stringify(e.shape)}`);
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) throw bad(`tensor "${name}" has invalid data_offsets`);
    const [begin, end] = offsets as [number, number];
    const elements = (e.shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end > dataLength) throw bad(`tensor "${name}" data [${begin}, ${end}) lies outside the ${dataLength} data bytes`);
    if (end - begin !== elements * dtype.bytes) throw bad(`tensor "${name}" of shape [${e.shape}] needs ${elements * dtype.bytes} bytes but has ${end - begin}`);
    tensors.set(name, { shape: e.shape as number[], data: dtype.toF32(bytes.subarray(dataStart + begin, dataStart + end), elements) });
  }
  return { tensors, metadata };
}

export function readSafetensors(path: string): SafetensorsFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new CheckpointError(`cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? cause})`, 'check the path', { cause });
  }
  return parseSafetensors(bytes, path);
}

/** The tensor names of a safetensors file, from its header alone (no tensor data is read). */
export function readSafetensorsNames(path: string): string[] {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const length = Buffer.alloc(8);
    if (readSync(fd, length, 0, 8, 0) !== 8) return [];
    const size = Number(length.readBigUInt64LE(0));
    if (size > maxHeaderBytes) return [];
    const header = Buffer.alloc(size);
    readSync(fd, header, 0, size, 8);
    return Object.keys(JSON.parse(header.toString('utf8'))).filter((k) => k !== '__metadata__');
  } catch {
    return [];   // unreadable or corrupt: the full read that follows reports it properly
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function encodeSafetensors(tensors: ReadonlyMap<string, HostTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

export function writeSafetensors(path: string, tensors: ReadonlyMap<string, HostTensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata), CheckpointError);
}
