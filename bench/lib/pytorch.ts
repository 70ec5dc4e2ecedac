/**
 * Runs one of bench/'s PyTorch scripts as a child of Debian's /usr/bin/python3 (python3-torch is for it, not
 * for a python3 earlier on PATH), parses the JSON line it prints last (a string says why it was skipped), and
 * judges it as a baseline for a table.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { blasFix, pytorchBaseline, torchNote, type TorchFacts } from './blas.ts';

export function runPytorch<T extends TorchFacts>(script: string, args: readonly string[]): T | string {
  const path = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const result = spawnSync('/usr/bin/python3', [path, ...args], { encoding: 'utf8', timeout: 600_000, maxBuffer: 16 << 20 });
  if (result.error || result.status !== 0) {
    const why = result.error?.message ?? result.stderr.trim().split('\n').pop() ?? `exit ${result.status}`;
    return `PyTorch skipped (${script}): ${why}${/No module named 'torch'/.test(why) ? `; install it with ${blasFix}` : ''}`;
  }
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as T;
}

export interface PytorchVerdict<T> {
  /** the child's report, or undefined where it was skipped */
  facts: T | undefined;
  /** whether a ratio against it may be printed (bench/lib/blas.ts: not against a reference or slow BLAS) */
  comparable: boolean;
  /** for the table's notes: which torch and BLAS ran, and why there is no ratio where there is none */
  notes: string[];
}

/** Judges a child's run for a table, and says on the console why a ratio is refused. */
export function judgePytorch<T extends TorchFacts>(run: T | string): PytorchVerdict<T> {
  if (typeof run === 'string') {
    console.warn(`[bench] ${run}`);
    return { facts: undefined, comparable: false, notes: [run] };
  }
  const baseline = pytorchBaseline(run.blas);
  if (baseline.comparable) return { facts: run, comparable: true, notes: [torchNote(run)] };
  console.warn(`[bench] ${baseline.reason}`);
  return { facts: run, comparable: false, notes: [torchNote(run), baseline.reason] };
}
