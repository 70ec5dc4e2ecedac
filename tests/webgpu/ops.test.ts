/**
 * Every engine op on the WebGPU backend against the CPU backend: random shapes, transposed (strided)
 * inputs and values; forward and gradients within 1e-4 relative; outputs poisoned with NaN first.
 */
import * as fc from 'fast-check';
import { test } from 'uvu';
import { compareBackends } from '../helpers/compare-backends.ts';
import { poisonedGpuBackend } from '../helpers/gpu.ts';
import { opCases } from '../helpers/op-cases.ts';

const gpu = await poisonedGpuBackend();
const gpuTest = gpu ? test : test.skip;

for (const { name, checks } of opCases) {
  gpuTest(`webgpu ${name} matches cpu`, async () => {
    await fc.assert(fc.asyncProperty(checks, fc.boolean(), async (list, strided) => {
      for (const check of list) await compareBackends(check, gpu!, strided);
    }), { numRuns: 12 });
  });
}

test.run();
