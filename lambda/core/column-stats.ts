import type { ColumnType } from './coerce.js';
import type { NumberLog } from './number-log.js';
import type { Column, Row } from './row-schema.js';

/**
 * Column statistics of one version, computed while publishing in one streamed
 * pass over the key-sorted rows (as validation sees them, for a file in key
 * order, see {@link StreamedColumnStats}; else from the sorted rows, two passes
 * when the number and date ranges are not known ahead, see {@link ColumnRanges})
 * with memory bounded whatever the row count: distinct values are counted exactly up to {@link STATS_LIMITS.distinct}
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
  readonly top?: readonly {
    readonly value: string;
    readonly count: number;
    /**
     * Once `topExact` is false: how many of the `count` the value is known to have had (the count less what
     * its counter inherited when it took another's place). The true count lies from `atLeast` to `count`.
     */
    readonly atLeast?: number;
    /**
     * The value is longer than {@link STATS_LIMITS.shownChars} characters and `value` is only its start: it
     * matches no cell as it stands, and two values that begin alike are shown alike (each counted on its own).
     */
    readonly cut?: true;
  }[];
  /** Whether `top` counts are exact (false once the column outgrew the counters: they are then upper bounds). */
  readonly topExact?: boolean;
}

/** `stats.json`. */
export interface StatsDocument {
  readonly rows: number;
  readonly columns: readonly ColumnStats[];
}

/**
 * The first {@link STATS_LIMITS.shownChars} characters of a longer value, one fewer where the cut would split
 * a surrogate pair (so that `stats.json` holds no half of a character).
 */
