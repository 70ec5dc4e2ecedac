/**
 * Readers under random, truncated, oversized and mutated input: every failure is a typed error naming
 * the file, within bounded time; no hang, no native crash, no silent garbage.
 */
import * as fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MangoError } from '../../engine/index.ts';
import { encodeSafetensors, parseSafetensors } from '../../models/checkpoint/safetensors.ts';
import { parseCifar } from '../../models/data/dataset.ts';
import { parseIdx } from '../../models/data/idx.ts';
import { resolveConfig } from '../../models/config.ts';

const counts = { inputs: 0, typedErrors: 0, accepted: 0 };

function expectTypedOrValid(run: () => unknown, source: string): void {
  counts.inputs++;
  const started = performance.now();
  try {
    run();
    counts.accepted++;
  } catch (error) {
    assert.instance(error, MangoError, `untyped error: ${(error as Error).message}`);
    assert.match((error as Error).message, source);
    counts.typedErrors++;
  }
  assert.ok(performance.now() - started < 2000, 'bounded time');
}

test('IDX reader: random bytes and mutations of a valid file', () => {
  const valid = Uint8Array.from([0, 0, 8, 2, 0, 0, 0, 3, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6]);
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => expectTypedOrValid(() => parseIdx(bytes, 'fuzz.idx'), 'fuzz.idx')), { numRuns: 300 });
  fc.assert(fc.property(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.nat({ max: valid.length }), (at, value, cut) => {
    const mutated = valid.slice(0, cut === 0 ? valid.length : cut);
    if (at < mutated.length) mutated[at] = value;
    expectTypedOrValid(() => {
      const parsed = parseIdx(mutated, 'fuzz.idx');
      assert.is(parsed.data.length, parsed.dims.reduce((a, b) => a * b, 1), 'accepted files are self-consistent');
    }, 'fuzz.idx');
  }), { numRuns: 300 });
});

test('safetensors reader: random bytes, truncations and header mutations of a valid file', () => {
  const valid = encodeSafetensors(new Map([['w', { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }]]), { step: '3' });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => expectTypedOrValid(() => parseSafetensors(bytes, 'fuzz.safetensors'), 'fuzz.safetensors')), { numRuns: 300 });
  fc.assert(fc.property(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.nat({ max: valid.length }), (at, value, cut) => {
    const mutated = valid.slice(0, cut === 0 ? valid.length : cut);
    if (at < mutated.length) mutated[at] = value;
    expectTypedOrValid(() => {
      for (const t of parseSafetensors(mutated, 'fuzz.safetensors').tensors.values()) assert.is(t.data.length, t.shape.reduce((a, b) => a * b, 1));
    }, 'fuzz.safetensors');
  }), { numRuns: 400 });
  // A header claiming a huge tensor must be rejected from the header alone (no giant allocation).
  const huge = encodeSafetensors(new Map([['w', { shape: [1], data: Float32Array.from([1]) }]]));
  const text = new TextDecoder().decode(huge).replace('"shape":[1]', '"shape":[4e9]');
  expectTypedOrValid(() => parseSafetensors(new TextEncoder().encode(text), 'huge.safetensors'), 'huge.safetensors');
});

test('CIFAR reader and gzip-wrapped IDX: random records', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 6200 }), (bytes) => expectTypedOrValid(() => parseCifar([{ path: 'fuzz.bin', bytes }], 'c'), 'fuzz.bin')), { numRuns: 100 });
  expectTypedOrValid(() => parseIdx(gzipSync(Uint8Array.from([1, 2, 3])), 'gz.idx'), 'gz.idx');
});

test('config parsing: random objects are validated or rejected with the field named', () => {
  const field = fc.oneof(fc.integer({ min: -3, max: 300 }), fc.double({ noNaN: false }), fc.string(), fc.constant(null));
  fc.assert(fc.property(fc.record({ imageSize: field, channels: field, patchSize: field, dim: field, depth: field, heads: field, classes: field, mlpRatio: field, dropout: field, dropPath: field }, { requiredKeys: [] }),
    (config) => expectTypedOrValid(() => resolveConfig(config as never), 'config')), { numRuns: 300 });
  console.log(`    fuzz: ${counts.inputs} inputs tried, ${counts.typedErrors} typed errors, ${counts.accepted} accepted, 0 crashes`);
});

test.run();
