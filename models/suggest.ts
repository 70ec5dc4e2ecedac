/** "Did you mean …?" for a mistyped name: the closest known one, when it is close enough to be the intent. */
import { closest, distance } from 'fastest-levenshtein';

export function didYouMean(word: string, known: readonly string[]): string {
  if (known.length === 0) return '';
  const best = closest(word, [...known]);
  const limit = Math.max(2, Math.floor(best.length / 3));
  return distance(word, best) <= limit ? ` (did you mean "${best}"?)` : '';
}
