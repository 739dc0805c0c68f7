import { compareKeys, compareRowKeys } from './canonical.js';
import { RowCursor, Spill, SPILL_BATCH_ROWS, type RowSource, type SpillWritten } from './row-source.js';
import type { Row } from './row-schema.js';
import type { ScratchDirectory } from './scratch.js';

/** Rows sorted in memory at a time when the input is out of key order; each sorted run is spilled. */
export const SORT_RUN_ROWS = 100_000;

/** At most this many runs are merged at once (one open file each); more take several passes. */
export const MERGE_FAN_IN = 64;

/** Sees a table's rows while they arrive in key order (see {@link RowSorter}'s `inOrder`). */
export interface InOrderRows {
  /** The next rows in key order; `spilled` is how far the file of the rows in order is written. */
  add(rows: readonly Row[], spilled: SpillWritten): Promise<void>;
}

/**
 * Puts rows in primary-key order without holding them all: an external merge
 * sort over scratch files. Input already in key order (the usual case: curated
 * files are kept sorted) is written once and read back as it is. Otherwise the
 * rows from the first out-of-order one on are sorted in runs of
 * {@link SORT_RUN_ROWS}, each run spilled, and the runs merged into one file.
 * Memory: one run, plus one batch per run while merging.
 */
export class RowSorter {
  readonly #runs: RowSource[] = [];
  #ordered: Spill<Row> | undefined;
  #pending: Row[] = [];
  /** The last row added while the rows are in key order. */
  #last: Row | undefined;
  #sorted = true;

  /**
   * @param inOrder sees the rows while they arrive in key order, as they are written (a renderer that
   * would otherwise read them back); once a row is out of order it sees no more, and {@link sorted}
   * says the rows it saw are not the table.
   */
  constructor(
    private readonly scratch: ScratchDirectory,
    private readonly primaryKey: readonly string[],
    private readonly runRows = SORT_RUN_ROWS,
    private readonly inOrder?: InOrderRows,
  ) {}

  /** True while every row added so far was in key order (then `inOrder` has seen them all). */
  get sorted(): boolean {
    return this.#sorted;
  }

  async add(rows: readonly Row[]): Promise<void> {
    let from = 0;
    if (this.#sorted) {
      // Still in order: rows go straight to the first run for as long as that lasts.
      for (; from < rows.length; from++) {
        const row = rows[from] as Row;
        if (this.#last !== undefined && compareRowKeys(this.#last, row, this.primaryKey) > 0) {
          this.#sorted = false;
          break;
        }
        this.#last = row;
      }
      this.#ordered ??= await Spill.rows(this.scratch, 'run');
      const ordered = from === rows.length ? rows : rows.slice(0, from);
      await this.#ordered.add(ordered);
      if (this.#sorted) {
        await this.inOrder?.add(ordered, this.#ordered.written);
        return;
      }
    }
    for (const row of rows.slice(from)) {
      this.#pending.push(row);
      if (this.#pending.length >= this.runRows) await this.#spillRun();
    }
  }

  /** All rows in key order. */
  async finish(): Promise<RowSource> {
    const ordered = this.#ordered ?? (await Spill.rows(this.scratch, 'run'));
    if (this.#sorted) return ordered.close();
    await this.#spillRun();
    let runs = [await ordered.close(), ...this.#runs];
    // Merged in passes of at most MERGE_FAN_IN runs, so the number of open files stays bounded.
    for (;;) {
      const passes: RowSource[] = [];
      for (let start = 0; start < runs.length; start += MERGE_FAN_IN) {
        const merged = await Spill.rows(this.scratch, 'sorted');
        await mergeRuns(runs.slice(start, start + MERGE_FAN_IN), (row) => this.#keyOf(row), merged);
        passes.push(await merged.close());
      }
      if (passes.length === 1 && passes[0] !== undefined) return passes[0];
      runs = passes;
    }
  }

  #keyOf(row: Row): unknown[] {
    return this.primaryKey.map((name) => row[name]);
  }

  async #spillRun(): Promise<void> {
    if (this.#pending.length === 0) return;
    const run = this.#pending
      .map((row) => ({ row, key: this.#keyOf(row) }))
      .sort((a, b) => compareKeys(a.key, b.key))
      .map(({ row }) => row);
    this.#pending = [];
    const spill = await Spill.rows(this.scratch, 'run');
    await spill.add(run);
    this.#runs.push(await spill.close()); // closed now: only the runs being merged are ever open
  }
}

/** A sorted run being merged: its rows, and the current one with its key. */
interface RunCursor {
  readonly rows: RowCursor;
  row: Row;
  key: unknown[];
}

/** k-way merge of key-sorted runs through a binary heap keyed on each run's current row. */
async function mergeRuns(
  runs: readonly RowSource[],
  keyOf: (row: Row) => unknown[],
  out: Spill<Row>,
): Promise<void> {
  const heap: RunCursor[] = [];
  const less = (a: RunCursor, b: RunCursor) => compareKeys(a.key, b.key) < 0;
  const siftUp = (at: number) => {
    for (let i = at; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i] as RunCursor, heap[parent] as RunCursor)) return;
      [heap[i], heap[parent]] = [heap[parent] as RunCursor, heap[i] as RunCursor];
      i = parent;
    }
  };
  const siftDown = (at: number) => {
    for (let i = at; ;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && less(heap[left] as RunCursor, heap[least] as RunCursor)) least = left;
      if (right < heap.length && less(heap[right] as RunCursor, heap[least] as RunCursor)) least = right;
      if (least === i) return;
      [heap[i], heap[least]] = [heap[least] as RunCursor, heap[i] as RunCursor];
      i = least;
    }
  };
  /** Moves a cursor to its next row; false when its run is exhausted. */
  const advance = async (cursor: RunCursor): Promise<boolean> => {
    const row = await cursor.rows.next();
    if (row === undefined) return false;
    cursor.row = row;
    cursor.key = keyOf(row);
    return true;
  };

  const cursors = runs.map((run): RunCursor => ({ rows: new RowCursor(run.open()), row: {}, key: [] }));
  try {
    for (const cursor of cursors) {
      if (await advance(cursor)) {
        heap.push(cursor);
        siftUp(heap.length - 1);
      }
    }
    let output: Row[] = [];
    while (heap.length > 0) {
      const top = heap[0] as RunCursor;
      output.push(top.row);
      if (output.length >= SPILL_BATCH_ROWS) {
        await out.add(output);
        output = [];
      }
      if (await advance(top)) {
        siftDown(0);
      } else {
        const last = heap.pop() as RunCursor;
        if (heap.length > 0) {
          heap[0] = last;
          siftDown(0);
        }
      }
    }
    await out.add(output);
  } finally {
    // A merge stopped by a failure (a scratch write on a full disk) lets go of every run's file.
    await Promise.allSettled(cursors.map((cursor) => cursor.rows.close()));
  }
}
