/** Image-folder datasets: classes from folder names, PNG and JPEG decoding, grey conversion, resizing, errors. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DatasetError } from '../../models/data/errors.ts';
import { loadImageFolder, readImage } from '../../models/data/image-folder.ts';
import { encodePng, imageFolder, rgba } from '../helpers/image-folder.ts';

test('classes are the sorted train folders; both splits load at the model size, labels by folder', () => {
  const root = imageFolder(['zebra', 'ant', 'moth'], { train: 4, val: 2 });
  const { train, test: val } = loadImageFolder(root, { imageSize: 16, channels: 3 });
  assert.equal(train.classNames, ['ant', 'moth', 'zebra']);
  assert.equal([train.count, val.count, train.classes], [12, 6, 3]);
  assert.equal(train.imageShape, [3, 16, 16]);
  assert.is(train.pixels.length, 12 * 3 * 16 * 16);
  assert.equal([...train.labels], [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
  // The red channel is the class's flat level (zebra was written as class 0 of 3, level 43; JPEG is lossy).
  const red = (i: number) => train.pixels[i * 3 * 256 + 8 * 16 + 8];
  assert.ok(Math.abs(red(8) - 43) <= 1 && Math.abs(red(9) - 43) <= 8, `zebra red ${red(8)}, ${red(9)}`);
  assert.ok(train.mean.length === 3 && train.std.every((s) => s > 0));
  assert.equal(val.mean, train.mean, 'normalised with the training statistics');
});

test('a PNG at the model size reads back exactly; grey uses Pillow\'s weights (299, 587, 114)', () => {
  const root = imageFolder(['a', 'b'], { train: 1, val: 1 });
  const image = rgba(4, 4, (x, y) => [10 * x, 20 * y, 200]);
  const path = join(root, 'exact.png');
  writeFileSync(path, encodePng(4, 4, image));
  const rgb = readImage(path, { imageSize: 4, channels: 3 });
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) assert.equal([rgb[y * 4 + x], rgb[16 + y * 4 + x], rgb[32 + y * 4 + x]], [10 * x, 20 * y, 200]);
  const grey = readImage(path, { imageSize: 4, channels: 1 });
  assert.is(grey[1 * 4 + 3], Math.round((30 * 299 + 20 * 587 + 200 * 114) / 1000));
});

test('clear errors: a missing root, no val/, a class val has but train lacks, an undecodable file', () => {
  const throwsDataset = (f: () => unknown, pattern: RegExp) => {
    try {
      f();
      assert.unreachable('no error');
    } catch (error) {
      assert.instance(error, DatasetError);
      assert.match((error as Error).message, pattern);
    }
  };
  throwsDataset(() => loadImageFolder('/nonexistent/images', { imageSize: 8, channels: 1 }), /does not exist/);
  const noVal = imageFolder(['a', 'b'], { train: 1, val: 1 });
  const onlyTrain = join(noVal, 'train');
  throwsDataset(() => loadImageFolder(onlyTrain, { imageSize: 8, channels: 1 }), /needs a train\/ and a val\/ \(or test\/\)/);
  const extraClass = imageFolder(['a', 'b'], { train: 1, val: 1 });
  mkdirSync(join(extraClass, 'val', 'c'));
  throwsDataset(() => loadImageFolder(extraClass, { imageSize: 8, channels: 1 }), /val\/c is a class the training folder does not have/);
  const corrupt = imageFolder(['a', 'b'], { train: 1, val: 1 });
  writeFileSync(join(corrupt, 'train', 'a', 'broken.png'), 'not a png');
  throwsDataset(() => loadImageFolder(corrupt, { imageSize: 8, channels: 1 }), /cannot decode .*broken\.png/);
});

test.run();
