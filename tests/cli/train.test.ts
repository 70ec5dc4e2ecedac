/** The `mango` CLI: help, friendly errors, a small training run with checkpoint, resume and inspect. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { listCheckpoints } from '../../models/checkpoint/checkpoint.ts';
import { readMetricsCsv } from '../../models/train/metrics-csv.ts';
import { fashionMnistLikeFolder } from '../helpers/idx-folder.ts';

const bin = fileURLToPath(new URL('../../cli/mango.mjs', import.meta.url));
const mango = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } });

test('--help on every command; unknown command and bad options are friendly', () => {
  assert.match(mango('--help').stdout, /train[\s\S]*inspect/);
  assert.match(mango('train', '--help').stdout, /--config/);
  assert.match(mango('inspect', '--help').stdout, /usage: mango inspect/);
  const unknown = mango('fly');
  assert.is(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command "fly"/);
  const badConfig = mango('train', '--config', 'nope', '--backend', 'cpu');
  assert.is(badConfig.status, 1);
  assert.match(badConfig.stderr, /unknown config "nope"[\s\S]*fix: use one of/);
  assert.match(mango('train', '--config', 'fmnist-d64-l44').stderr, /unknown config "fmnist-d64-l44" \(did you mean "fmnist-d64-l4"\?\)/);
  const typo = mango('train', '--lrr', '0.1');
  assert.is(typo.status, 1);
  assert.match(typo.stderr, /mango: unknown option --lrr \(did you mean "lr"\?\)[\s\S]*fix: see --help/);
  assert.match(mango('--version').stdout, /^\d+\.\d+\.\d+\n$/);
  const earlierRun = mkdtempSync(join(tmpdir(), 'earlier-'));
  mkdirSync(join(earlierRun, 'checkpoints'));
  writeFileSync(join(earlierRun, 'checkpoints', 'step-00000001.safetensors'), '');
  const typoOverEarlierRun = mango('train', '--config', 'nope', '--backend', 'cpu', '--out', earlierRun);
  assert.match(typoOverEarlierRun.stderr, /unknown config "nope"/, 'argument errors come before the run-folder conflict');
  const noData = mango('train', '--data-dir', '/nonexistent', '--backend', 'cpu');
  assert.match(noData.stderr, /does not exist[\s\S]*setup\.sh/);
  const badNumber = mango('train', '--batch', 'many', '--backend', 'cpu', '--data-dir', fashionMnistLikeFolder(32, 8));
  assert.match(badNumber.stderr, /--batch must be an integer/);
  const blocker = join(mkdtempSync(join(tmpdir(), 'blocked-')), 'a-file');
  writeFileSync(blocker, '');
  const unwritable = mango('train', '--config', 'fmnist-d32-l2', '--steps', '1', '--batch', '8', '--backend', 'cpu', '--data-dir', fashionMnistLikeFolder(32, 8), '--out', join(blocker, 'run'));
  assert.is(unwritable.status, 1);
  assert.match(unwritable.stderr, /cannot create the run folder .*a-file\/run \(ENOTDIR\)[\s\S]*fix: choose a writable output folder \(--out\)/);
  const noDriver = { ...process.env, XDG_RUNTIME_DIR: '/tmp', VK_ICD_FILENAMES: '/nonexistent.json', VK_DRIVER_FILES: '/nonexistent.json' };
  const noAdapterOut = join(mkdtempSync(join(tmpdir(), 'noadapter-')), 'run');
  const noAdapter = spawnSync(process.execPath, [bin, 'train', '--config', 'fmnist-d32-l2', '--steps', '1', '--batch', '8', '--backend', 'webgpu',
    '--data-dir', fashionMnistLikeFolder(32, 8), '--out', noAdapterOut], { encoding: 'utf8', env: noDriver, timeout: 120_000 });
  assert.is(noAdapter.status, 1);
  assert.not.ok(existsSync(noAdapterOut), 'no empty run folder is left behind');
  assert.match(noAdapter.stderr, /mango: no WebGPU adapter found[\s\S]*fix: install a Vulkan driver Dawn accepts[\s\S]*--backend cpu/);
});

test('train writes checkpoints and a log, resume continues, inspect reads the checkpoint', () => {
  const data = fashionMnistLikeFolder();
  const out = mkdtempSync(join(tmpdir(), 'cli-run-'));
  const common = ['--config', 'fmnist-d32-l2', '--data-dir', data, '--batch', '32', '--backend', 'cpu', '--out', out, '--eval-every', '4', '--checkpoint-every', '4'];
  const first = mango('train', ...common, '--steps', '4');
  assert.is(first.status, 0, first.stderr);
  assert.match(first.stdout, /done: 4 steps, test accuracy/);
  assert.ok(existsSync(join(out, 'log.jsonl')));
  const second = mango('train', ...common, '--steps', '8', '--resume');
  assert.is(second.status, 0, second.stderr);
  assert.match(second.stdout, /resumed from step 4[\s\S]*done: 8 steps/);
  const checkpoints = listCheckpoints(join(out, 'checkpoints'));
  assert.match(checkpoints.at(-1)!, /step-00000008\.safetensors$/);
  const inspect = mango('inspect', checkpoints.at(-1)!);
  assert.is(inspect.status, 0, inspect.stderr);
  assert.match(inspect.stdout, /ViT d32·L2·h2[\s\S]*step 8[\s\S]*blocks\.1\.mlp\.fc2\.weight\s+\[32, 128\]/);

  const grown = mango('grow', '--from', checkpoints.at(-1)!, '--to', 'fmnist-d64-l4-h4', '--method', 'mango', '--rank', '2', '--op-steps', '2',
    '--batch', '32', '--data-dir', data, '--backend', 'cpu', '--out', join(out, 'grown'));
  assert.is(grown.status, 0, grown.stderr);
  assert.match(grown.stdout, /growing ViT d32·L2·h2[\s\S]*operator: [\d,]+ parameters[\s\S]*wrote .*grown\.safetensors/);
  const continued = mango('train', '--config', 'fmnist-d64-l4-h4', '--init', join(out, 'grown', 'grown.safetensors'), '--data-dir', data, '--batch', '32',
    '--steps', '2', '--backend', 'cpu', '--out', join(out, 'after-growth'));
  assert.is(continued.status, 0, continued.stderr);
  assert.match(continued.stdout, /done: 2 steps/);
  assert.match(continued.stderr, /step 0 \(the initial weights\): test accuracy [\d.]+% \(loss [\d.]+\)/, 'an --init run evaluates where it starts');
  const csv = readMetricsCsv(join(out, 'after-growth', 'metrics.csv'));
  assert.equal(csv.map((r) => [r.step, r.test_accuracy !== undefined, r.train_loss !== undefined]), [[0, true, false], [1, false, true], [2, false, true], [2, true, false]]);
  assert.ok(csv.every((r) => r.flops !== undefined && r.epoch !== undefined) && csv[1].lr! > 0 && csv[1].images_per_second! > 0 && csv[3].test_loss! > 0);

  const grownInfo = mango('inspect', '--json', join(out, 'grown'));
  assert.is(grownInfo.status, 0, grownInfo.stderr);
  const info = JSON.parse(grownInfo.stdout);
  assert.equal([info.kind, info.model, info.provenance.method, info.provenance.rank, info.provenance.operatorSteps, info.config.heads], ['grown weights', 'ViT d64·L4·h4 patch 7 on 28²×1, 10 classes', 'mango', 2, 2, 4]);
  assert.match(info.provenance.grownFrom, /step-00000008\.safetensors$/);
  assert.match(mango('inspect', join(out, 'grown', 'grown.safetensors')).stdout, /grown weights[\s\S]*method: mango[\s\S]*rank: 2/);

  const plotted = mango('plot', join(out, 'after-growth'));
  assert.is(plotted.status, 0, plotted.stderr);
  assert.match(plotted.stdout, /training run, 2 evaluations\): wrote .*accuracy-vs-flops\.svg and .*loss-vs-flops\.svg/);
  assert.match(readFileSync(join(out, 'after-growth', 'loss-vs-flops.svg'), 'utf8'), /test loss[\s\S]*train loss/);

  const otherLr = mango('train', ...common, '--steps', '12', '--resume', '--lr', '0.01');
  assert.is(otherLr.status, 1);
  assert.match(otherLr.stderr, /the run in .* was made with other settings \(recorded → now\): lr: 0\.001 → 0\.01[\s\S]*fix: leave those flags out/);
  assert.match(listCheckpoints(join(out, 'checkpoints')).at(-1)!, /step-00000008\.safetensors$/, 'nothing trained or written');
  const recorded = mango('train', '--out', out, '--resume', '--steps', '12', '--data-dir', data, '--backend', 'cpu');
  assert.is(recorded.status, 0, recorded.stderr);
  assert.match(recorded.stdout, /training ViT d32·L2·h2 .* for 12 steps of 32[\s\S]*resumed from step 8[\s\S]*done: 12 steps/, 'flags left out are the run\'s own');
});

test.run();
