/**
 * The `Range` request header (RFC 9110 §14) for one representation of known
 * length: which bytes to send, if any.
 */

/** A run of bytes, both ends inclusive, as written in `Content-Range`. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * What to answer to a `Range` header:
 * - `full`: 200 with the whole representation: no header, a unit other than
 *   `bytes`, a syntactically invalid header (`bytes=5-2` included, as RFC 9110
 *   §14.1.1 calls a last position before the first invalid), several ranges
 *   that do not merge into one (no multipart/byteranges), or a suffix range of
 *   an empty file;
 * - `partial`: 206 with exactly these bytes and `Content-Range: bytes start-end/size`;
 * - `unsatisfiable`: 416 with `Content-Range: bytes *\/size`.
 */
export type RangeDecision =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly range: ByteRange }
  | { readonly kind: 'unsatisfiable' };

// range-unit is a token (RFC 9110 §14.1, §5.6.2); the set after "=" is checked element by element.
const RANGES_SPECIFIER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)=(.*)$/s;
const INT_RANGE = /^(\d+)-(\d*)$/;
const SUFFIX_RANGE = /^-(\d+)$/;
// OWS around list commas is space and horizontal tab only.
const LIST_SEPARATOR = /[ \t]*,[ \t]*/;

const FULL: RangeDecision = { kind: 'full' };

/**
 * Decides how to answer `Range: <header>` for a representation of `size`
 * bytes. Positions are compared as arbitrary-precision integers, so that a
 * hostile 400-digit position is neither rounded nor an error.
 */
export function decideByteRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return FULL;
  const specifier = RANGES_SPECIFIER.exec(header);
  if (specifier === null || specifier[1]?.toLowerCase() !== 'bytes') return FULL;
  // A list may hold empty elements ("0-1,,2-3"), which a recipient skips (RFC 9110 §5.6.1.2).
  const specs = (specifier[2] ?? '')
    .trim()
    .split(LIST_SEPARATOR)
    .filter((spec) => spec !== '');
  if (specs.length === 0) return FULL;

  const length = BigInt(size);
  const ranges: ByteRange[] = [];
  let emptySuffix = false;
  for (const spec of specs) {
    const int = INT_RANGE.exec(spec);
    if (int !== null) {
      const first = BigInt(int[1] ?? '');
      const last = int[2] === '' || int[2] === undefined ? undefined : BigInt(int[2]);
      if (last !== undefined && last < first) return FULL;
      if (first >= length) continue;
      const end = last === undefined || last >= length ? length - 1n : last;
      ranges.push({ start: Number(first), end: Number(end) });
      continue;
    }
    const suffix = SUFFIX_RANGE.exec(spec);
    if (suffix === null) return FULL;
    const count = BigInt(suffix[1] ?? '');
    if (count === 0n) continue;
    // A non-zero suffix is satisfiable by definition; of an empty file it selects nothing to send.
    if (length === 0n) {
      emptySuffix = true;
      continue;
    }
    ranges.push({ start: Number(count >= length ? 0n : length - count), end: size - 1 });
  }
  if (ranges.length === 0) return emptySuffix ? FULL : { kind: 'unsatisfiable' };
  const merged = mergeRanges(ranges);
  // Ranges that stay apart would need multipart/byteranges; the whole file answers them instead.
  return merged.length === 1 && merged[0] !== undefined ? { kind: 'partial', range: merged[0] } : FULL;
}

/** Sorts ranges and merges those that overlap or touch, as RFC 9110 §14.2 lets a server do. */
function mergeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && range.start <= last.end + 1)
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, range.end) };
    else merged.push(range);
  }
  return merged;
}

/** The `Content-Range` value of a 206 answer. */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

/** The `Content-Range` value of a 416 answer. */
export function unsatisfiedContentRange(size: number): string {
  return `bytes */${size}`;
}
