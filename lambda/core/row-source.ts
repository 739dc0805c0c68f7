import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Column, Row } from './row-schema.js';
import type { ScratchDirectory, ScratchFile } from './scratch.js';

/** Rows arriving a batch at a time, so the per-row cost of async iteration is paid once per batch. */
export type RowBatches = AsyncIterable<readonly Row[]>;

/** A table's rows that can be read from the start as often as needed, without holding them all. */
export interface RowSource {
  /** How many rows a full read yields. */
  readonly count: number;
  open(): RowBatches;
}

/** Rows are read back from a spill file in batches of this many. */
export const SPILL_BATCH_ROWS = 4096;

/** A {@link RowSource} over rows already in memory (small tables, tests). */
export function rowsInMemory(rows: readonly Row[], batchRows = SPILL_BATCH_ROWS): RowSource {
  return {
    count: rows.length,
    async *open() {
      for (let start = 0; start < rows.length; start += batchRows) yield rows.slice(start, start + batchRows);
    },
  };
}

/** Reads every row of a source into one array: only for tables known to be small (tests, previews). */
export async function collectRows(batches: RowBatches): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of batches) rows.push(...batch);
  return rows;
}

/**
 * Rows written to a scratch file, one JSON array of cells per line in column
 * order (`null` for an absent cell), and read back as typed rows. JSON keeps
 * every value exactly: text, booleans and numbers (shortest round-trip form).
 */
export class RowSpill {
  #count = 0;

  private constructor(
    private readonly file: ScratchFile,
    private readonly names: readonly string[],
  ) {}

  static async create(
    scratch: ScratchDirectory,
    columns: readonly Column[],
    hint: string,
  ): Promise<RowSpill> {
    return new RowSpill(
      await scratch.createFile(`${hint}.rows`),
      columns.map((column) => column.name),
    );
  }

  get count(): number {
    return this.#count;
  }

  async add(rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    let text = '';
    for (const row of rows) text += `${JSON.stringify(this.names.map((name) => row[name] ?? null))}\n`;
    this.#count += rows.length;
    await this.file.write(text);
  }

  /** Finishes writing; the result reads the rows back in the order they were added. */
  async close(batchRows = SPILL_BATCH_ROWS): Promise<RowSource> {
    await this.file.close();
    const { path } = this.file;
    const names = this.names;
    return {
      count: this.#count,
      async *open() {
        const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
        let batch: Row[] = [];
        for await (const line of lines) {
          batch.push(rowFromCells(names, JSON.parse(line) as unknown[]));
          if (batch.length >= batchRows) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length > 0) yield batch;
      },
    };
  }
}

function rowFromCells(names: readonly string[], cells: readonly unknown[]): Row {
  // Prototype-free, like the rows validation builds: a column named __proto__ is just a column.
  const row = Object.create(null) as Record<string, string | number | boolean>;
  names.forEach((name, index) => {
    const value = cells[index];
    if (value !== null && value !== undefined) row[name] = value as string | number | boolean;
  });
  return row;
}
