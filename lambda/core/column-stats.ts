import type { ColumnType } from './coerce.js';
import type { Column, Row } from './row-schema.js';

/**
 * Column statistics of one version, computed while publishing in one streamed
 * pass over the key-sorted rows (two when the number and date ranges are not
 * known ahead, see {@link ColumnRanges}) with memory bounded whatever the row
 * count: distinct values are counted exactly up to {@link STATS_LIMITS.distinct}
 * (numbers as themselves, other values as 53-bit hashes of their text, never
 * the text), the most common values are tracked with the space-saving
 * algorithm in {@link STATS_LIMITS.counters} counters (exact while the column
 * has no more distinct values than that), and numbers and dates are sorted
 * into {@link STATS_LIMITS.bins} equal bins between the minimum and maximum.
 */
export const STATS_LIMITS = {
  distinct: 10_000,
  counters: 64,
  topValues: 5,
  bins: 10,
  /** Characters of a value kept for display; longer values are counted whole (by hash) and shown cut. */
  shownChars: 120,
} as const;

/** What is known about one column (published in `stats.json`). */
export interface ColumnStats {
  readonly name: string;
  readonly type: ColumnType;
  /** Rows with a value. */
  readonly count: number;
  /** Rows without one (an empty cell). */
  readonly missing: number;
  /** Distinct values, exact; absent past {@link STATS_LIMITS.distinct}, when `distinctAtLeast` says so. */
  readonly distinct?: number;
  readonly distinctAtLeast?: number;
  /** Numbers and dates: the smallest and largest value. */
  readonly min?: number | string;
  readonly max?: number | string;
  /** Numbers and dates: how many values fall in each of equal bins from `min` to `max` (the last bin includes `max`). */
  readonly histogram?: readonly number[];
  /** Text and booleans: the most common values, most common first. */
  readonly top?: readonly { readonly value: string; readonly count: number }[];
  /** Whether `top` counts are exact (false once the column outgrew the counters: they are then upper bounds). */
  readonly topExact?: boolean;
}

/** `stats.json`. */
export interface StatsDocument {
  readonly rows: number;
  readonly columns: readonly ColumnStats[];
}

/** A 53-bit hash of a string (cyrb53): distinct values are counted by hash, so no value is ever held. */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

interface Counter {
  shown: string;
  count: number;
}

class Accumulator {
  count = 0;
  missing = 0;
  private readonly seen = new Set<number>();
  private overflow = false;
  min: number | string | undefined;
  max: number | string | undefined;
  private readonly counters = new Map<number, Counter>();
  private evicted = false;
  histogram: number[] | undefined;
  /** Numbers and dates get a range and a histogram; text and booleans get common values. */
  private readonly ordered: boolean;

  constructor(readonly column: Column) {
    this.ordered = isOrdered(column);
  }

  /**
   * Takes a number or date column's range from `ranges` before the read, so that {@link bin} can
   * run in the same read as {@link add}; false for other columns and for a column with no value.
   */
  knowRange(ranges: ColumnRanges): boolean {
    const range = this.ordered ? ranges.of(this.column.name) : undefined;
    if (range === undefined) return false;
    this.binRange = range;
    return true;
  }

  /** The range values are binned in: given ahead by {@link knowRange}, or the first pass's. */
  private binRange: { min: number | string; max: number | string } | undefined;

  add(value: string | number | boolean | undefined): void {
    if (value === undefined) {
      this.missing++;
      return;
    }
    this.count++;
    if (this.ordered) {
      // A number is its own key (a Set tells numbers apart exactly, -0 and 0 as one, as their text
      // does), so neither its text nor a hash is made; past the limit no key is needed at all.
      if (!this.overflow) this.see(typeof value === 'number' ? value : hash53(String(value)));
      widen(this, value as number | string);
      return;
    }
    const text = String(value);
    const key = hash53(text);
    if (!this.overflow) this.see(key);
    // Space-saving: a new value takes over the smallest counter (the oldest of the smallest), inheriting
    // its count as an upper bound.
    const counter = this.counters.get(key);
    if (counter !== undefined) {
      if (
        this.smallest !== undefined &&
        counter.count === this.smallest.count &&
        --this.smallest.holders === 0
      )
        this.smallest = undefined;
      counter.count++;
    } else if (this.counters.size < STATS_LIMITS.counters) {
      this.counters.set(key, { shown: text.slice(0, STATS_LIMITS.shownChars), count: 1 });
      this.smallest = undefined;
    } else {
      this.smallest ??= this.findSmallest();
      const { count } = this.smallest;
      for (const [oldKey, old] of this.counters) {
        if (old.count !== count) continue;
        this.counters.delete(oldKey);
        this.counters.set(key, { shown: text.slice(0, STATS_LIMITS.shownChars), count: count + 1 });
        this.evicted = true;
        if (--this.smallest.holders === 0) this.smallest = undefined;
        break;
      }
    }
  }

  /** Counts a distinct value by its key, until there are more than {@link STATS_LIMITS.distinct}. */
  private see(key: number): void {
    this.seen.add(key);
    if (this.seen.size > STATS_LIMITS.distinct) {
      this.overflow = true;
      this.seen.clear();
    }
  }

  /**
   * The smallest count among the counters and how many hold it, kept between values so that a column
   * of mostly new values (an id, a free-text note) finds the counter to replace at the front of the
   * map instead of scanning all of them for each value; found again by one scan once no counter
   * holds that count any more.
   */
  private smallest: { count: number; holders: number } | undefined;

