/** `mango experiment` end to end on a tiny setup: table, files, SVG, and a rerun that recomputes nothing. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fashionMnistLikeFolder } from '../helpers/idx-folder.ts';

const bin = fileURLToPath(new URL('../../cli/mango.mjs', import.meta.url));
const mango = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 600_000, env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } });

test('experiment: scratch vs mango vs fpi vs progressive stackbert, results table, SVG, resumable rerun', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exp-'));
  const base = { imageSize: 28, channels: 1, patchSize: 7, mlpRatio: 4, classes: 10, dropout: 0, dropPath: 0 };
  writeFileSync(join(dir, 'source.json'), JSON.stringify({ ...base, dim: 16, depth: 2, heads: 1 }));
  writeFileSync(join(dir, 'target.json'), JSON.stringify({ ...base, dim: 32, depth: 2, heads: 2 }));
  const out = join(dir, 'run');
  const args = ['experiment', '--source', join(dir, 'source.json'), '--target', join(dir, 'target.json'), '--methods', 'scratch,mango:2,bert2bert-fpi,stackbert',
    '--seeds', '1', '--data-dir', fashionMnistLikeFolder(256, 64), '--batch', '32', '--source-epochs', '2', '--target-epochs', '1',
    '--op-steps', '3', '--evals', '4', '--out', out, '--backend', 'cpu'];
  const first = mango(...args);
  assert.is(first.status, 0, first.stderr);
  assert.match(first.stdout, /\| method \| runs \(full budget\) \| final acc %[\s\S]*\| scratch \| 1 \(1\) \|[\s\S]*\| mango-r2 \| 1 \(1\) \|[\s\S]*\| bert2bert-fpi \| 1 \(1\) \|/);
  for (const file of ['results.md', 'results.json', 'accuracy-vs-flops.svg', 'source/result.json', 'mango-r2-s0/result.json', 'mango-r2-s0/log.jsonl']) {
    assert.ok(existsSync(join(out, file)), file);
  }
  assert.match(readFileSync(join(out, 'accuracy-vs-flops.svg'), 'utf8'), /<svg[\s\S]*<path d="M/);
  assert.match(first.stdout, /estimate: 4 run\(s\) to do, [\d.]+ TFLOPs of training and evaluation; at the [\d.]+ GFLOP\/s measured here on the target ≈ \d+ (s|min)\n/);
  const plotted = mango('plot', out);
  assert.is(plotted.status, 0, plotted.stderr);
  assert.match(plotted.stdout, /experiment, 4 runs\): wrote .*accuracy-vs-flops\.svg and .*loss-vs-flops\.svg/);
  assert.match(readFileSync(join(out, 'loss-vs-flops.svg'), 'utf8'), /test cross-entropy[\s\S]*mango-r2 \(1 seed\)/);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  const mango2 = results.runs.find((r: { label: string }) => r.label === 'mango-r2');
  assert.ok(mango2.operatorFlops > 0 && mango2.evals[0].flops === mango2.operatorFlops, 'operator FLOPs are counted');
  const scratch = results.runs.find((r: { label: string }) => r.label === 'scratch');
  const stack = results.runs.find((r: { label: string }) => r.label === 'stackbert');
  const flops = stack.evals.map((e: { flops: number }) => e.flops);
  assert.ok(flops.every((f: number, i: number) => i === 0 || f >= flops[i - 1]), 'one FLOPs-ordered curve: shallow stage, stacking, full depth');
  assert.ok(stack.operatorFlops > 0 && stack.operatorFlops < 0.5 * scratch.totalFlops, 'the half-depth stage is counted and cheaper than half the budget');
  assert.ok(Math.abs(stack.totalFlops - scratch.totalFlops) / scratch.totalFlops < 0.1, `the same budget as scratch (${stack.totalFlops} vs ${scratch.totalFlops})`);
  assert.ok(existsSync(join(out, 'stackbert-s0', 'stage1', 'log.jsonl')), 'the shallow stage has its own run folder');
  const again = mango(...args);
  assert.is(again.status, 0, again.stderr);
  assert.match(again.stdout, /source .*reused[\s\S]*scratch seed 0: done earlier[\s\S]*mango-r2 seed 0: done earlier/);
  assert.not.match(again.stdout, /estimate:/, 'nothing left to do, nothing to estimate');

  const spec = readFileSync(join(out, 'spec.json'), 'utf8');
  const otherSettings = mango(...args, '--lr', '0.002', '--op-steps', '4');
  assert.is(otherSettings.status, 1);
  assert.match(otherSettings.stderr, /the experiment in .* was made with other settings \(recorded → now\): lr: 0\.001 → 0\.002; operatorSteps: 3 → 4[\s\S]*fix: rerun with the recorded settings/);
  assert.is(readFileSync(join(out, 'spec.json'), 'utf8'), spec, 'spec.json untouched');
  const moreMethods = mango(...args, '--methods', 'scratch,net2net');
  assert.is(moreMethods.status, 0, moreMethods.stderr);
  assert.match(moreMethods.stdout, /estimate: 1 run\(s\) to do[\s\S]*scratch seed 0: done earlier[\s\S]*net2net seed 0: [0-9.]+% after/, 'a method can be added to a folder');
  assert.equal(JSON.parse(readFileSync(join(out, 'spec.json'), 'utf8')).methods.map((m: { method: string }) => m.method), ['scratch', 'mango', 'bert2bert-fpi', 'stackbert', 'net2net']);
});

test('experiment: two processes on one folder split the runs and both print the whole table', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'exp-'));
  const base = { imageSize: 28, channels: 1, patchSize: 7, mlpRatio: 4, classes: 10, dropout: 0, dropPath: 0 };
  writeFileSync(join(dir, 'source.json'), JSON.stringify({ ...base, dim: 16, depth: 1, heads: 1 }));
  writeFileSync(join(dir, 'target.json'), JSON.stringify({ ...base, dim: 32, depth: 1, heads: 2 }));
  const args = [bin, 'experiment', '--source', join(dir, 'source.json'), '--target', join(dir, 'target.json'), '--methods', 'scratch,bert2bert-fpi',
    '--seeds', '2', '--data-dir', fashionMnistLikeFolder(128, 32), '--batch', '32', '--source-epochs', '1', '--target-epochs', '1',
    '--evals', '2', '--out', join(dir, 'run'), '--backend', 'cpu'];
  const start = () => new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } });
    let stdout = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.resume();
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`exit ${code}: ${stdout}`))));
  });
  const outputs = await Promise.all([start(), start()]);
  for (const run of ['scratch seed 0', 'scratch seed 1', 'bert2bert-fpi seed 0', 'bert2bert-fpi seed 1']) {
    const trained = outputs.filter((out) => new RegExp(`${run}: [0-9.]+% after`).test(out)).length;
    assert.is(trained, 1, `${run} trained by exactly one process`);
  }
  assert.is(outputs.filter((out) => /training \d+ steps/.test(out.split('\n').filter((l) => l.startsWith('source')).join('\n'))).length, 1, 'the source is trained once');
  for (const out of outputs) assert.match(out, /saving % \[95% CI\][\s\S]*\| scratch \| 2 \(2\) \|[\s\S]*\| bert2bert-fpi \| 2 \(2\) \|/);
});

test('experiment from a pretrained file with a validation split; grown runs stop past the bar except seed 0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exp-'));
  const fixture = fileURLToPath(new URL('../fixtures/timm-vit-d32-l2-h4.safetensors', import.meta.url));
  writeFileSync(join(dir, 'target.json'), JSON.stringify({ imageSize: 28, channels: 1, patchSize: 7, mlpRatio: 4, classes: 10, dim: 64, depth: 2, heads: 8 }));
  const out = join(dir, 'run');
  const run = mango('experiment', '--source-weights', fixture, '--heads', '4', '--target', join(dir, 'target.json'), '--methods', 'scratch,net2net',
    '--seeds', '2', '--data-dir', fashionMnistLikeFolder(192, 32), '--validation', '32', '--batch', '32', '--target-epochs', '2', '--lr', '0.01',
    '--evals', '4', '--stop-past-bar', '--out', out, '--backend', 'cpu');
  assert.is(run.status, 0, run.stderr);
  assert.match(run.stdout, /160 train \/ 32 test \/ 32 validation[\s\S]*source ViT d32·L2·h4 .*pretrained, .*timm-vit-d32-l2-h4\.safetensors/);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  for (const r of results.runs) assert.ok(r.evals.every((e: { validationAccuracy?: number }) => typeof e.validationAccuracy === 'number'), `${r.label} s${r.seed}: validation at every evaluation`);
  const stopAt = Math.max(...results.runs.filter((r: { method: string }) => r.method === 'scratch').map((r: { finalAccuracy: number }) => r.finalAccuracy));
  const grown = (seed: number) => results.runs.find((r: { label: string; seed: number }) => r.label === 'net2net' && r.seed === seed);
  assert.not.ok(grown(0).stoppedEarly, 'seed 0 trains the whole budget');
  const past = grown(1).evals.slice(1).findIndex((e: { accuracy: number }) => e.accuracy >= stopAt);
  if (past >= 0 && past + 2 < grown(1).evals.length + 1) {
    assert.ok(grown(1).stoppedEarly, 'seed 1 stopped once past the highest scratch final accuracy');
    assert.is(grown(1).evals.length, past + 2);
  }
  assert.equal(JSON.parse(readFileSync(join(out, 'spec.json'), 'utf8')).validation, 32);
  const otherOperator = mango('experiment', '--source-weights', fixture, '--heads', '4', '--target', join(dir, 'target.json'), '--methods', 'scratch',
    '--seeds', '2', '--data-dir', fashionMnistLikeFolder(192, 32), '--validation', '32', '--batch', '32', '--target-epochs', '2', '--lr', '0.01',
    '--evals', '4', '--stop-past-bar', '--op-steps', '7', '--out', out, '--backend', 'cpu');
  assert.is(otherOperator.status, 0, `no run has trained an operator yet, so its settings may still change: ${otherOperator.stderr}`);
  assert.match(otherOperator.stdout, /scratch seed 1: done earlier/);
  assert.is(JSON.parse(readFileSync(join(out, 'spec.json'), 'utf8')).operatorSteps, 7);

  const grownLr = join(dir, 'grown-lr');
  const withGrownLr = mango('experiment', '--source-weights', fixture, '--heads', '4', '--target', join(dir, 'target.json'), '--methods', 'scratch,net2net',
    '--seeds', '1', '--data-dir', fashionMnistLikeFolder(192, 32), '--batch', '32', '--target-epochs', '1', '--lr', '0.01', '--grown-lr', '0.004',
    '--warmup', '0', '--evals', '2', '--out', grownLr, '--backend', 'cpu');
  assert.is(withGrownLr.status, 0, withGrownLr.stderr);
  const peakLr = (run: string) => Math.max(...readFileSync(join(grownLr, run, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'train').map((e) => e.lr));
  assert.is(peakLr('scratch-s0'), 0.01, 'scratch trains at --lr');
  assert.is(peakLr('net2net-s0'), 0.004, 'a run from the source trains at --grown-lr');
  assert.is(JSON.parse(readFileSync(join(grownLr, 'spec.json'), 'utf8')).grownLr, 0.004);
});

test('experiment on a language model: savings on test loss and on validation loss, both tables and both plots', () => {
  const dir = mkdtempSync(join(tmpdir(), 'exp-lm-'));
  const words = 'the a of and to in was it her she he that not be with as had his for you'.split(' ');
  let state = 7;
  const word = () => words[(state = (state * 48271) % 2147483647) % words.length];
  const corpus = join(dir, 'corpus.txt');
  writeFileSync(corpus, Array.from({ length: 40 }, () => Array.from({ length: 400 }, word).join(' ')).join('\n\n'));
  const out = join(dir, 'run');
  const result = mango('experiment', '--source', 'lm-d16-l4', '--target', 'lm-d32-l4', '--data', 'text', '--data-dir', corpus, '--subset', '4000',
    '--methods', 'scratch,mango', '--seeds', '1', '--batch', '8', '--source-epochs', '1', '--target-epochs', '1', '--op-steps', '2', '--evals', '2',
    '--test-subset', '4', '--out', out, '--backend', 'cpu');
  assert.is(result.status, 0, result.stderr);
  const scratch = JSON.parse(readFileSync(join(out, 'scratch-s0', 'result.json'), 'utf8'));
  const last = scratch.evals.at(-1);
  assert.ok(Math.abs(last.validationLoss - last.loss) > 1e-4, 'the two splits differ, so the check below can tell them apart');
  assert.ok(result.stdout.includes(`mean final test loss): ${last.loss.toFixed(4)} nats/token`), result.stdout);
  assert.ok(result.stdout.includes(`The bar on validation loss:`) && result.stdout.includes(`mean final validation loss): ${last.validationLoss.toFixed(4)} nats/token`), result.stdout);
  assert.match(result.stdout, /wrote .*results\.md, results\.json, loss-vs-flops\.svg, validation-loss-vs-flops\.svg and per-run/);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  assert.is(results.metric, 'loss');
  assert.is(results.validation.metric, 'validation-loss');
  assert.ok(Math.abs(-results.validation.bar - last.validationLoss) < 1e-12);
  assert.match(readFileSync(join(out, 'results.md'), 'utf8'), /final test loss[\s\S]*## The bar on validation loss[\s\S]*\| mango-r1 \| 1 \(1\) \|/);
  assert.match(readFileSync(join(out, 'validation-loss-vs-flops.svg'), 'utf8'), /Validation loss vs training FLOPs[\s\S]*<path d="M/);
});

test.run();
