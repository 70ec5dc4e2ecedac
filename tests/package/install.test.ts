/**
 * The installable package: `npm pack` here, `npm install --omit=dev` of the tarball into an empty project,
 * then `npx mango` (compiled JavaScript, no tsx), a tiny train + grow, the API imported from a .mjs file,
 * and its types checked from a consumer's .ts file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fashionMnistLikeFolder } from '../helpers/idx-folder.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });

test('npm pack → npm install --omit=dev → npx mango, train + grow, import the API, typed', () => {
  const packed = mkdtempSync(join(tmpdir(), 'mango-pack-'));
  npm(['pack', '--pack-destination', packed, '--silent'], root);
  const tarball = join(packed, readdirSync(packed).find((f) => f.endsWith('.tgz'))!);
  const listing = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
  assert.ok(listing.includes('package/dist/cli/main.js') && listing.includes('package/dist/index.d.ts') && listing.includes('package/pretrained/fmnist-d16-l4.safetensors'));
  assert.not.ok(listing.some((f) => /^package\/(tests|bench|docs|scripts|\.ci)\//.test(f) || /\.ts$/.test(f) && !f.endsWith('.d.ts')), 'no tests, goldens, benches or TypeScript sources');

  const project = mkdtempSync(join(tmpdir(), 'mango-consumer-'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  npm(['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball], project);
  const env = { ...process.env, XDG_RUNTIME_DIR: '/tmp' };
  const npx = (...args: string[]) => spawnSync('npx', ['--no-install', 'mango', ...args], { cwd: project, encoding: 'utf8', env, timeout: 300_000 });
  const help = npx('--help');
  assert.is(help.status, 0, help.stderr);
  assert.match(help.stdout, /usage: mango <command>[\s\S]*train[\s\S]*grow/);
  assert.not.match(spawnSync('ls', [join(project, 'node_modules')], { encoding: 'utf8' }).stdout, /\btsx\b/, 'tsx (a devDependency) is not installed');
  assert.match(npx('--version').stdout, /^0\.\d+\.\d+\n$/);

  const data = fashionMnistLikeFolder(64, 32);
  const trained = npx('train', '--config', 'fmnist-d32-l2', '--data-dir', data, '--steps', '2', '--batch', '16', '--backend', 'cpu', '--out', 'run', '--weights-out', 'source.safetensors');
  assert.is(trained.status, 0, trained.stderr);
  assert.match(trained.stdout, /done: 2 steps/);
  const grown = npx('grow', '--from', 'source.safetensors', '--to', 'fmnist-d64-l4-h4', '--method', 'net2net', '--data-dir', data, '--backend', 'cpu', '--out', 'grown');
  assert.is(grown.status, 0, grown.stderr);
  assert.match(grown.stdout, /wrote grown\/grown\.safetensors/);

  writeFileSync(join(project, 'use.mjs'), `
import { engine, models, growth } from 'mango-grow';
import { ViT } from 'mango-grow/models';
await engine.setBackend('cpu');
const weights = models.loadViTWeights('grown/grown.safetensors');
const model = new ViT(weights.config);
model.loadState(weights.tensors);
const logits = await model.forward(engine.zeros([2, 1, 28, 28])).data();
console.log(JSON.stringify({ heads: weights.config.heads, logits: logits.length, methods: growth.growthMethods.length }));
`);
  const used = spawnSync(process.execPath, ['use.mjs'], { cwd: project, encoding: 'utf8', env });
  assert.is(used.status, 0, used.stderr);
  assert.equal(JSON.parse(used.stdout), { heads: 4, logits: 20, methods: 7 });

  writeFileSync(join(project, 'typed.ts'), `
import { models, growth, type engine } from 'mango-grow';
const config: models.ViTConfig = models.resolveConfig('fmnist-d32-l2');
const method: growth.GrowthMethod = 'mango';
export const shapes: Map<string, number[]> = models.vitParameterShapes(config);
export const backend: engine.Backend | undefined = undefined;
// @ts-expect-error: not a growth method
export const wrong: growth.GrowthMethod = 'magic';
export { method };
`);
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', 'typed.ts'],
    { cwd: project, encoding: 'utf8' });
  assert.is(tsc.status, 0, tsc.stdout + tsc.stderr);
});

test.run();
