/**
 * safetensors (read and write, F32 tensors): an 8-byte little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets}, __metadata__: {string: string}}, then the data. Every header field
 * is checked against the file before any data is touched; writes are atomic (temp file, fsync, rename).
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { MangoError } from '../../engine/index.ts';
import type { HostTensor } from '../nn/module.ts';

/** A checkpoint or weights file is unreadable, corrupt, or does not fit what was asked of it. */
export class CheckpointError extends MangoError {}

export interface SafetensorsFile {
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
}

const maxHeaderBytes = 100 * 2 ** 20;

export function parseSafetensors(bytes: Uint8Array, source: string): SafetensorsFile {
  const bad = (what: string) => new CheckpointError(`${source}: ${what}`, 'the file is not a valid safetensors file (truncated or corrupt); use an earlier checkpoint');
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
    if (e?.dtype !== 'F32') throw bad(`tensor "${name}" has dtype ${JSON.stringify(e?.dtype)}; only F32 is supported`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0 && d < 2 ** 31)) throw bad(`tensor "${name}" has an invalid shape ${JSON.stringify(e.shape)}`);
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) throw bad(`tensor "${name}" has invalid data_offsets`);
    const [begin, end] = offsets as [number, number];
    const elements = (e.shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end > dataLength) throw bad(`tensor "${name}" data [${begin}, ${end}) lies outside the ${dataLength} data bytes`);
    if (end - begin !== elements * 4) throw bad(`tensor "${name}" of shape [${e.shape}] needs ${elements * 4} bytes but has ${end - begin}`);
    const data = new Float32Array(elements);
    new Uint8Array(data.buffer).set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors.set(name, { shape: e.shape as number[], data });
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

/** Writes `bytes` to `path` so that `path` is either the old file or the complete new one. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const temp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(temp, 'w');
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
    const dir = openSync(dirname(path), 'r');
    try { fsyncSync(dir); } finally { closeSync(dir); }
  } catch (cause) {
    rmSync(temp, { force: true });
    const code = (cause as NodeJS.ErrnoException).code;
    throw new CheckpointError(`could not write ${path} (${code ?? cause}); the previous file is unchanged`,
      code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG' ? 'free disk space and resume' : code === 'EACCES' || code === 'EROFS' ? 'choose a writable output folder (--out)' : 'check the output folder', { cause });
  }
}

export function writeSafetensors(path: string, tensors: ReadonlyMap<string, HostTensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
