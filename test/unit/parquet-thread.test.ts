import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeParquet,
  ParquetFileWriter,
  type ParquetColumn,
  type ParquetSink,
} from '../../lambda/core/parquet.js';
import { ParquetThreadWriter } from '../../lambda/core/parquet-thread.js';
import type { Row } from '../../lambda/core/row-schema.js';

import { REPO_ROOT } from '../support/workspace.js';

class CollectingSink implements ParquetSink {
  readonly chunks: Uint8Array[] = [];
  write(chunk: Uint8Array): Promise<void> {
    this.chunks.push(chunk);
    return Promise.resolve();
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

const TYPES = ['string', 'integer', 'number', 'boolean', 'date'] as const;

/** A value of a column as validation types it: no -0 (coercion turns it into 0), dates as ISO days. */
function cell(type: (typeof TYPES)[number]): fc.Arbitrary<Row[string]> {
  switch (type) {
    case 'string':
      return fc.string({ unit: 'grapheme', maxLength: 80 });
    case 'integer':
      return fc.maxSafeInteger();
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => (value === 0 ? 0 : value));
    case 'boolean':
      return fc.boolean();
    case 'date':
      return fc
        .date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T00:00:00Z'),
          noInvalidDate: true,
        })
        .map((date) => date.toISOString().slice(0, 10));
  }
}

const table = fc
  .uniqueArray(
    fc.record({
      name: fc.string({ minLength: 1, maxLength: 8 }),
      type: fc.constantFrom(...TYPES),
      required: fc.boolean(),
    }),
    { minLength: 1, maxLength: 6, selector: (column) => column.name },
  )
  .chain((columns) =>
    fc.record({
      columns: fc.constant(columns as readonly ParquetColumn[]),
      rows: fc.array(
        fc
          .tuple(...columns.map((column) => fc.option(cell(column.type), { nil: undefined })))
          .map((values) => {
            const row = Object.create(null) as Record<string, Row[string]>;
            for (const [index, column] of columns.entries()) {
              const value = values[index];
              if (value !== undefined || column.required) row[column.name] = value ?? defaultOf(column.type);
            }
            return row;
          }),
        { maxLength: 300 },
      ),
      rowGroupRows: fc.integer({ min: 1, max: 120 }),
      batchRows: fc.integer({ min: 1, max: 70 }),
    }),
  );

function defaultOf(type: (typeof TYPES)[number]): Row[string] {
  return type === 'string' ? '' : type === 'boolean' ? false : type === 'date' ? '2000-01-01' : 0;
}

/** The rows as the sorter hands them on: JSON lines, each ending with a line break. */
function linesOf(rows: readonly Row[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
}

/** Starts the thread, which the tests always find (they run from source). */
function threadWriter(columns: readonly ParquetColumn[], sink: ParquetSink, rowGroupRows?: number) {
  const writer = ParquetThreadWriter.start(columns, sink, rowGroupRows === undefined ? {} : { rowGroupRows });
  if (writer === undefined) throw new Error('the encoder thread’s entry is missing beside parquet-thread.ts');
  return writer;
}

/** Encodes rows handed over in batches of `batchRows`, on the thread or in process. */
async function encode(
  columns: readonly ParquetColumn[],
  rows: readonly Row[],
  where: 'thread' | 'process',
  batchRows: number,
  rowGroupRows?: number,
): Promise<Buffer> {
  const sink = new CollectingSink();
  const options = rowGroupRows === undefined ? {} : { rowGroupRows };
  const thread = where === 'thread' ? threadWriter(columns, sink, rowGroupRows) : undefined;
  const local = where === 'process' ? new ParquetFileWriter(columns, sink, options) : undefined;
  for (let start = 0; start < rows.length; start += batchRows) {
    const batch = rows.slice(start, start + batchRows);
    if (thread !== undefined) await thread.add(linesOf(batch));
    else await local?.add(batch);
  }
  const result = thread !== undefined ? await thread.finish() : await local?.finish();
  expect(result?.rows).toBe(rows.length);
  return sink.bytes();
}

describe('the Parquet encoder on its own thread', () => {
  it('writes the same bytes as the encoder in process, for any columns, rows, row groups and batches', async () => {
    await fc.assert(
      fc.asyncProperty(table, async ({ columns, rows, rowGroupRows, batchRows }) => {
        const onThread = await encode(columns, rows, 'thread', batchRows, rowGroupRows);
        const inProcess = await encode(columns, rows, 'process', batchRows, rowGroupRows);
        expect(onThread.equals(inProcess)).toBe(true);
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('gives the bytes of encodeParquet for a table of many row groups', async () => {
    const columns: ParquetColumn[] = [
      { name: 'id', type: 'string', required: true },
      { name: 'n', type: 'integer', required: false },
    ];
    const rows: Row[] = Array.from({ length: 70_005 }, (_, i) =>
      i % 3 === 0 ? ({ id: `r${i}` } as Row) : { id: `r${i}`, n: i * 7 },
    );
    const onThread = await encode(columns, rows, 'thread', 4096);
    expect(onThread.equals(Buffer.from(encodeParquet(columns, rows)))).toBe(true);
  }, 60_000);

  it('fails with the reason when the thread cannot encode a row, and does not hang', async () => {
    const columns: ParquetColumn[] = [{ name: 'id', type: 'string', required: true }];
    const writer = threadWriter(columns, new CollectingSink());
    await writer.add('{"id":"a"}\n{"id":\n');
    await expect(writer.finish()).rejects.toThrow(/Parquet encoder thread failed: .*JSON/);
  }, 30_000);

  it('stops when the sink fails, with the sink’s error', async () => {
    const columns: ParquetColumn[] = [{ name: 'n', type: 'integer', required: true }];
    const rows: Row[] = Array.from({ length: 5000 }, (_, n) => ({ n }));
    const failing: ParquetSink = { write: () => Promise.reject(new Error('disk full')) };
    const writer = threadWriter(columns, failing, 50);
    const feeding = (async () => {
      for (let start = 0; start < rows.length; start += 100)
        await writer.add(linesOf(rows.slice(start, start + 100)));
      await writer.finish();
    })();
    await expect(feeding).rejects.toThrow('disk full');
    await writer.abandon();
  }, 30_000);

  it('starts in a process run with the CLI’s Node options (its heap flags are refused by a worker)', () => {
    const { scripts } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    // `node <options> bin/opendata.ts`: the options the CLI runs with, tsx's loader among them.
    const words = (scripts.opendata ?? '').split(/\s+/);
    const options = words.slice(1, words.indexOf('bin/opendata.ts'));
    expect(options).toContain('--max-semi-space-size=1');
    const module = (name: string) => pathToFileURL(path.join(REPO_ROOT, 'lambda/core', name)).href;
    const script = `
      import { ParquetThreadWriter } from ${JSON.stringify(module('parquet-thread.ts'))};
      import { encodeParquet } from ${JSON.stringify(module('parquet.ts'))};
      const columns = [{ name: 'n', type: 'integer', required: true }];
      const rows = Array.from({ length: 1000 }, (_, n) => ({ n }));
      const chunks = [];
      const writer = ParquetThreadWriter.start(columns, { write: async (chunk) => { chunks.push(chunk); } });
      await writer.add(rows.map((row) => JSON.stringify(row) + '\\n').join(''));
      await writer.finish();
      process.stdout.write(Buffer.concat(chunks).equals(Buffer.from(encodeParquet(columns, rows))) ? 'same' : 'different');`;
    const out = execFileSync(process.execPath, [...options, '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(out).toBe('same');
  }, 60_000);
});
