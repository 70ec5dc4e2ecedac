/**
 * A command's options, declared once: the same table gives node:util's parseArgs its options and prints
 * the help text, so a flag, its default and its description cannot drift apart.
 */
import { parseArgs } from 'node:util';
import { MangoError } from '../engine/index.ts';
import { didYouMean } from '../models/suggest.ts';

export interface OptionSpec {
  /** the flag without dashes, e.g. 'op-steps' */
  name: string;
  /** the value placeholder shown in help, e.g. '<n>'; absent for a boolean switch */
  value?: string;
  /** description; more lines continue under the first */
  help: string | readonly string[];
  /** the default as the help shows it, in brackets (applied by the command, not by parseArgs) */
  shows?: string;
  /** a default parseArgs applies (only where the command reads the value unconditionally) */
  default?: string | boolean;
  short?: string;
  /** options with the same group share one help row: the first one's description, all their flags */
  group?: string;
}

const flagColumn = 29;
const helpColumn = 56;

/** What parseArgs hands back for a table: strings (defined when defaulted) for valued options, booleans for switches. */
export type OptionValues<T extends readonly OptionSpec[]> = {
  [O in T[number] as O['name']]: O extends { value: string } ? (O extends { default: string } ? string : string | undefined) : boolean;
};

function parseTable<T extends readonly OptionSpec[]>(args: string[], table: T, allowPositionals: boolean): { values: OptionValues<T>; positionals: string[] } {
  const options = Object.fromEntries(table.map((o) => [o.name, {
    type: o.value === undefined ? 'boolean' as const : 'string' as const,
    ...(o.short ? { short: o.short } : {}),
    ...(o.default !== undefined ? { default: o.default } : o.value === undefined ? { default: false } : {}),
  }]));
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals });
    return { values: values as OptionValues<T>, positionals };
  } catch (error) {
    const unknown = (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && /option '(-{1,2}[^']+)'/.exec((error as Error).message)?.[1];
    if (!unknown) throw error;
    const name = unknown.replace(/^-+/, '').split('=')[0];
    throw new MangoError(`unknown option --${name}${didYouMean(name, table.map((o) => o.name))}`, 'see --help for the options of this command');
  }
}

export function parseOptions<const T extends readonly OptionSpec[]>(args: string[], table: T): OptionValues<T> {
  return parseTable(args, table, false).values;
}

/** For commands that take operands (e.g. `mango inspect <file>`, `mango plot <folder>`). */
export function parseOptionsWithPositionals<const T extends readonly OptionSpec[]>(args: string[], table: T): { values: OptionValues<T>; positionals: string[] } {
  return parseTable(args, table, true);
}

/** `usage` line, one row per option (or group), then any trailing lines. */
export function helpText(usage: string, table: readonly OptionSpec[], trailer: readonly string[] = []): string {
  const rows: string[] = [];
  const shownGroups = new Set<string>();
  for (const o of table) {
    if (o.group && shownGroups.has(o.group)) continue;
    const members = o.group ? table.filter((m) => m.group === o.group) : [o];
    if (o.group) shownGroups.add(o.group);
    const flags = members.map((m) => `${m.short ? `-${m.short}, ` : ''}--${m.name}${m.value ? ` ${m.value}` : ''}`).join(', ');
    const lines = typeof o.help === 'string' ? [o.help] : [...o.help];
    const first = o.shows !== undefined ? `${lines[0].padEnd(helpColumn)} [${o.shows}]` : lines[0];
    const left = `  ${flags}`;
    if (left.length + 1 > flagColumn) rows.push(left, ...[first, ...lines.slice(1)].map((l) => `${' '.repeat(flagColumn)}${l}`));
    else rows.push(`${left.padEnd(flagColumn)}${first}`, ...lines.slice(1).map((l) => `${' '.repeat(flagColumn)}${l}`));
  }
  return [usage, '', ...rows, ...trailer].join('\n');
}

export const helpOption = { name: 'help', short: 'h', help: 'this help' } as const satisfies OptionSpec;
