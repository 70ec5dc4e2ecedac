/** Writes a benchmark table as JSON and Markdown under bench/results/ (or $MANGO_BENCH_RESULTS), and prints it. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { flag } from '../../engine/flags.ts';

export interface Row {
  [column: string]: string | number;
}

/** A further table under the main one, with columns of its own (e.g. other units). */
export interface Table {
  title: string;
  rows: readonly Row[];
}

export function report(name: string, title: string, device: string, rows: readonly Row[], notes: string[] = [], tables: readonly Table[] = []): void {
  const given = flag('benchResults');
  const folder = given ? `${given.replace(/\/$/, '')}/` : fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(folder, { recursive: true });
  const cell = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v);
  const table = (rows: readonly Row[]) => {
    const columns = Object.keys(rows[0] ?? {});
    return [`| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${columns.map((c) => cell(r[c])).join(' | ')} |`)];
  };
  const markdown = [
    `# ${title}`, '', `Device: ${device}  `, `Date: ${new Date().toISOString()}`, '',
    ...table(rows), ...tables.flatMap((t) => ['', `## ${t.title}`, '', ...table(t.rows)]),
    ...(notes.length ? ['', ...notes] : []), '',
  ].join('\n');
  writeFileSync(`${folder}${name}.json`, JSON.stringify({ title, device, date: new Date().toISOString(), rows, ...(tables.length ? { tables } : {}), notes }, null, 2));
  writeFileSync(`${folder}${name}.md`, markdown);
  console.log(`\n${markdown}\nwrote ${folder}${name}.json and .md`);
}
