import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeParquet,
  writeParquet,
  type ParquetColumn,
  type ParquetSink,
} from '../../lambda/core/parquet.js';
import { PARQUET_THREAD_MIN_ROWS, writeParquetRows } from '../../lambda/core/parquet-thread.js';
import type { Row } from '../../lambda/core/row-schema.js';
import { inMemory, type Rereadable } from '../../lambda/core/row-source.js';
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

async function encode(
  columns: readonly ParquetColumn[],
  rows: Rereadable<Row>,
  where: 'thread' | 'process',
  rowGroupRows?: number,
): Promise<Buffer> {
  const sink = new CollectingSink();
  const result = await writeParquetRows(columns, rows, sink, {
    where,
    ...(rowGroupRows ? { rowGroupRows } : {}),
  });
  expect(result.rows).toBe(rows.count);
  return sink.bytes();
}

describe('the Parquet encoder on its own thread', () => {
  it('writes the same bytes as the encoder in process, for any columns, rows, row groups and batches', async () => {
    await fc.assert(
      fc.asyncProperty(table, async ({ columns, rows, rowGroupRows, batchRows }) => {
        const source = inMemory(rows, batchRows);
        const onThread = await encode(columns, source, 'thread', rowGroupRows);
        const inProcess = await encode(columns, source, 'process', rowGroupRows);
        expect(onThread.equals(inProcess)).toBe(true);
        const streamed = new CollectingSink();
        await writeParquet(columns, source.open(), streamed, { rowGroupRows });
        expect(onThread.equals(streamed.bytes())).toBe(true);
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('gives the bytes of encodeParquet for a table past the size where the thread is used', async () => {
    const columns: ParquetColumn[] = [
      { name: 'id', type: 'string', required: true },
      { name: 'n', type: 'integer', required: false },
    ];
    const rows: Row[] = Array.from({ length: PARQUET_THREAD_MIN_ROWS + 5 }, (_, i) =>
      i % 3 === 0 ? ({ id: `r${i}` } as Row) : { id: `r${i}`, n: i * 7 },
    );
    // 'auto' picks the thread on a machine with a second core; the bytes may not show which ran.
    const sink = new CollectingSink();
    await writeParquetRows(columns, inMemory(rows), sink);
    expect(sink.bytes().equals(Buffer.from(encodeParquet(columns, rows)))).toBe(true);
  }, 60_000);

  it('fails with the reason when the thread cannot encode a row, and does not hang', async () => {
    const columns: ParquetColumn[] = [{ name: 'id', type: 'string', required: true }];
    const broken: Rereadable<Row> = {
      count: 2,
      open: () => {
        throw new Error('not read as values');
      },
      openBatches: () => {
        throw new Error('not read in both forms');
      },
      async *openJson() {
        yield ['{"id":"a"}', '{"id":'];
      },
    };
    await expect(
      writeParquetRows(columns, broken, new CollectingSink(), { where: 'thread' }),
    ).rejects.toThrow(/Parquet encoder thread failed: .*JSON/);
  }, 30_000);

  it('stops reading when the sink fails, with the sink’s error', async () => {
    const columns: ParquetColumn[] = [{ name: 'n', type: 'integer', required: true }];
    const rows: Row[] = Array.from({ length: 5000 }, (_, n) => ({ n }));
    const failing: ParquetSink = { write: () => Promise.reject(new Error('disk full')) };
    await expect(
      writeParquetRows(columns, inMemory(rows, 100), failing, { where: 'thread', rowGroupRows: 50 }),
    ).rejects.toThrow('disk full');
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
      import { writeParquetRows } from ${JSON.stringify(module('parquet-thread.ts'))};
      import { encodeParquet } from ${JSON.stringify(module('parquet.ts'))};
      import { inMemory } from ${JSON.stringify(module('row-source.ts'))};
      const columns = [{ name: 'n', type: 'integer', required: true }];
      const rows = Array.from({ length: 1000 }, (_, n) => ({ n }));
      const chunks = [];
      await writeParquetRows(columns, inMemory(rows), { write: async (chunk) => { chunks.push(chunk); } }, { where: 'thread' });
      process.stdout.write(Buffer.concat(chunks).equals(Buffer.from(encodeParquet(columns, rows))) ? 'same' : 'different');`;
    const out = execFileSync(process.execPath, [...options, '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(out).toBe('same');
  }, 60_000);
});
