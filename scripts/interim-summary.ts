/**
 * `npx tsx scripts/interim-summary.ts <experiment folder>`: the savings table (with intervals) of the runs an
 * experiment has finished so far, while it still runs (the experiment writes results.md only at its end).
 * Only seeds with a finished scratch run count, and a method's interval only over the seeds it has finished.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJson } from '../io/files.ts';
import type { RunRecord } from '../experiments/summary.ts';
import { reportMarkdown, reportSummaries } from '../experiments/report.ts';
import type { ModelConfig } from '../models/architecture.ts';

const folder = process.argv[2];
if (!folder) throw new Error('usage: npx tsx scripts/interim-summary.ts <experiment folder>');
const spec = readJson<{ source: ModelConfig; target: ModelConfig }>(join(folder, 'spec.json'))!;
const runs = readdirSync(folder).map((name) => readJson<RunRecord>(join(folder, name, 'result.json'))).filter((r): r is RunRecord => r !== undefined && r.method !== undefined);
const order = (r: RunRecord) => [r.method !== 'scratch', r.label, r.seed] as const;
runs.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
console.log(`${runs.length} finished runs: ${runs.map((r) => `${r.label}-s${r.seed}`).join(', ')}\n`);
console.log(reportMarkdown(spec, reportSummaries(spec, runs)));
