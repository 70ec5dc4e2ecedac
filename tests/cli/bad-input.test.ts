/**
 * Bad arguments are reported before any data loads or the GPU starts (the dataset here does not exist, so a
 * later check would show instead), with the problem and the fix, no stack trace, and nothing written.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const bin = fileURLToPath(new URL('../../cli/mango.mjs', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/timm-vit-d32-l2-h4.safetensors', import.meta.url));
const files = mkdtempSync(join(tmpdir(), 'bad-input-files-'));
const json = (name: string, value: object) => { const p = join(files, name); writeFileSync(p, JSON.stringify(value)); return p; };
const fmnist = { imageSize: 28, channels: 1, patchSize: 7, mlpRatio: 4, classes: 10 };
const unknownKey = json('unknown-key.json', { ...fmnist, dim: 32, depth: 2, heads: 2, mlp_ratio: 4 });
const tiny = json('tiny.json', { ...fmnist, dim: 16, depth: 2, heads: 2 });
const twiceAsWide = json('twice-as-wide.json', { ...fmnist, dim: 64, depth: 2, heads: 8 });
const pth = join(files, 'model.pth');
writeFileSync(pth, Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5, 6, 7, 8]));

const cases: [string, string[], RegExp][] = [
  ['train --lr abc', ['train', '--lr', 'abc'], /--lr must be a number > 0 \(got "abc"\)[\s\S]*fix:/],
  ['train --lr -1', ['train', '--lr', '-1'], /--lr must be a number > 0 \(got "-1"\)/],
  ['train --steps -5', ['train', '--steps', '-5'], /--steps must be an integer ≥ 1 \(got "-5"\)/],
  ['train --backend metal', ['train', '--backend', 'metal'], /unknown --backend "metal"[\s\S]*fix: use webgpu or cpu/],
  ['train --optimizer adam', ['train', '--optimizer', 'adam'], /unknown --optimizer "adam"[\s\S]*fix: use adamw or sgd/],
  ['train: unknown key in a JSON config', ['train', '--config', unknownKey], /has unknown field\(s\) "mlp_ratio"[\s\S]*fix: the fields are imageSize, channels/],
  ['train --clip -1', ['train', '--clip=-1'], /--clip must be a number ≥ 0/],
  ['grow --rank 0', ['grow', '--from', fixture, '--heads', '4', '--to', 'fmnist-d64-l4-h4', '--rank', '0'], /--rank must be an integer ≥ 1 \(got "0"\)/],
  ['grow --width-init clone', ['grow', '--from', fixture, '--heads', '4', '--to', 'fmnist-d64-l4-h4', '--width-init', 'clone'], /--width-init must be copy or mix \(got "clone"\)/],
  ['grow --width-init with a method that has its own init', ['grow', '--from', fixture, '--heads', '4', '--to', twiceAsWide, '--method', 'ligo', '--width-init', 'mix'], /--width-init is Mango's; ligo has its own init[\s\S]*fix:/],
  ['grow --op-lr 0', ['grow', '--from', fixture, '--heads', '4', '--to', 'fmnist-d64-l4-h4', '--op-lr', '0'], /--op-lr must be a number > 0/],
  ['grow: a target smaller than the source', ['grow', '--from', fixture, '--heads', '4', '--to', tiny], /cannot grow d32·L2 into the smaller d16·L2[\s\S]*fix:/],
  ['grow: an unknown method', ['grow', '--from', fixture, '--heads', '4', '--to', 'fmnist-d64-l4-h4', '--method', 'magic'], /unknown growth method "magic"[\s\S]*fix: use one of: mango/],
  ['grow --backend tpu', ['grow', '--from', fixture, '--heads', '4', '--to', 'fmnist-d64-l4-h4', '--backend', 'tpu'], /unknown --backend "tpu"/],
  ['grow: a .pth file', ['grow', '--from', pth, '--to', 'fmnist-d64-l4-h4'], /model\.pth is a zip archive \(PyTorch's torch\.save format[\s\S]*not a safetensors file[\s\S]*fix: [\s\S]*save_file/],
  ['grow: no --from', ['grow', '--to', 'fmnist-d64-l4-h4'], /grow needs --from/],
  ['experiment: an unknown method', ['experiment', '--methods', 'scratch,magic'], /unknown method "magic" in --methods/],
  ['experiment: a target smaller than the source', ['experiment', '--source', 'fmnist-d64-l4', '--target', 'fmnist-d32-l4', '--methods', 'net2net'], /cannot grow d64·L4 into the smaller d32·L4/],
  ['experiment --lr -1', ['experiment', '--lr', '-1'], /--lr must be a number > 0/],
  ['experiment --seeds 0', ['experiment', '--seeds', '0'], /--seeds must be an integer ≥ 1/],
  ['experiment: head dimension change for a head-wise method', ['experiment', '--source', 'fmnist-d32-l4', '--target', 'fmnist-d64-l4', '--methods', 'bert2bert-fpi'], /same head dimension/],
];

for (const [name, args, message] of cases) {
  test(`${name}: a clear error before any work, nothing written`, () => {
    const cwd = mkdtempSync(join(tmpdir(), 'bad-input-'));
    const run = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, XDG_RUNTIME_DIR: '/tmp', MANGO_DATA_DIR: '/nonexistent-dataset' } });
    assert.ok(run.status === 1 || run.status === 2, `exit status ${run.status}`);
    assert.match(run.stderr, message);
    assert.not.match(run.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
    assert.equal(readdirSync(cwd), [], 'nothing written');
  });
}

test('mango inspect | a reader that stops early: no EPIPE stack trace', () => {
  const run = spawnSync('bash', ['-c', `"${process.execPath}" "${bin}" inspect "${fixture}" | true`], { encoding: 'utf8', timeout: 60_000 });
  assert.is(run.status, 0);
  assert.is(run.stderr, '');
});

test.run();
