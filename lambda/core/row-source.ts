import { readAhead } from './read-ahead.js';
import type { Row } from './row-schema.js';
import { ScratchChangedError, type ScratchDirectory, type ScratchFile } from './scratch.js';

/** Rows arriving a batch at a time, so the per-row cost of async iteration is paid once per batch. */
export type RowBatches = AsyncIterable<readonly Row[]>;

/** A table's rows that can be read from the start as often as needed, without holding them all. */
export type RowSource = Rereadable<Row>;

/**
 * Bytes read from a spill file at a time. Each piece is decoded into one string, which at 128 KiB and more V8
 * puts in its large-object space, freed only by a full collection; at 64 KiB it is an ordinary young object.
 */
export const SPILL_READ_BYTES = 1 << 16;

/** Values are read back from a spill file in batches of this many. */
export const SPILL_BATCH_ROWS = 4096;

/** A {@link Rereadable} over values already in memory (small tables, empty lists, tests). */
export function inMemory<T>(values: readonly T[], batchSize = SPILL_BATCH_ROWS): Rereadable<T> {
  async function* batches(): AsyncGenerator<readonly T[]> {
    for (let start = 0; start < values.length; start += batchSize)
      yield values.slice(start, start + batchSize);
  }
  return {
    count: values.length,
    open: batches,
    async *openJson() {
      for await (const batch of batches()) yield jsonLinesOf(batch);
    },
    async *openBatches(want) {
      for await (const batch of batches())
        yield {
          ...(want.values ? { values: batch } : {}),
          ...(want.json ? { json: jsonLinesOf(batch) } : {}),
        };
    },
  };
}

/** Values as {@link JsonLines}: one piece holding each value's JSON text and a line break. */
function jsonLinesOf(values: readonly unknown[]): JsonLines {
  return [Buffer.from(jsonLinesText(values), 'utf8')];
}

/**
 * `parse` for the lines of the spill at `path`, read back: a line that is not what the run wrote (not
 * JSON) means something else changed the file during the run, which is said as such, not as a bug.
 */
function readingBack<T>(parse: (line: string) => T, path: string): (line: string) => T {
  return (line) => {
    try {
      return parse(line);
    } catch (error) {
      throw new ScratchChangedError(
        `the scratch file ${path} no longer holds what this run wrote there (a line of it is not JSON): another program changed it during the run; nothing was published from it, run again`,
        { cause: error },
      );
    }
  };
}

/** Each value's `JSON.stringify` followed by a line break: the text of {@link JsonLines} and of a spill file. */
function jsonLinesText(values: readonly unknown[]): string {
  let text = '';
  for (const value of values) text += `${JSON.stringify(value)}\n`;
  return text;
}

/** Steps through batched rows one row at a time (merging and comparing sorted streams). */
export class RowCursor {
  readonly #iterator: AsyncIterator<readonly Row[]>;
  #batch: readonly Row[] = [];
  #index = 0;

  constructor(batches: RowBatches) {
    this.#iterator = batches[Symbol.asyncIterator]();
  }

  /** The next row, or `undefined` once the rows are exhausted. */
  async next(): Promise<Row | undefined> {
    while (this.#index >= this.#batch.length) {
      const result = await this.#iterator.next();
      if (result.done === true) return undefined;
      this.#batch = result.value;
      this.#index = 0;
    }
    return this.#batch[this.#index++];
  }

  /** Stops reading before the rows are exhausted, so that the source lets go of its file. */
  async close(): Promise<void> {
    await this.#iterator.return?.();
  }
}

/** Reads every row of a source into one array: only for tables known to be small (tests, previews). */
export async function collectRows(batches: RowBatches): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of batches) rows.push(...batch);
  return rows;
}

/** Values that can be read from the start as often as needed, a batch at a time, parsed or as JSON text. */
export interface Rereadable<T> {
  /** How many values a full read yields. */
  readonly count: number;
  open(): AsyncIterable<readonly T[]>;
  /** The same values as JSON text ({@link JsonLines}): what JSON files embed, without re-serialising. */
  openJson(): AsyncIterable<JsonLines>;
  /**
   * One read giving each batch in the forms asked for, values and JSON text side by side (what
   * {@link SharedReads} hands to readers of either kind at once).
   */
  openBatches(want: BatchForms): AsyncIterable<Batch<T>>;
}

/** Which forms of a batch a read should produce. */
export interface BatchForms {
  readonly values: boolean;
  readonly json: boolean;
}

/** A batch in the forms asked for (see {@link Rereadable.openBatches}). */
export interface Batch<T> {
  readonly values?: readonly T[];
  readonly json?: JsonLines;
}

/**
 * Values as JSON text, as UTF-8 bytes: each value's `JSON.stringify` followed by a line break (`\n`), in
 * pieces that each hold whole lines. A spill file is read into them as it is, so a JSON file embedding
 * the values copies their bytes rather than decoding and encoding them again.
 */
export type JsonLines = readonly Uint8Array[];

/** Where a spill is being written, and how far: its first `bytes` bytes are whole lines, on disk. */
export interface SpillWritten {
  readonly path: string;
  readonly bytes: number;
}

