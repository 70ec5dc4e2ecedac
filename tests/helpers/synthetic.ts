/** A small synthetic image dataset whose classes are learnable (a bright block at a class-specific place). */
import type { Dataset } from '../../models/data/dataset.ts';
import { Random } from '../../engine/index.ts';

export function syntheticDataset(count: number, seed: number, size = 28, classes = 4): Dataset {
  const random = new Random(seed);
  const pixels = new Uint8Array(count * size * size);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const label = random.int(classes);
    labels[i] = label;
    for (let p = 0; p < size * size; p++) pixels[i * size * size + p] = random.int(60);
    const top = (label >> 1) * (size / 2), left = (label & 1) * (size / 2);
    for (let y = top + 2; y < top + size / 2 - 2; y++) for (let x = left + 2; x < left + size / 2 - 2; x++) pixels[i * size * size + y * size + x] = 200 + random.int(55);
  }
  return { name: 'synthetic', imageShape: [1, size, size], classes, count, pixels, labels, mean: [0.2], std: [0.3] };
}
