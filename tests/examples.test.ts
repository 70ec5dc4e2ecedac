/** The README's library example is examples/grow.ts verbatim (which `npm test`'s typecheck compiles), so it cannot rot. */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

test('README "Library use" block = examples/grow.ts', () => {
  const block = /## Library use \(TypeScript\)\n```ts\n([\s\S]*?)```/.exec(read('README.md'))?.[1];
  assert.ok(block, 'the README has the block');
  const example = read('examples/grow.ts').split('\n').slice(1).join('\n').replaceAll("from '../index.ts'", "from 'mango-grow'");
  assert.fixture(block!, example);
});

test.run();
