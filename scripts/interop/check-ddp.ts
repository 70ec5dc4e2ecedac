/**
 * The PyTorch continuation, end to end (run by .ci/run; needs Debian's python3-torch, which
 * `scripts/setup.sh --interop` installs): a short mango source run, grown with Net2Net, then continued by
 * `torchrun --nproc_per_node=2 scripts/interop/continue_ddp.py` (DDP over gloo on the CPU). Checks that the
 * continued run starts at the loss and accuracy mango measures for the grown file, that its loss falls, that
 * the two replicas end with the same weights, and that mango reads the file PyTorch wrote and measures what
 * PyTorch measured. Exits non-zero with the reason when a check fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setBackend } from '../../engine/index.ts';
import { loadViTWeights } from '../../models/checkpoint/weights.ts';
import { loadFashionMnist, subset } from '../../models/data/dataset.ts';
import { evaluate } from '../../models/train/evaluate.ts';
import { ViT } from '../../models/vit.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ddp-check-'));
const testImages = 1000;
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', env, timeout: 900_000, maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

function check(ok: boolean, what: string): void {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) process.exitCode = 1;
}

const mango = (...args: string[]) => run(process.execPath, [join(root, 'cli/mango.mjs'), ...args]);
mango('train', '--config', 'fmnist-d32-l2', '--steps', '60', '--subset', '8192', '--test-subset', '500', '--backend', 'cpu',
  '--out', join(dir, 'source-run'), '--weights-out', join(dir, 'source.safetensors'));
mango('grow', '--from', join(dir, 'source.safetensors'), '--to', 'fmnist-d64-l4-h4', '--method', 'net2net', '--backend', 'cpu', '--out', join(dir, 'grown'));
const grownPath = join(dir, 'grown', 'grown.safetensors');

const backend = await setBackend('cpu');
const test = subset(loadFashionMnist().test, testImages);
async function measure(path: string) {
  const weights = loadViTWeights(path);
  const model = new ViT(weights.config, { backend });
  model.loadState(weights.tensors);
  return evaluate(model, test);
}
const mangoStart = await measure(grownPath);

const continuedPath = join(dir, 'continued.safetensors');
// `--redirects 1 --tee 1`: Debian's torchrun (PyTorch 1.13 on Python 3.11) fails on its default of 0 (an
// IntFlag change in 3.11, fixed in PyTorch 2.0); with them each process's stdout reaches us prefixed "[defaultN]:".
const lines = run('torchrun', ['--standalone', '--nproc_per_node=2', '--redirects', '1', '--tee', '1', 'scripts/interop/continue_ddp.py', '--weights', grownPath,
  '--steps', '40', '--batch', '32', '--subset', '8192', '--test-subset', String(testImages), '--eval-every', '1000', '--out', continuedPath])
  .split('\n').map((l) => l.replace(/^\[default\d+\]:/, '')).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
const start = lines.find((l) => l.event === 'start')!;
const evals = lines.filter((l) => l.event === 'eval') as { step: number; test_accuracy: number; test_loss: number }[];
const losses = lines.filter((l) => l.event === 'train').map((l) => l.loss as number);
const done = lines.find((l) => l.event === 'done')!;

console.log(`grown model, mango: test loss ${mangoStart.loss.toFixed(6)}, accuracy ${(100 * mangoStart.accuracy).toFixed(2)}% on ${testImages} images`);
console.log(`PyTorch (${start.processes} processes, ${start.backend}): step 0 loss ${evals[0].test_loss.toFixed(6)}, accuracy ${(100 * evals[0].test_accuracy).toFixed(2)}%; after ${done.steps} steps ${evals.at(-1)!.test_loss.toFixed(6)}, ${(100 * evals.at(-1)!.test_accuracy).toFixed(2)}%`);
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
check(start.processes === 2 && start.backend === 'gloo', 'two processes over gloo');
check(Math.abs(evals[0].test_loss - mangoStart.loss) < 1e-4 && evals[0].test_accuracy === mangoStart.accuracy, 'the continued run starts where mango\'s evaluation of the grown file says');
check(mean(losses.slice(-8)) < mean(losses.slice(0, 8)), `training loss falls (first 8 steps ${mean(losses.slice(0, 8)).toFixed(4)} → last 8 ${mean(losses.slice(-8)).toFixed(4)})`);
check(evals.at(-1)!.test_loss < evals[0].test_loss, 'test loss after training is below the start');
check(done.replicas_agree === true, 'both replicas hold the same weights');
const mangoEnd = await measure(continuedPath);
check(Math.abs(mangoEnd.loss - evals.at(-1)!.test_loss) < 1e-4 && mangoEnd.accuracy === evals.at(-1)!.test_accuracy, 'mango reads the weights PyTorch wrote and measures what PyTorch measured');