  private findSmallest(): { count: number; holders: number } {
    let count = Infinity;
    let holders = 0;
    for (const counter of this.counters.values()) {
      if (counter.count < count) [count, holders] = [counter.count, 1];
      else if (counter.count === count) holders++;
    }
    return { count, holders };
  }

  /** Second pass: the bin of each number or date between the minimum and the maximum. */
  bin(value: string | number | boolean | undefined): void {
    if (value === undefined) return;
    const bounds = this.bounds();
    if (bounds === undefined) return;
    this.histogram ??= new Array<number>(STATS_LIMITS.bins).fill(0);
    const { low, high } = bounds;
    const at = this.position(value as number | string);
    // Halved where the span overflows (values near ±1.8e308): the same fraction, as halving is exact.
    const span = high - low;
    const fraction = Number.isFinite(span) ? (at - low) / span : (at / 2 - low / 2) / (high / 2 - low / 2);
    const index =
      high === low ? 0 : Math.min(STATS_LIMITS.bins - 1, Math.floor(fraction * STATS_LIMITS.bins));
    this.histogram[index] = (this.histogram[index] ?? 0) + 1;
  }

  #bounds: { low: number; high: number } | undefined;

  /** The binned range's ends as positions, worked out once. */
  private bounds(): { low: number; high: number } | undefined {
    if (this.#bounds !== undefined) return this.#bounds;
    const range =
      this.binRange ??
      (this.min === undefined || this.max === undefined ? undefined : { min: this.min, max: this.max });
    if (range === undefined) return undefined;
    this.#bounds = { low: this.position(range.min), high: this.position(range.max) };
    return this.#bounds;
  }

  /** Dates binned by day number, numbers by value. */
  private position(value: number | string): number {
    return typeof value === 'number' ? value : Date.parse(`${value}T00:00:00Z`) / 86_400_000 || 0;
  }

  result(): ColumnStats {
    const top = [...this.counters.values()]
      .sort((a, b) => b.count - a.count || (a.shown < b.shown ? -1 : a.shown > b.shown ? 1 : 0))
      .slice(0, STATS_LIMITS.topValues)
      .map(({ shown, count }) => ({ value: shown, count }));
    return {
      name: this.column.name,
      type: this.column.type,
      count: this.count,
      missing: this.missing,
      ...(this.overflow ? { distinctAtLeast: STATS_LIMITS.distinct } : { distinct: this.seen.size }),
      ...(this.ordered && this.min !== undefined ? { min: this.min, max: this.max } : {}),
      ...(this.histogram === undefined ? {} : { histogram: this.histogram }),
      ...(this.ordered ? {} : { top, topExact: !this.evicted }),
    };
  }
}

/**
 * The smallest and largest value of each number and date column, taken while the rows pass by in
 * any order (validation sees them in file order): with them known, {@link columnStats} bins the
 * histogram in the same read as everything else instead of reading the rows a second time. The
 * statistics' own comparison ({@link widen}), so the range is exactly the one a first pass finds.
 */
export class ColumnRanges {
  readonly #columns: readonly {
    readonly name: string;
    min: number | string | undefined;
    max: number | string | undefined;
  }[];

  constructor(columns: readonly Column[]) {
    this.#columns = columns
      .filter((column) => isOrdered(column))
      .map((column) => ({ name: column.name, min: undefined, max: undefined }));
  }

  add(rows: readonly Row[]): void {
    for (const range of this.#columns)
      for (const row of rows) {
        const value = row[range.name] as number | string | undefined;
        if (value === undefined) continue;
        widen(range, value);
      }
  }

  /** The range of a number or date column, `undefined` while it has no value. */
  of(name: string): { min: number | string; max: number | string } | undefined {
    const range = this.#columns.find((column) => column.name === name);
    return range?.min === undefined || range.max === undefined
      ? undefined
      : { min: range.min, max: range.max };
  }
}

/** Widens a running minimum and maximum to take in `value`: the one comparison of the statistics and of {@link ColumnRanges}. */
function widen(
  range: { min: number | string | undefined; max: number | string | undefined },
  value: number | string,
): void {
  if (range.min === undefined || value < range.min) range.min = value;
  if (range.max === undefined || value > range.max) range.max = value;
}

function isOrdered(column: Column): boolean {
  return column.type === 'integer' || column.type === 'number' || column.type === 'date';
}

/**
 * Computes every column's statistics from rows that can be read again, a batch at a time: in one
 * read when the number and date columns' `ranges` are known (see {@link ColumnRanges}), else in
 * two, the second binning values between the first's minimum and maximum. Both give the same result.
 */
export async function columnStats(
  columns: readonly Column[],
  rows: { open(): AsyncIterable<readonly Row[]> },
  ranges?: ColumnRanges,
): Promise<StatsDocument> {
  const accumulators = columns.map((column) => new Accumulator(column));
  const known =
    ranges === undefined ? [] : accumulators.filter((accumulator) => accumulator.knowRange(ranges));
  let count = 0;
  for await (const batch of rows.open()) {
    for (const row of batch) {
      count++;
      for (const accumulator of accumulators) accumulator.add(row[accumulator.column.name]);
      for (const accumulator of known) accumulator.bin(row[accumulator.column.name]);
    }
  }
  const binned = accumulators.filter(
    (accumulator) => accumulator.min !== undefined && !known.includes(accumulator),
  );
  if (binned.length > 0)
    for await (const batch of rows.open())
      for (const row of batch)
        for (const accumulator of binned) accumulator.bin(row[accumulator.column.name]);
  return { rows: count, columns: accumulators.map((accumulator) => accumulator.result()) };
}