function shownStart(text: string): string {
  const end = STATS_LIMITS.shownChars;
  const last = text.charCodeAt(end - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? end - 1 : end);
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

/**
 * The space-saving counters of one column: at most {@link STATS_LIMITS.counters} values with their counts,
 * in the order a `Map` would keep them (a counter that takes over another's place goes last). Held in fixed
 * arrays and a linked list of slots, so that a column of mostly new values (an id, a free-text note), where
 * nearly every value replaces a counter, allocates nothing per value beyond its key in the index.
 */
export class SpaceSaving {
  readonly #capacity = STATS_LIMITS.counters;
  /**
   * A value's hash → its slot + 1 (0: none), open addressing with linear probing at twice the counters,
   * rather than a `Map`, whose table a delete and a set per value would have rebuilt again and again.
   */
  readonly #index = new Int32Array(2 * STATS_LIMITS.counters);
  readonly #keys = new Float64Array(this.#capacity);
  readonly #counts = new Float64Array(this.#capacity);
  /** What each counter inherited when its value took another's place: its count's possible overstatement. */
  readonly #errors = new Float64Array(this.#capacity);
  readonly #shown: string[] = [];
  /** 1 where the value was longer than {@link STATS_LIMITS.shownChars} and `#shown` holds its start. */
  readonly #cut = new Uint8Array(this.#capacity);
  /** The slots in the order the counters were made: a list through `#next` and `#previous`, -1 at its ends. */
  readonly #next = new Int32Array(this.#capacity).fill(-1);
  readonly #previous = new Int32Array(this.#capacity).fill(-1);
  #head = -1;
  #tail = -1;
  #used = 0;
  /** Whether a counter was ever replaced: the counts are then upper bounds. */
  evicted = false;
  /**
   * The smallest count among the counters and how many hold it, kept between values so that the counter
   * to replace is found from the front of the list instead of scanning every one for each value; found
   * again by one scan once no counter holds that count any more.
   */
  #smallest = -1;
  #holders = 0;

  /**
   * Counts one occurrence of the value with hash `key`, shown as `text`: `true` when a counter held the
   * value already, `false` when it takes one now.
   */
  add(key: number, text: string): boolean {
    const slot = this.#find(key);
    if (slot !== -1) {
      if (this.#counts[slot] === this.#smallest && --this.#holders === 0) this.#smallest = -1;
      this.#counts[slot] = (this.#counts[slot] ?? 0) + 1;
      return true;
    }
    if (this.#used < this.#capacity) {
      this.#place(this.#used++, key, text, 1, 0);
      this.#smallest = -1;
      return false;
    }
    // Space-saving: a new value takes over the oldest of the smallest counters, inheriting its count as an
    // upper bound.
    if (this.#smallest === -1) this.#findSmallest();
    let victim = this.#head;
    while (this.#counts[victim] !== this.#smallest) victim = this.#next[victim] ?? -1;
    this.#forget(victim);
    this.#unlink(victim);
    this.#place(victim, key, text, this.#smallest + 1, this.#smallest);
    this.evicted = true;
    if (--this.#holders === 0) this.#smallest = -1;
    return false;
  }

  /** The counters in the order they were made: each value, its count and what the count inherited. */
  counters(): { shown: string; count: number; error: number; cut: boolean }[] {
    const counters: { shown: string; count: number; error: number; cut: boolean }[] = [];
    for (let slot = this.#head; slot !== -1; slot = this.#next[slot] ?? -1)
      counters.push({
        shown: this.#shown[slot] ?? '',
        count: this.#counts[slot] ?? 0,
        error: this.#errors[slot] ?? 0,
        cut: this.#cut[slot] === 1,
      });
    return counters;
  }

  #place(slot: number, key: number, text: string, count: number, error: number): void {
    this.#errors[slot] = error;
    this.#keys[slot] = key;
    this.#counts[slot] = count;
    const cut = text.length > STATS_LIMITS.shownChars;
    this.#cut[slot] = cut ? 1 : 0;
    this.#shown[slot] = cut ? shownStart(text) : text;
    let at = this.#home(key);
    while (this.#index[at] !== 0) at = (at + 1) & (this.#index.length - 1);
    this.#index[at] = slot + 1;
    this.#previous[slot] = this.#tail;
    this.#next[slot] = -1;
    if (this.#tail === -1) this.#head = slot;
    else this.#next[this.#tail] = slot;
    this.#tail = slot;
  }

  /** Where a key's search starts in {@link #index}: the hash's low bits. */
  #home(key: number): number {
    return key & (this.#index.length - 1);
  }

  /** The slot counting the value with hash `key`, or -1. */
  #find(key: number): number {
    const mask = this.#index.length - 1;
    for (let at = this.#home(key); ; at = (at + 1) & mask) {
      const entry = this.#index[at] ?? 0;
      if (entry === 0) return -1;
      if (this.#keys[entry - 1] === key) return entry - 1;
    }
  }

  /** Takes `slot` out of the index, moving back the entries after it that would no longer be found. */
  #forget(slot: number): void {
    const mask = this.#index.length - 1;
    let hole = this.#home(this.#keys[slot] ?? 0);
    while (this.#index[hole] !== slot + 1) hole = (hole + 1) & mask;
    this.#index[hole] = 0;
    for (let at = (hole + 1) & mask; this.#index[at] !== 0; at = (at + 1) & mask) {
      const entry = this.#index[at] ?? 0;
      const home = this.#home(this.#keys[entry - 1] ?? 0);
      // The entry stays where it is only if its home lies cyclically in (hole, at].
      if (hole < at ? home > hole && home <= at : home > hole || home <= at) continue;
      this.#index[hole] = entry;
      this.#index[at] = 0;
      hole = at;
    }
  }

  #unlink(slot: number): void {
    const previous = this.#previous[slot] ?? -1;
    const next = this.#next[slot] ?? -1;
    if (previous === -1) this.#head = next;
    else this.#next[previous] = next;
    if (next === -1) this.#tail = previous;
    else this.#previous[next] = previous;
  }

  #findSmallest(): void {
    let smallest = Infinity;
    let holders = 0;
    for (let slot = 0; slot < this.#used; slot++) {
      const count = this.#counts[slot] ?? 0;
      if (count < smallest) [smallest, holders] = [count, 1];
      else if (count === smallest) holders++;
    }
    this.#smallest = smallest;
    this.#holders = holders;
  }
}

class Accumulator {
  count = 0;
  missing = 0;
  private readonly seen = new Set<number>();
  private overflow = false;
  min: number | string | undefined;
  max: number | string | undefined;
  private readonly counters = new SpaceSaving();
  histogram: number[] | undefined;
  /** Numbers and dates get a range and a histogram; text and booleans get common values. */
  readonly ordered: boolean;

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

  /** Where a number or date column's values go, as positions, to be binned once the range is known. */
  #log: NumberLog | undefined;

  /** Logs this number or date column's values to `log`, for {@link binLogged}. */
  logTo(log: NumberLog): void {
    this.#log = log;
  }

  /** Bins the values logged (see {@link logTo}) between the minimum and maximum now known. */
  async binLogged(): Promise<void> {
    await this.#log?.replay((at) => this.binAt(at));
  }

  /** The range values are binned in: given ahead by {@link knowRange}, or the first pass's. */
  private binRange: { min: number | string; max: number | string } | undefined;

  /** Takes this column's value of each of `rows`. */
  addAll(rows: readonly Row[]): void {
    const { name } = this.column;
    for (const row of rows) this.add(row[name]);
  }

  /** Bins this column's value of each of `rows` (see {@link bin}). */
  binAll(rows: readonly Row[]): void {
    const { name } = this.column;
    for (const row of rows) this.bin(row[name]);
  }

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
      this.#log?.push(this.position(value as number | string));
      return;
    }
    const text = String(value);
    const key = hash53(text);
    // A value a counter holds was seen when the counter took it (and `seen` is only ever emptied on
    // overflow): only a value new to the counters can be new to `seen`. A column of few values (a flag,
    // a category) then costs a lookup in the counters alone, not also one in `seen`.
    if (!this.counters.add(key, text) && !this.overflow) this.see(key);
  }

  /** Counts a distinct value by its key, until there are more than {@link STATS_LIMITS.distinct}. */
  private see(key: number): void {
    this.seen.add(key);
    if (this.seen.size > STATS_LIMITS.distinct) {
      this.overflow = true;
      this.seen.clear();
    }
  }

  /** Second pass: the bin of each number or date between the minimum and the maximum. */
  bin(value: string | number | boolean | undefined): void {
    if (value !== undefined) this.binAt(this.position(value as number | string));
  }

  /** Bins a value by its {@link position}. */
  private binAt(at: number): void {
    const bounds = this.bounds();
    if (bounds === undefined) return;
    this.histogram ??= new Array<number>(STATS_LIMITS.bins).fill(0);
    const { low, high } = bounds;
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
    const top = this.counters
      .counters()
      .sort((a, b) => b.count - a.count || (a.shown < b.shown ? -1 : a.shown > b.shown ? 1 : 0))
      .slice(0, STATS_LIMITS.topValues)
      .map(({ shown, count, error, cut }) => ({
        value: shown,
        count,
        ...(this.counters.evicted ? { atLeast: count - error } : {}),
        ...(cut ? { cut: true as const } : {}),
      }));
    return {
      name: this.column.name,
      type: this.column.type,
      count: this.count,
      missing: this.missing,
      ...(this.overflow ? { distinctAtLeast: STATS_LIMITS.distinct } : { distinct: this.seen.size }),
      ...(this.ordered && this.min !== undefined ? { min: this.min, max: this.max } : {}),
      ...(this.histogram === undefined ? {} : { histogram: this.histogram }),
      ...(this.ordered ? {} : { top, topExact: !this.counters.evicted }),
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
 * Column statistics taken from rows as they pass by in key order, a batch at a time, in one read that
 * nothing else has to make: each number and date column's values are also logged (see {@link NumberLog}),
 * and binned from the log at the end, once the range is known. The same result as {@link columnStats}
 * over the same rows.
 */
export class StreamedColumnStats {
  readonly #accumulators: readonly Accumulator[];
  readonly #logged: readonly Accumulator[];
  /** The accumulators rows are added to: all of them, or the number and date columns' once the others are handed over. */
  #adding: readonly Accumulator[];
  #rows = 0;

  /** @param logFor the log of the `index`-th number or date column's values */
  constructor(columns: readonly Column[], logFor: (index: number) => NumberLog) {
    this.#accumulators = columns.map((column) => new Accumulator(column));
    this.#logged = this.#accumulators.filter((accumulator) => accumulator.ordered);
    this.#logged.forEach((accumulator, index) => accumulator.logTo(logFor(index)));
    this.#adding = this.#accumulators;
  }

  add(rows: readonly Row[]): void {
    this.#rows += rows.length;
    for (const accumulator of this.#adding) accumulator.addAll(rows);
  }

  /**
   * Stops counting the text and boolean columns: another thread counts them from the first row (see
   * {@link UnorderedColumnStats}), and gives their statistics to {@link finish}.
   */
  handOverUnordered(): void {
    this.#adding = this.#logged;
  }

  /**
   * The statistics of every row added; `undefined` when the text and boolean columns were handed over and
   * `unordered` does not give them all (the statistics are then taken from the rows). The number and date
   * columns are binned before `unordered` is awaited, so that a thread still counting the others
   * (the Parquet worker, which sends them at its end) and the binning overlap.
   */
  async finish(
    unordered?: readonly ColumnStats[] | Promise<readonly ColumnStats[] | undefined>,
  ): Promise<StatsDocument | undefined> {
    const answer = Promise.resolve(unordered);
    // Should the binning fail first, the worker's answer is still awaited by nobody: it must not be an
    // unhandled rejection.
    answer.catch(() => undefined);
    for (const accumulator of this.#logged) await accumulator.binLogged();
    const handedOver = await answer;
    const columns: ColumnStats[] = [];
    for (const accumulator of this.#accumulators) {
      if (this.#adding.includes(accumulator)) columns.push(accumulator.result());
      else {
        const given = handedOver?.find((stats) => stats.name === accumulator.column.name);
        if (given === undefined) return undefined;
        columns.push(given);
      }
    }
    return { rows: this.#rows, columns };
  }
}

/**
 * The statistics of a table's text and boolean columns, the ones that need no log of their values: what
 * a second thread takes from the rows as it reads them (the Parquet worker, see parquet-worker-thread.ts) while
 * the main thread counts the number and date columns ({@link StreamedColumnStats.handOverUnordered}).
 */
export class UnorderedColumnStats {
  readonly #accumulators: readonly Accumulator[];

  constructor(columns: readonly Column[]) {
    this.#accumulators = columns
      .filter((column) => !isOrdered(column))
      .map((column) => new Accumulator(column));
  }

  add(rows: readonly Row[]): void {
    for (const accumulator of this.#accumulators) accumulator.addAll(rows);
  }

  /** Each column's statistics, of every row added. */
  result(): ColumnStats[] {
    return this.#accumulators.map((accumulator) => accumulator.result());
  }
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
  // A batch is taken a column at a time: each loop reads one property of rows of one shape, which V8
  // answers from its inline cache, where a row at a time would look up a different name at each step.
  for await (const batch of rows.open()) {
    count += batch.length;
    for (const accumulator of accumulators) accumulator.addAll(batch);
    for (const accumulator of known) accumulator.binAll(batch);
  }
  const binned = accumulators.filter(
    (accumulator) => accumulator.min !== undefined && !known.includes(accumulator),
  );
  if (binned.length > 0)
    for await (const batch of rows.open()) for (const accumulator of binned) accumulator.binAll(batch);
  return { rows: count, columns: accumulators.map((accumulator) => accumulator.result()) };
}
