import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { flag, flagDeclarations, flagsMarkdown, withFlags } from '../../engine/flags.ts';

test('every MANGO_* variable the code reads is declared in engine/flags.ts, and only there', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const grep = spawnSync('grep', ['-rn', 'process\\.env\\.MANGO_\\|process\\.env\\[', '--include=*.ts', '--include=*.mjs', 'engine', 'models', 'growth', 'experiments', 'cli', 'io', 'bench'], { cwd: root, encoding: 'utf8' });
  assert.ok(grep.status === 0 || grep.status === 1, `grep failed: ${grep.stderr}`);
  const reads = grep.stdout.split('\n').filter((line) => line && !line.startsWith('engine/flags.ts:')).join('\n');
  assert.is(reads.trim(), '', `environment read outside engine/flags.ts:\n${reads}`);
  const names = Object.values(flagDeclarations).map((d) => d.env);
  assert.is(new Set(names).size, names.length, 'one declaration per variable');
  assert.ok(names.every((n) => n.startsWith('MANGO_')));
});

test('withFlags overrides (nested, sync and async) and restores', async () => {
  const outer = flag('fusedAttentionMaxKeys');
  withFlags({ fusedAttentionMaxKeys: 7 }, () => {
    assert.is(flag('fusedAttentionMaxKeys'), 7);
    withFlags({ fusedAttentionMaxKeys: 9 }, () => assert.is(flag('fusedAttentionMaxKeys'), 9));
    assert.is(flag('fusedAttentionMaxKeys'), 7);
  });
  await withFlags({ reduceVariant: 'workgroup' }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    assert.is(flag('reduceVariant'), 'workgroup');
  });
  assert.is(flag('fusedAttentionMaxKeys'), outer);
  assert.throws(() => withFlags({ supervise: false }, () => { throw new Error('boom'); }), /boom/);
  assert.is(flag('supervise'), flagDeclarations.supervise.parse(process.env.MANGO_SUPERVISE));
});

test('parsing keeps the documented defaults', () => {
  assert.is(flagDeclarations.fusedAttentionMaxKeys.parse(undefined), 96);
  assert.is(flagDeclarations.fusedAttentionMaxKeys.parse('0'), 96);
  assert.is(flagDeclarations.fusedCausalAttentionMaxKeys.parse(undefined), 128);
  assert.is(flagDeclarations.autotune.parse('1'), true);
  assert.is(flagDeclarations.autotune.parse('0'), false);
  assert.is(flagDeclarations.autotune.parse('yes'), undefined);
  assert.equal(flagDeclarations.gpuFlags.parse(' a, b ,,'), ['a', 'b']);
  assert.is(flagDeclarations.matmulDesign.parse('tiled'), 'tiled');
  assert.is(flagDeclarations.matmulDesign.parse('other'), undefined);
  assert.is(flagDeclarations.maxRestarts.parse(undefined), 3);
});

test("README's environment table is generated from the declarations", () => {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  const table = readme.match(/<!-- flags:start -->\n([\s\S]*?)\n<!-- flags:end -->/)?.[1];
  assert.is(table, flagsMarkdown(), 'run `npx tsx scripts/flags-table.ts`');
});

test.run();
