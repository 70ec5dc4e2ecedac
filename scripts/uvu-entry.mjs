// Loads the given uvu test files in one process (like uvu's CLI, but TypeScript through tsx), runs them,
// then closes the shared GPU device so the process exits promptly.
import { pathToFileURL } from 'node:url';

globalThis.UVU_DEFER = 1;
// Property failures then show the assertion that failed, not only the counterexample.
const fc = await import('fast-check');
fc.configureGlobal({ includeErrorInReport: true });
const uvu = await import('uvu');
let index = 0;
for (const file of process.argv.slice(2)) {
  globalThis.UVU_INDEX = index++;
  globalThis.UVU_QUEUE.push([file.replace(/^.*\/tests\//, 'tests/')]);
  await import(pathToFileURL(file).href);
}
await uvu.exec(false);
const { closeSharedGpu } = await import('../tests/helpers/gpu.ts');
closeSharedGpu();
