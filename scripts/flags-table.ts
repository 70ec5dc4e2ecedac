/** Rewrites README.md's environment-variable table from engine/flags.ts (the test tests/engine/flags.test.ts checks they agree). */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { flagsMarkdown } from '../engine/flags.ts';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const text = readFileSync(readme, 'utf8');
const updated = text.replace(/(<!-- flags:start -->\n)[\s\S]*?(\n<!-- flags:end -->)/, `$1${flagsMarkdown()}$2`);
writeFileSync(readme, updated);
console.log(updated === text ? 'README.md: the table was up to date' : 'README.md: table rewritten');