/**
 * Values spilled to a scratch file, one compact JSON document per line, and
 * read back as values or as those very lines. JSON keeps every value exactly:
 * text, booleans and numbers (shortest round-trip form). Rows are spilled with
 * their keys in column order, as validation builds them, so their lines are
 * what `<id>.json` and `changes.json` embed.
 */
export class Spill<T> {
  #count = 0;

  private constructor(
    private readonly file: ScratchFile,
    private readonly parse: (line: string) => T,
  ) {}

  /** A spill of typed rows, read back as prototype-free objects like the rows validation builds. */
  static async rows(scratch: ScratchDirectory, hint: string): Promise<Spill<Row>> {
    return new Spill(await scratch.createFile(`${hint}.jsonl`, { digest: false }), parseRow);
  }

  /** A spill of any JSON values. */
  static async values<T>(scratch: ScratchDirectory, hint: string): Promise<Spill<T>> {
    return new Spill(
      await scratch.createFile(`${hint}.jsonl`, { digest: false }),
      (line) => JSON.parse(line) as T,
    );
  }

  get count(): number {
    return this.#count;
  }

  async add(values: readonly T[]): Promise<void> {
    if (values.length === 0) return;
    this.#count += values.length;
    await this.file.write(jsonLinesText(values));
  }

  /** The spill's file, and how many of its bytes are written to it so far: whole lines, readable there. */
  get written(): SpillWritten {
    return { path: this.file.path, bytes: this.file.written };
  }

  /** Finishes writing; the result reads the values back in the order they were added. */
  async close(batchSize = SPILL_BATCH_ROWS): Promise<Rereadable<T>> {
    await this.file.end();
    const { path } = this.file;
    const parse = readingBack(this.parse, path);
    const read = (want: BatchForms) => readLineBatches(path, batchSize, want);
    return {
      count: this.#count,
      async *open() {
        for await (const { lines } of read({ values: true, json: false })) yield lines.map(parse);
      },
      async *openJson() {
        for await (const { pieces } of read({ values: false, json: true })) yield pieces;
      },
      async *openBatches(want) {
        for await (const { lines, pieces } of read(want))
          yield {
            ...(want.values ? { values: lines.map(parse) } : {}),
            ...(want.json ? { json: pieces } : {}),
          };
      },
    };
  }
}

/**
 * Reads a file of `\n`-terminated lines in batches of at least `batchSize` lines (a batch ends with a
 * piece read), as decoded lines when `want.values`, as the bytes read when `want.json`. Each piece is
 * cut at its last line break ({@link LineCutter}) and decoded once: several times faster than
 * `readline`, which decodes and scans twice.
 */
async function* readLineBatches(
  path: string,
  batchSize: number,
  want: BatchForms,
): AsyncGenerator<{ lines: string[]; pieces: Uint8Array[] }> {
  // readAhead's pieces are the reader's to keep: what a line cut by a read keeps of it is not copied.
  const cutter = new LineCutter({ reusedChunks: false });
  let lines: string[] = [];
  let pieces: Uint8Array[] = [];
  let count = 0;
  // Lines only copied are taken faster than reads come; decoded lines are read from up to 64 runs at once
  // by a merge, and a read ahead of each is enough there.
  const depth = want.values ? 2 : 4;
  for await (const chunk of readAhead(path, { pieceBytes: SPILL_READ_BYTES, depth })) {
    for (const piece of cutter.wholeLines(chunk)) {
      if (want.values) {
        const decoded = textLines(piece);
        for (const line of decoded) lines.push(line);
        count += decoded.length;
      } else {
        count += countLineBreaks(piece);
      }
      if (want.json) pieces.push(piece);
    }
    if (count >= batchSize) {
      yield { lines, pieces };
      lines = [];
      pieces = [];
      count = 0;
    }
  }
  // A last line without its line break (a spill always ends with one) is read all the same.
  const rest = cutter.rest();
  if (rest !== undefined) {
    if (want.values) lines.push(...textLines(rest));
    if (want.json) pieces.push(rest);
    count++;
  }
  if (count > 0) yield { lines, pieces };
}

/** How many line breaks `data` holds. */
function countLineBreaks(data: Buffer): number {
  let count = 0;
  for (let at = data.indexOf(0x0a); at !== -1; at = data.indexOf(0x0a, at + 1)) count++;
  return count;
}

/**
 * Cuts bytes read from a file of lines (a spill, a JSON file as the writer lays it out), read after read,
 * into the whole lines each read completes ({@link LineCutter.wholeLines}), carrying what a read leaves
 * of a line to the read that ends it. Spilled JSON never holds a raw line break, so lines are cut at the
 * byte 0x0A.
 */
export class LineCutter {
  /**
   * The line begun and not ended yet, in the pieces it came in, joined once when its line break comes:
   * joined to each read as it came, a line of n reads was copied n times over (publishing a row of 64
   * cells of 10^6 characters took 35-48 s, against 3.8-4.8 s joined once).
   */
  readonly #carried: Buffer[] = [];
  #carriedBytes = 0;
  readonly #reusedChunks: boolean;

