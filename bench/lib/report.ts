/** Writes a benchmark table as JSON and Markdown under bench/results/ (or $MANGO_BENCH_RESULTS), and prints it. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { flag } from '../../engine/flags.ts';

export interface Row {
  [column: string]: string | number;
}

export function report(name: string, title: string, device: string, rows: readonly Row[], notes: string[] = []): void {
  const given = flag('benchResults');
  const folder = given ? `${given.replace(/\/$/, '')}/` : fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(folder, { recursive: true });
  const columns = Object.keys(rows[0] ?? {});
  const cell = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v);
  const markdown = [
    `# ${title}`, '', `Device: ${device}  `, `Date: ${new Date().toISOString()}`, '',
    `| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${columns.map((c) => cell(r[c])).join(' | ')} |`),
    ...(notes.length ? ['', ...notes] : []), '',
  ].join('\n');
  writeFileSync(`${folder}${name}.json`, JSON.stringify({ title, device, date: new Date().toISOString(), rows, notes }, null, 2));
  writeFileSync(`${folder}${name}.md`, markdown);
  console.log(`\n${markdown}\nwrote ${folder}${name}.json and .md`);
}
