import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { summarize, markdownTable } from '../growth/experiment.ts';
const dir = process.argv[2];
const runs = readdirSync(dir).filter((d) => d !== 'source' && existsSync(join(dir, d, 'result.json'))).map((d) => JSON.parse(readFileSync(join(dir, d, 'result.json'), 'utf8')));
const s = summarize(runs);
console.log(markdownTable({ ...s, runs }, JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8'))));
for (const r of runs) console.log(r.label, r.seed, r.evals.map((e: any) => (100 * e.accuracy).toFixed(1)).join(' '));
