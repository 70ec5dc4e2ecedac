/** safetensors round trip and corruption handling; checkpoint folders; atomic writes. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { latestCheckpoint, listCheckpoints, saveCheckpoint, type RunState } from '../../models/checkpoint/checkpoint.ts';
import { CheckpointError, encodeSafetensors, parseSafetensors, readSafetensors, writeSafetensors } from '../../models/checkpoint/safetensors.ts';
import { presets } from '../../models/config.ts';

const tensors = new Map([['a.weight', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }], ['b', { shape: [], data: Float32Array.from([7]) }]]);

test('safetensors: round trip with metadata; header is 8-byte aligned', () => {
  const bytes = encodeSafetensors(tensors, { note: 'hi' });
  const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.is((8 + headerLength) % 8, 0);
  const back = parseSafetensors(bytes, 'mem');
  assert.equal(back.metadata, { note: 'hi' });
  assert.equal([...back.tensors.get('a.weight')!.data], [1, 2, 3, 4, 5, 6]);
  assert.equal(back.tensors.get('b')!.shape, []);
});

test('safetensors: truncation, lying header lengths, bad offsets, wrong dtype are CheckpointErrors', () => {
  const good = encodeSafetensors(tensors);
  const corrupt = (mutate: (b: Uint8Array) => Uint8Array) => () => parseSafetensors(mutate(Uint8Array.from(good)), 'file.safetensors');
  const header = (json: object) => {
    const h = Buffer.from(JSON.stringify(json));
    const out = new Uint8Array(8 + h.length + 8);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    return out;
  };
  for (const [f, message] of [
    [corrupt((b) => b.subarray(0, b.length - 3)), /lies outside|needs/],
    [corrupt((b) => { new DataView(b.buffer).setBigUint64(0, 10n ** 15n, true); return b; }), /exceeds the file/],
    [corrupt((b) => b.subarray(0, 5)), /only 5 bytes/],
    [() => parseSafetensors(header({ x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }), 'f'), /dtype "I64"; mango reads F32, F16, BF16 and F64/],
    [() => parseSafetensors(header({ x: { dtype: 'constructor', shape: [1], data_offsets: [0, 8] } }), 'f'), /dtype "constructor"/],
    [() => parseSafetensors(header({ x: { dtype: 'F16', shape: [3], data_offsets: [0, 8] } }), 'f'), /needs 6 bytes/],
    [() => parseSafetensors(header({ x: { dtype: 'F32', shape: [4], data_offsets: [0, 8] } }), 'f'), /needs 16 bytes/],
    [() => parseSafetensors(header({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 8] } }), 'f'), /invalid shape/],
    [() => parseSafetensors(header({ x: { dtype: 'F32', shape: [1], data_offsets: [4, 100] } }), 'f'), /outside/],
  ] as const) assert.throws(f as () => void, (e: unknown) => e instanceof CheckpointError && message.test((e as Error).message));
});

test('atomic write: a failed write leaves the previous file and no temp file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-'));
  const path = join(dir, 'w.safetensors');
  writeSafetensors(path, tensors);
  const before = readFileSync(path);
  assert.throws(() => writeSafetensors(join(dir, 'missing-dir', 'w.safetensors'), tensors), (e: unknown) => e instanceof CheckpointError && /previous file is unchanged/.test((e as Error).message));
  assert.equal(readFileSync(path), before);
  assert.equal(readdirSync(dir), ['w.safetensors']);
  assert.is(readSafetensors(path).tensors.size, 2);
});

test('checkpoints: newest complete one wins, damaged ones are skipped, old ones pruned', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ck-'));
  const state = (step: number): RunState => ({ config: presets['fmnist-d32-l2'], step, position: { epoch: 0, batch: step }, flops: step * 10, random: [1, 2, 3, 4], optimizer: { kind: 'adamw', step } });
  for (const step of [1, 2, 3]) saveCheckpoint(dir, state(step), tensors, new Map([['m.a', tensors.get('a.weight')!]]));
  assert.is(listCheckpoints(dir).length, 2, 'keeps two');
  assert.is(latestCheckpoint(dir)!.state.step, 3);
  const newest = listCheckpoints(dir).at(-1)!;
  writeFileSync(newest, readFileSync(newest).subarray(0, 40));
  const skipped: string[] = [];
  assert.is(latestCheckpoint(dir, (p) => skipped.push(p))!.state.step, 2);
  assert.equal(skipped, [newest]);
  assert.ok(existsSync(newest.replace('.safetensors', '.optim.safetensors')));
});

test.run();
