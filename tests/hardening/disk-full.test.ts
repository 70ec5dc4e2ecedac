/**
 * A disk that fills up during training (a real ENOSPC on a small tmpfs) and a read-only output folder:
 * a typed error naming the file and the fix, the previous checkpoint intact, no temp files left, and
 * after freeing space a resume that ends exactly where an uninterrupted run ends.
 * Needs `mount` (root with CAP_SYS_ADMIN, as in CI); skipped with a message where mounting is refused.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { latestCheckpoint, listCheckpoints } from '../../models/checkpoint/checkpoint.ts';
import { CheckpointError } from '../../models/checkpoint/safetensors.ts';
import type { ViTConfig } from '../../models/config.ts';
import { trainModel, type TrainOptions } from '../../models/train/trainer.ts';
import { ViT } from '../../models/vit.ts';
import { syntheticDataset } from '../helpers/synthetic.ts';

const tiny: ViTConfig = { imageSize: 28, channels: 1, patchSize: 7, dim: 32, depth: 2, heads: 2, mlpRatio: 4, classes: 4, dropout: 0, dropPath: 0 };
const train = syntheticDataset(64, 1);
const testSet = syntheticDataset(16, 2);
const options = (model: ViT, outDir: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
  model, train, test: testSet, batchSize: 16, steps: 12, lr: 3e-3, warmupSteps: 2, seed: 3, checkpointEvery: 3, outDir, showProgress: false, ...extra,
});

function mountTmpfs(flags: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'small-disk-'));
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', flags, 'tmpfs', dir], { encoding: 'utf8' });
  return result.status === 0 ? dir : undefined;
}
const unmount = (dir: string) => spawnSync('umount', [dir]);
const canMount = (() => {
  const dir = mountTmpfs('size=64k');
  if (dir) unmount(dir);
  else console.log('\n  disk-full tests skipped: this machine refuses `mount -t tmpfs` (they need root with CAP_SYS_ADMIN)\n');
  return dir !== undefined;
})();
const maybe = canMount ? test : test.skip;

const weights = async (model: ViT) => [...(await model.state()).values()].map((t) => [...t.data].join());

maybe('disk full while writing a checkpoint: typed error, previous checkpoint intact, resume after freeing space matches', async () => {
  const reference = mkdtempSync(join(tmpdir(), 'disk-ref-'));
  const straight = new ViT(tiny, { seed: 1 });
  await trainModel(options(straight, reference));

  const disk = mountTmpfs('size=2m')!;
  try {
    const out = join(disk, 'run');
    const filler = join(disk, 'filler');
    const first = new ViT(tiny, { seed: 1 });
    let error: unknown;
    try {
      await trainModel(options(first, out, {
        onStep: (step) => {
          // After the step-3 checkpoint, leave room for log lines but not for another checkpoint.
          if (step === 4) writeFileSync(filler, new Uint8Array(Math.max(0, statfsSync(disk).bavail * statfsSync(disk).bsize - 16_384)));
        },
      }));
    } catch (e) {
      error = e;
    }
    assert.instance(error, CheckpointError);
    assert.match((error as Error).message, /could not write the step-6 checkpoint in .*\(ENOSPC: no space left for it\); the previous checkpoint .*step-00000003\.safetensors is intact/);
    assert.match((error as Error).message, /fix: free disk space \(or choose another --out\), then rerun with --resume/);
    assert.is(latestCheckpoint(join(out, 'checkpoints'))!.state.step, 3);
    assert.equal(readdirSync(join(out, 'checkpoints')).sort(), ['step-00000003.optim.safetensors', 'step-00000003.safetensors'], 'no temp or half-written files');
    first.dispose();

    rmSync(filler);
    const resumed = new ViT(tiny, { seed: 42 });
    const result = await trainModel(options(resumed, out, { resume: true }));
    assert.is(result.resumedFrom, 3);
    assert.equal(await weights(resumed), await weights(straight));
    assert.is(listCheckpoints(join(out, 'checkpoints')).length, 2);
    resumed.dispose();
  } finally {
    unmount(disk);
  }
  straight.dispose();
});

maybe('a read-only output folder: typed error naming the folder and the fix before any training', async () => {
  const disk = mountTmpfs('ro,size=64k')!;
  try {
    const model = new ViT(tiny, { seed: 1 });
    let error: unknown;
    try {
      await trainModel(options(model, join(disk, 'run')));
    } catch (e) {
      error = e;
    }
    assert.instance(error, CheckpointError);
    assert.match((error as Error).message, /cannot create the run folder .*run \(EROFS\)[\s\S]*fix: choose a writable output folder \(--out\)/);
    model.dispose();
  } finally {
    unmount(disk);
  }
});

test.run();
