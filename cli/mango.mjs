#!/usr/bin/env node
// The `mango` binary. In a source checkout it runs the TypeScript CLI through tsx (a devDependency); an
// installed package has no main.ts beside this file and runs the compiled JavaScript in dist/.
import { existsSync } from 'node:fs';

if (existsSync(new URL('./main.ts', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
} else {
  await import('../dist/cli/main.js');
}
