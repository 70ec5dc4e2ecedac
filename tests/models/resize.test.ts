/** Image resizing against frozen Pillow results (tests/goldens/make-resize-goldens.py), and its identities. */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resizeBilinear } from '../../models/data/resize.ts';

interface Case { width: number; height: number; channels: number; outWidth: number; outHeight: number; pixels: number[]; expected: number[] }
const goldens = JSON.parse(readFileSync(new URL('../goldens/resize-goldens.json', import.meta.url), 'utf8')) as { pillow: string; cases: Case[] };

test('equals Pillow\'s Image.resize(BILINEAR) bit for bit, shrinking and enlarging, grey and RGB', () => {
  for (const c of goldens.cases) {
    const out = resizeBilinear(Uint8Array.from(c.pixels), c.width, c.height, c.channels, c.outWidth, c.outHeight);
    const differing = out.filter((v, i) => v !== c.expected[i]).length;
    assert.is(differing, 0, `${c.width}×${c.height}×${c.channels} → ${c.outWidth}×${c.outHeight}: ${differing} of ${out.length} values differ from Pillow ${goldens.pillow}`);
  }
});

test('the same size is a copy; a flat image stays flat at any size', () => {
  const image = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 37) % 256);
  assert.equal([...resizeBilinear(image, 5, 4, 3, 5, 4)], [...image]);
  const flat = new Uint8Array(9 * 7).fill(77);
  for (const [w, h] of [[3, 3], [16, 16], [28, 20]]) assert.ok(resizeBilinear(flat, 9, 7, 1, w, h).every((v) => v === 77));
});

test.run();