  /**
   * @param options.reusedChunks whether each chunk is a view of a buffer its reader fills again with the
   *   next read: what a line cut by the read keeps of it is then copied out of it (once)
   */
  constructor(options: { readonly reusedChunks: boolean }) {
    this.#reusedChunks = options.reusedChunks;
  }

  /** Bytes of the line begun and not ended yet. */
  get carriedBytes(): number {
    return this.#carriedBytes;
  }

  /**
   * The whole lines `chunk` completes, in at most two pieces each ending with a line break: the line
   * carried from the reads before, joined with its end in `chunk`, then the lines wholly inside `chunk`,
   * a view of it rather than a copy (a read's bytes are not copied again to join them to a short
   * carry), as valid as `chunk` is. What follows its last line break is carried to the next read. Each
   * byte is copied at most once to be joined, and once before when the chunks are reused.
   */
  wholeLines(chunk: Buffer): readonly Buffer[] {
    const last = chunk.lastIndexOf(0x0a);
    if (last === -1) {
      this.#carry(chunk);
      return [];
    }
    const lines: Buffer[] = [];
    let start = 0;
    if (this.#carriedBytes > 0) {
      start = chunk.indexOf(0x0a) + 1;
      lines.push(this.#join(chunk.subarray(0, start)));
    }
    if (start <= last) lines.push(chunk.subarray(start, last + 1));
    this.#carry(chunk.subarray(last + 1));
    return lines;
  }

  /**
   * The line carried once the reads are over, which the file ended without a line break, given one as
   * {@link LineCutter.wholeLines} gives lines; `undefined` when there is none.
   */
  rest(): Buffer | undefined {
    return this.#carriedBytes === 0 ? undefined : this.#join(Buffer.from('\n'));
  }

  #carry(piece: Buffer): void {
    if (piece.length === 0) return;
    this.#carried.push(this.#reusedChunks ? Buffer.from(piece) : piece);
    this.#carriedBytes += piece.length;
  }

  /** The line carried, ended by `end`, as one buffer; nothing is carried after it. */
  #join(end: Buffer): Buffer {
    this.#carried.push(end);
    const line = Buffer.concat(this.#carried, this.#carriedBytes + end.length);
    this.#carried.length = 0;
    this.#carriedBytes = 0;
    return line;
  }
}

/** The text of each of `lines`, whole lines as {@link LineCutter} gives them, decoded at once. */
function textLines(lines: Buffer): string[] {
  return lines.toString('utf8', 0, lines.length - 1).split('\n');
}

/**
 * The spilled rows of `lines`, whole lines in pieces as {@link LineCutter} gives them: prototype-free
 * objects ({@link parseRow}) unless `prototypeFree` is false (see {@link rowParserFor}). Spilled JSON never
 * holds a raw line break, so a piece's lines, each line break but the last made a comma and the whole
 * put in brackets, are one JSON array of its rows, decoded and parsed at once: about a tenth faster than
 * a parse a line, and the only string made is the array's text (the brackets and commas are put in a
 * copy of the bytes, outside V8's heap).
 */
export function rowsOfLines(lines: readonly Buffer[], prototypeFree = true): Row[] {
  const rows: Row[] = [];
  for (const piece of lines) {
    const array = Buffer.allocUnsafe(piece.length + 1);
    array[0] = 0x5b; // [
    piece.copy(array, 1);
    for (let at = array.indexOf(0x0a, 1); at !== -1; at = array.indexOf(0x0a, at + 1)) array[at] = 0x2c; // ,
    array[array.length - 1] = 0x5d; // ] in place of the last line break
    for (const row of JSON.parse(array.toString('utf8')) as Row[])
      rows.push(prototypeFree ? (Object.setPrototypeOf(row, null) as Row) : row);
  }
  return rows;
}

/** Whether rows whose `columns` are looked up by name must be prototype-free (see {@link rowParserFor}). */
export function needsNoPrototype(columns: readonly { readonly name: string }[]): boolean {
  return columns.some((column) => column.name in Object.prototype);
}

/**
 * How a reader that looks up only `columns` by name can parse spilled rows: as `JSON.parse` makes them when
 * no column is named as a property every object inherits (`toString`, `constructor`, `__proto__`…), so that
 * a row without a value of its own reads `undefined`; else prototype-free ({@link parseRow}). Setting the
 * prototype costs about a third of parsing a row of the trade table (0.65 s of 10^6 rows, Node 24).
 */
export function rowParserFor(columns: readonly { readonly name: string }[]): (line: string) => Row {
  return needsNoPrototype(columns) ? parseRow : parseOrdinaryRow;
}

function parseOrdinaryRow(line: string): Row {
  return JSON.parse(line) as Row;
}

/**
 * Parses a spilled row into a prototype-free object. The parsed object itself
 * loses its prototype, rather than being copied into `Object.create(null)`:
 * that halves the cost of a read of the spill, and the object keeps V8's fast
 * properties, where a copy would be a hash table of its own.
 */
function parseRow(line: string): Row {
  // JSON.parse makes `__proto__` an own property, never the prototype: a column of that name is just a column.
  return Object.setPrototypeOf(JSON.parse(line) as Row, null) as Row;
}
