import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnorderedColumnStats } from '../../lambda/core/column-stats.js';
import { writeParquet } from '../../lambda/core/parquet.js';
import { ParquetBesideValidation } from '../../lambda/core/parquet-worker.js';
import { Spill, type RowSource } from '../../lambda/core/row-source.js';
import type { Column, Row } from '../../lambda/core/row-schema.js';
import type { ScratchDirectory } from '../../lambda/core/scratch.js';
import { scratchForEachTest } from '../support/scratch.js';
import { descriptorsOn } from '../support/open-descriptors.js';

const COLUMNS: readonly Column[] = [
  { name: 'id', type: 'string', required: true, schema: {} },
  { name: 'year', type: 'integer', required: true, schema: {} },
  { name: 'value', type: 'number', required: false, schema: {} },
  { name: 'day', type: 'date', required: false, schema: {} },
  { name: 'flag', type: 'boolean', required: false, schema: {} },
];

/** Text a CSV must quote, escape or take care over: quotes, separators, line breaks, formula prefixes, a BOM. */
const awkwardText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc
    .array(fc.constantFrom('"', ',', '\n', '\r', '=', '+', '-', '@', '\t', ' ', '\uFEFF', 'a', 'é', '😀'), {
      maxLength: 12,
    })
    .map((parts) => parts.join('')),
);

