/**
 * Settings a run recorded, against the ones asked for now. Resuming a run (or adding runs to an experiment)
 * with other settings would silently mix two experiments, so callers refuse and name what differs.
 */
import { MangoError } from '../../engine/index.ts';

type Settings = Record<string, unknown>;

const isObject = (v: unknown): v is Settings => v !== null && typeof v === 'object' && !Array.isArray(v);
const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));

/** "lr: 0.001 → 0.002", "source.heads: 2 → 4" for every field that differs; nested objects are compared field by field. */
export function settingDifferences(recorded: Settings, now: Settings, prefix = ''): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(recorded), ...Object.keys(now)])) {
    const [a, b] = [recorded[key], now[key]];
    if (isObject(a) && isObject(b)) out.push(...settingDifferences(a, b, `${prefix}${key}.`));
    else if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${prefix}${key}: ${show(a)} → ${show(b)}`);
  }
  return out;
}

/** Settings differ from the ones a run in the same folder was made with. */
export class SettingsMismatchError extends MangoError {}

export function checkSameSettings(what: string, recorded: Settings, now: Settings, fix: string): void {
  const differences = settingDifferences(recorded, now);
  if (differences.length) {
    throw new SettingsMismatchError(`${what} was made with other settings (recorded → now): ${differences.join('; ')}`, `${fix}; nothing was changed`);
  }
}
