import { closest, distance } from 'fastest-levenshtein';

/**
 * The closest of `candidates` to `input`, when it is close enough to be what
 * was meant: the one it spells in other letter case (`DATA` for `data`,
 * however many letters differ), a candidate it begins (`--base` for
 * `--base-url`), or one at most `maxEdits` away (by default a third of its
 * length, at least 2 edits for short words) that keeps at least one of its
 * characters: every character of `x` replaced is `id`, no slip of the keys.
 */
export function suggest(
  input: string,
  candidates: readonly string[],
  maxEdits = Math.max(2, Math.floor(input.length / 3)),
): string | undefined {
  if (candidates.length === 0 || input === '') return undefined;
  const lower = input.toLowerCase();
  const folded = candidates.filter((candidate) => candidate.toLowerCase() === lower);
  if (folded.length === 1) return folded[0];
  const prefixed = candidates.filter((candidate) => candidate.startsWith(input));
  if (prefixed.length === 1) return prefixed[0];
  const best = closest(input, candidates);
  const edits = distance(input, best);
  return edits <= maxEdits && edits < input.length ? best : undefined;
}

/** ` (did you mean "x"?)`, or nothing; `maxEdits` as {@link suggest} takes it. */
export function didYouMean(
  input: string,
  candidates: readonly string[],
  quote = '"',
  maxEdits?: number,
): string {
  const guess = suggest(input, candidates, maxEdits);
  return guess === undefined ? '' : ` (did you mean ${quote}${guess}${quote}?)`;
}