const rowArbitrary: fc.Arbitrary<Row> = fc.record(
  {
    id: awkwardText,
    year: fc.integer({ min: -1e9, max: 1e9 }),
    value: fc.double({ noNaN: true, noDefaultInfinity: true }),
    day: fc
      .date({
        min: new Date('1000-01-01T00:00:00Z'),
        max: new Date('2999-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((date) => date.toISOString().slice(0, 10)),
    flag: fc.boolean(),
  },
  { requiredKeys: ['id', 'year'] },
);

/** The Parquet file the main thread writes from the same spill, as it does without the worker. */
async function onMainThread(rows: RowSource, rowGroupRows: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  await writeParquet(
    COLUMNS,
    rows.open(),
    { write: async (chunk) => void chunks.push(chunk) },
    { rowGroupRows },
  );
  return Buffer.concat(chunks);
}

/**
 * Spills `rows` in batches of `sizes` as validation does (RowSorter's spill of rows in order), telling
 * `beside` after each, and returns the spill closed. (Its rows are the JSON round trip of `rows`: -0 reads
 * back as 0, on either thread.)
 */
async function spillRows(
  scratch: ScratchDirectory,
  beside: ParquetBesideValidation,
  rows: readonly Row[],
  sizes: readonly number[],
): Promise<RowSource> {
  const spill = await Spill.rows(scratch, 'run');
  for (let offset = 0, i = 0; offset < rows.length; i++) {
    const batch = rows.slice(offset, offset + (sizes[i % sizes.length] ?? 1));
    offset += batch.length;
    await spill.add(batch);
    beside.spilled(batch.length, spill.written);
  }
  return spill.close();
}

/** Whether a thread of this process is held opening a named pipe that has no other end yet. */
function threadWaitsOnPipe(): boolean {
  return readdirSync('/proc/self/task').some((task) => {
    try {
      return readFileSync(`/proc/self/task/${task}/wchan`, 'utf8') === 'wait_for_partner';
    } catch {
      return false;
    }
  });
}

describe('Parquet written by a worker thread beside validation', () => {
  const scratch = scratchForEachTest();

  it('gives the bytes the main thread writes from the same rows, however they were batched', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArbitrary, { minLength: 1, maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 64 }),
        async (rows, sizes, rowGroupRows) => {
          const beside = new ParquetBesideValidation(COLUMNS, scratch.current, 'p.parquet', {
            rowGroupRows,
            startRows: 1,
          });
          try {
            const spilled = await spillRows(scratch.current, beside, rows, sizes);
            const body = await beside.finish();
            // A worker that did not run would give undefined and leave the file to the main thread.
            expect(beside.failure).toBeUndefined();
            expect(body).toBeDefined();
            const written = await readFile(body?.file ?? '');
            expect(written.equals(await onMainThread(spilled, rowGroupRows))).toBe(true);
            expect(body?.bytes).toBe(written.byteLength);
          } finally {
            await beside.abandon();
          }
        },
      ),
      // -0, which JSON (the spill) reads back as 0, among the examples every run tries.
      { numRuns: 12, examples: [[[{ id: 'a', year: 1, value: -0 }], [1], 1]] },
    );
  });

  it('tells no failure of a worker that gave its file, once its thread has stopped', async () => {
    const rows: Row[] = [
      { id: 'a', year: 1 },
      { id: 'b', year: 2 },
    ];
    const beside = new ParquetBesideValidation(COLUMNS, scratch.current, 'p.parquet', { startRows: 1 });
    try {
      const spill = await Spill.rows(scratch.current, 'run');
      await spill.add(rows);
      beside.spilled(rows.length, spill.written);
      await spill.close();
      expect((await beside.finish())?.bytes).toBeGreaterThan(0);
      // The thread is stopped once it has given the file: its exit is no failure.
      for (let waited = 0; beside.running && waited < 10_000; waited += 10) await delay(10);
      expect(beside.running).toBe(false);
      expect(beside.failure).toBeUndefined();
    } finally {
      await beside.abandon();
    }
  });

  it('takes the text and boolean columns statistics the main thread takes from the rows before they were spilled', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowArbitrary, { minLength: 1, maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 5 }),
        async (rows, sizes) => {
          const beside = new ParquetBesideValidation(COLUMNS, scratch.current, 'p.parquet', {
            startRows: 1,
            unorderedStats: true,
          });
          try {
            await spillRows(scratch.current, beside, rows, sizes);
            expect(beside.countsUnordered).toBe(true);
            const main = new UnorderedColumnStats(COLUMNS);
            main.add(rows);
            expect(await beside.finishUnorderedStats()).toEqual(main.result());
            expect(await beside.finish()).toBeDefined();
          } finally {
            await beside.abandon();
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it('gives no statistics when the worker fails before the spill is read to its end', async () => {
    const beside = new ParquetBesideValidation(COLUMNS, scratch.current, 'p.parquet', {
      startRows: 1,
      unorderedStats: true,
    });
    await spillRows(scratch.current, beside, [{ id: 'a', year: 1.5 }], [1]);
    expect(await beside.finishUnorderedStats()).toBeUndefined();
    expect(beside.failure).toContain('1.5');
  });

  it('writes columns named as properties every object inherits as empty where a row has no value', async () => {
    // The worker parses the spill into ordinary objects when no column is named so; a row without its own
    // `constructor` or `toString` would otherwise hand the encoder the inherited function.
    const columns: readonly Column[] = [
      { name: 'id', type: 'string', required: true, schema: {} },
      { name: 'constructor', type: 'string', required: false, schema: {} },
      { name: 'toString', type: 'integer', required: false, schema: {} },
      { name: '__proto__', type: 'string', required: false, schema: {} },
    ];
    // As a spill holds them: `__proto__` an own property, as JSON.parse makes it.
    const rows = [
      '{"id":"a"}',
      '{"id":"b","constructor":"c","toString":2}',
      '{"id":"d","__proto__":"e"}',
    ].map((line) => JSON.parse(line) as Row);
    const beside = new ParquetBesideValidation(columns, scratch.current, 'p.parquet', { startRows: 1 });
    try {
      const spill = await Spill.rows(scratch.current, 'run');
      await spill.add(rows);
      beside.spilled(rows.length, spill.written);
      const spilled = await spill.close();
      const body = await beside.finish();
      expect(beside.failure).toBeUndefined();
      const chunks: Uint8Array[] = [];
      await writeParquet(columns, spilled.open(), { write: async (chunk) => void chunks.push(chunk) });
      expect((await readFile(body?.file ?? '')).equals(Buffer.concat(chunks))).toBe(true);
    } finally {
      await beside.abandon();
    }
  });

  it('starts no worker for fewer rows than asked, and leaves the file to the main thread', async () => {
    const beside = new ParquetBesideValidation(COLUMNS, scratch.current, 'p.parquet', { startRows: 100 });
    await spillRows(scratch.current, beside, [{ id: 'a', year: 1 }], [1]);
    expect(await beside.finish()).toBeUndefined();
  });

  it('gives no file when the worker fails, so that the main thread writes it (and reports the same error)', async () => {
    const beside = new ParquetBesideValidation(COLUMNS, scratch.current, 'p.parquet', { startRows: 1 });
    // An integer column's value that is not an integer: BigInt refuses it in the worker as on the main thread.
    await spillRows(scratch.current, beside, [{ id: 'a', year: 1.5 }], [1]);
    expect(await beside.finish()).toBeUndefined();
    expect(beside.failure).toContain('1.5');
  });

  it('leaves no file open when it is stopped while the spill is still being opened', async () => {
    // A named pipe stands for the spill: opening it for reading waits for a writer, which holds the open
    // for as long as the test likes, and the worker is stopped then. An open that completed after its
    // thread was gone gave a descriptor nothing could close (seen once in 14 runs with a real spill; on
    // Lambda a warm container keeps it).
    const pipe = path.join(scratch.current.path, 'spill.pipe');
    execFileSync('mkfifo', [pipe]);
    const beside = new ParquetBesideValidation(COLUMNS, scratch.current, 'p.parquet', { startRows: 1 });
    beside.spilled(1, { path: pipe, bytes: 0 });
    // Until the open has begun: held in it, or already done (then this process holds the pipe).
    for (let waited = 0; !threadWaitsOnPipe() && descriptorsOn(pipe).length === 0; waited += 20) {
      if (waited > 30_000) throw new Error('the spill was never opened');
      await delay(20);
    }
    const stopped = beside.abandon();
    // The other end, opened read-write so that it never waits itself: the open held so far completes.
    const other = await open(pipe, 'r+');
    await stopped;
    await other.close();
    expect(descriptorsOn(pipe)).toEqual([]);
    expect(beside.running).toBe(false);
  });

  it('stops a worker that is abandoned before the spill is complete', async () => {
    const beside = new ParquetBesideValidation(COLUMNS, scratch.current, 'p.parquet', { startRows: 1 });
    const spill = await Spill.rows(scratch.current, 'run');
    await spill.add([{ id: 'a', year: 1 }]);
    beside.spilled(1, spill.written);
    await beside.abandon();
    expect(await beside.finish()).toBeUndefined();
  });
});
