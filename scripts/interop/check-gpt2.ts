/**
 * Hugging Face GPT-2 interop, end to end (run by .ci/run; needs Debian's python3-torch from
 * `scripts/setup.sh --interop`): decoders mango writes with GPT-2 names — tied and untied head, and one grown
 * by Mango — load into a GPT2LMHeadModel-layout PyTorch module with strict=True and give mango's logits.
 * Exits non-zero with the reason when a check fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from '../../engine/index.ts';
import { grow } from '../../growth/grow.ts';
import { GPT } from '../../models/lm/gpt.ts';
import { saveGPTWeights } from '../../models/lm/gpt-weights.ts';
import type { GPTConfig } from '../../models/lm/gpt-config.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gpt2-check-'));
E.setBackend('cpu');

function check(ok: boolean, what: string): void {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) process.exitCode = 1;
}

const ids = [[5, 17, 3, 250, 99, 0, 42], [1, 2, 3, 4, 5, 6, 7]];
async function compare(model: GPT, label: string): Promise<void> {
  const path = join(dir, `${label}.safetensors`);
  await saveGPTWeights(path, model, { names: 'gpt2' });
  const result = spawnSync('/usr/bin/python3', [join(root, 'scripts/interop/load_gpt2_in_pytorch.py'), path, JSON.stringify(ids)], { encoding: 'utf8' });
  if (result.status !== 0) {
    check(false, `${label}: PyTorch could not load the file:\n${result.stderr}`);
    return;
  }
  const theirs = JSON.parse(result.stdout) as { strict: boolean; logits: number[] };
  const ours = E.noGrad(() => model.eval().forward({ ids: ids.flat(), batch: 2, length: 7 })).dataSync();
  const gap = theirs.logits.reduce((m, v, i) => Math.max(m, Math.abs(v - ours[i])), 0);
  check(theirs.strict && theirs.logits.length === ours.length && gap < 1e-4, `${label}: loads with strict=True, logits within ${gap.toExponential(1)} of mango's`);
}

const base: GPTConfig = { vocabSize: 256, context: 16, dim: 32, depth: 2, heads: 2, mlpRatio: 4, tiedHead: true, dropout: 0 };
await compare(new GPT(base, { seed: 1 }), 'tied');
await compare(new GPT({ ...base, tiedHead: false }, { seed: 2 }), 'untied');
const grown = await grow(new GPT(base, { seed: 3 }), { ...base, dim: 64, heads: 4, depth: 3 }, 'mango', { rank: 2, seed: 4 });
await compare(grown.target, 'mango-grown');
