import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { ByteWriter } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeParquet,
  FIRST_ROW_GROUP_FACTOR,
  parquetWriter,
  PARQUET_ROW_GROUP_ROWS,
  writeParquet,
  type ParquetSink,
} from '../../lambda/core/parquet.js';
import { ownStatistics } from '../../lambda/core/parquet-footer.js';
import type { Column, Row } from '../../lambda/core/row-schema.js';

const COLUMNS: readonly Column[] = [
  { name: 'id', type: 'string', required: true, schema: {} },
  { name: 'year', type: 'integer', required: true, schema: {} },
  { name: 'partner', type: 'string', required: false, schema: {} },
  { name: 'value_musd', type: 'number', required: false, schema: {} },
  { name: 'day', type: 'date', required: false, schema: {} },
  { name: 'flagged', type: 'boolean', required: false, schema: {} },
  { name: 'units', type: 'integer', required: false, schema: {} },
];

const PARTNERS = ['Қазақстан', 'Azərbaycan 🇦🇿', 'KZ', `Ақтау — Баку ${'ә'.repeat(60)}`];

/**
 * Trade-like rows, the same on every run: multi-byte text (some longer than the
 * 64-byte statistics limit), negative decimals, dates before 1970, the largest
 * safe integers, and empty cells (missing keys) in every optional column.
 */
function tradeRows(count: number): Row[] {
  return Array.from({ length: count }, (_, i) => {
    const units =
      i % 11 === 1 ? Number.MAX_SAFE_INTEGER : i % 11 === 2 ? -Number.MAX_SAFE_INTEGER : i * 104_729;
    return {
      id: `r${i} ${PARTNERS[i % PARTNERS.length] ?? ''}`,
      // A hundred rows a year, so that each row group's statistics differ from the file's.
      year: 1995 + (Math.floor(i / 100) % 31),
      ...(i % 6 === 0 ? {} : { partner: PARTNERS[i % 3] ?? '' }),
      ...(i % 5 === 0 ? {} : { value_musd: ((i * 7919) % 100_000) / 100 - 250 }),
      ...(i % 4 === 0
        ? {}
        : { day: new Date(Date.UTC(1965, 0, 1 + ((i * 37) % 25_000))).toISOString().slice(0, 10) }),
      ...(i % 3 === 0 ? {} : { flagged: i % 2 === 0 }),
      ...(i % 7 === 0 ? {} : { units }),
    };
  });
}

/** Hands the rows over in batches of the given sizes, cycling through them (0 gives an empty batch). */
async function* inBatches(rows: readonly Row[], sizes: readonly number[]): AsyncGenerator<readonly Row[]> {
  for (let offset = 0, i = 0; offset < rows.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    yield rows.slice(offset, offset + size);
    offset += size;
  }
}

/** A sink that keeps what it is given, as the chunks it was given. */
class CollectingSink implements ParquetSink {
  readonly chunks: Uint8Array[] = [];
  bytes = 0;

  write(chunk: Uint8Array): Promise<void> {
    this.chunks.push(chunk);
    this.bytes += chunk.byteLength;
    return Promise.resolve();
  }

  concat(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

async function streamed(
  rows: readonly Row[],
  sizes: readonly number[],
  rowGroupRows?: number,
): Promise<Buffer> {
  const sink = new CollectingSink();
  const result = await writeParquet(COLUMNS, inBatches(rows, sizes), sink, { rowGroupRows });
  expect(result).toEqual({ rows: rows.length });
  return sink.concat();
}

/** A row as DuckDB renders it in JSON: BIGINT as text, DATE as `YYYY-MM-DD`, absent as null. */
function asDuckDbJson(row: Row): Record<string, unknown> {
  return Object.fromEntries(
    COLUMNS.map(({ name, type }) => {
      const value = row[name];
      if (value === undefined) return [name, null];
      return [name, type === 'integer' ? String(value) : value];
    }),
  );
}

let directory: string;
let duckdb: DuckDBConnection;

beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'parquet-streaming-'));
  duckdb = await (await DuckDBInstance.create(':memory:')).connect();
});

afterAll(async () => {
  duckdb.closeSync();
  await rm(directory, { recursive: true, force: true });
});

/** Writes the bytes to a file and reads them back with DuckDB: rows in file order, and each row group's size. */
async function readBack(
  bytes: Uint8Array,
  name: string,
): Promise<{ columns: string[]; rows: Record<string, unknown>[]; rowGroups: number[]; sqlFile: string }> {
  const file = path.join(directory, `${name}.parquet`);
  await writeFile(file, bytes);
  const escaped = file.replaceAll("'", "''");
  const described = await duckdb.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${escaped}')`);
  const read = await duckdb.runAndReadAll(
    `SELECT * EXCLUDE (file_row_number) FROM read_parquet('${escaped}', file_row_number = true)
     ORDER BY file_row_number`,
  );
  const groups = await duckdb.runAndReadAll(
    `SELECT row_group_id, any_value(row_group_num_rows) AS num_rows FROM parquet_metadata('${escaped}')
     GROUP BY row_group_id ORDER BY row_group_id`,
  );
  return {
    columns: described.getRowObjectsJson().map((row) => String(row.column_name)),
    rows: read.getRowObjectsJson() as Record<string, unknown>[],
    rowGroups: groups.getRowObjectsJson().map((row) => Number(row.num_rows)),
    sqlFile: escaped,
  };
}

/**
 * The file hyparquet-writer makes when handed each value as it is (an integer as a bigint, an empty cell as
 * null), with the encoder's settings and in its row groups: the first of twice `groupRows`, then `groupRows`.
 */
function writerBytes(columns: readonly Column[], rows: readonly Row[], groupRows: number): Buffer {
  const writer = new ByteWriter();
  const parquet = parquetWriter(writer, columns);
  for (
    let start = 0, size = FIRST_ROW_GROUP_FACTOR * groupRows;
    start < rows.length;
    start += size, size = groupRows
  ) {
    const group = rows.slice(start, start + size);
    void parquet.write({
      columnData: columns.map(({ name, type }) => ({
        name,
        data: group.map((row) => {
          const value = row[name];
          if (value === undefined) return null;
          return type === 'integer' ? BigInt(value as number) : value;
        }),
      })),
      rowGroupSize: group.length,
    });
  }
  void parquet.finish();
  return Buffer.from(writer.getBytes());
}

describe('writeParquet', () => {
  it.each([
    // The first group takes twice the rows of the others (FIRST_ROW_GROUP_FACTOR).
    ['a partial last row group', 3_500, 1_000, [2_000, 1_000, 500]],
    ['an exact multiple of the row group size', 4_000, 1_000, [2_000, 1_000, 1_000]],
    ['one group up to twice the row group size', 2_000, 1_000, [2_000]],
    ['a second group of one row', 2_001, 1_000, [2_000, 1]],
    ['no rows', 0, 1_000, []],
    ['many small row groups', 3_500, 37, [74, ...Array<number>(92).fill(37), 22]],
  ])('writes the same bytes however the rows are batched: %s', async (name, count, rowGroupRows, groups) => {
    // Prepare
    const rows = tradeRows(count);

    // Act
    const outputs = await Promise.all(
      [[1], [7], [1_000], [Math.max(count, 1)], [3, 0, 1, 250]].map((sizes) =>
        streamed(rows, sizes, rowGroupRows),
      ),
    );

    // Assess
    for (const output of outputs.slice(1)) expect(output.equals(outputs[0] as Buffer)).toBe(true);
    const read = await readBack(outputs[0] as Buffer, name.replaceAll(' ', '-'));
    expect(read.columns).toEqual(COLUMNS.map((column) => column.name));
    expect(read.rowGroups).toEqual(groups);
    expect(read.rows).toEqual(rows.map(asDuckDbJson));
  });

  it('keeps the encoding: Snappy, the writer name, per-row-group statistics, native types', async () => {
    const rows = tradeRows(3_500);
    const { sqlFile: file } = await readBack(await streamed(rows, [100], 1_000), 'encoding');

    const meta = await duckdb.runAndReadAll(
      `SELECT created_by, num_rows FROM parquet_file_metadata('${file}')`,
    );
    const chunks = await duckdb.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`);
    const years = await duckdb.runAndReadAll(
      `SELECT row_group_id, stats_min_value, stats_max_value FROM parquet_metadata('${file}')
       WHERE path_in_schema = 'year' ORDER BY row_group_id`,
    );
    const types = await duckdb.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`);

    expect(meta.getRowObjectsJson()).toEqual([{ created_by: 'kz-az-open-data', num_rows: '3500' }]);
    expect(chunks.getRowObjectsJson()).toEqual([{ compression: 'SNAPPY' }]);
    const yearsOf = (group: Row[]): number[] => group.map((row) => row.year as number);
    expect(years.getRowObjectsJson()).toEqual(
      [rows.slice(0, 2_000), rows.slice(2_000, 3_000), rows.slice(3_000)].map((group, row_group_id) => ({
        row_group_id: String(row_group_id),
        stats_min_value: String(Math.min(...yearsOf(group))),
        stats_max_value: String(Math.max(...yearsOf(group))),
      })),
    );
    expect(
      Object.fromEntries(types.getRowObjectsJson().map((row) => [String(row.column_name), row.column_type])),
    ).toEqual({
      id: 'VARCHAR',
      year: 'BIGINT',
      partner: 'VARCHAR',
      value_musd: 'DOUBLE',
      day: 'DATE',
      flagged: 'BOOLEAN',
      units: 'BIGINT',
    });
  });

  it('hands each row group to the sink before the input ends', async () => {
    const rows = tradeRows(4_500);
    const sink = new CollectingSink();
    let bytesBeforeLastBatch = 0;
    async function* batches(): AsyncGenerator<readonly Row[]> {
      yield rows.slice(0, 4_000);
      bytesBeforeLastBatch = sink.bytes;
      yield rows.slice(4_000);
    }

    await writeParquet(COLUMNS, batches(), sink, { rowGroupRows: 1_000 });

    // Three row groups out (the first of 2 000 rows), then the last group with the footer.
    expect(sink.chunks).toHaveLength(4);
    expect(bytesBeforeLastBatch).toBe(sink.bytes - (sink.chunks[3]?.byteLength ?? 0));
  });

  it('gives encodeParquet the same bytes as the default streaming writer', async () => {
    const rows = tradeRows(2_000);

    const streamedBytes = await streamed(rows, [7]);

    expect(Buffer.from(encodeParquet(COLUMNS, rows)).equals(streamedBytes)).toBe(true);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a row group size of %s', async (rowGroupRows) => {
    await expect(
      writeParquet(COLUMNS, inBatches(tradeRows(1), [1]), new CollectingSink(), { rowGroupRows }),
    ).rejects.toThrow(/rowGroupRows must be a positive integer/);
  });
});

describe('text columns', () => {
  const TEXT: readonly Column[] = [
    { name: 'key', type: 'string', required: true, schema: {} },
    { name: 'label', type: 'string', required: false, schema: {} },
  ];

  // Any text: astral characters (whose UTF-16 order differs from their UTF-8 order), long values past the
  // statistics' 64 bytes, empty strings and empty cells; few distinct values (a dictionary) or many.
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.constantFrom('', 'a', '\uffff', '\u{10000}', '\u{1f1e6}\u{1f1ff}', 'ә'.repeat(40)),
  );
  const rows = fc
    .tuple(fc.array(text, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 2_000 }), fc.boolean())
    .map(([values, count, manyDistinct]) =>
      Array.from({ length: count }, (_, i): Row => {
        const value = values[i % values.length] ?? '';
        return {
          key: manyDistinct ? `${value}${i}` : value,
          ...(i % 5 === 3 ? {} : { label: manyDistinct ? `${i}${value}` : value }),
        };
      }),
    );

  it('gives the bytes the writer gives for the strings themselves, dictionary or not', () => {
    fc.assert(
      fc.property(rows, (table) => {
        expect(
          Buffer.from(encodeParquet(TEXT, table)).equals(writerBytes(TEXT, table, PARQUET_ROW_GROUP_ROWS)),
        ).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it("gives a row group's kept minimum and maximum bytes of their own, not a view of a shared slab", () => {
    const slabView = (text: string): Uint8Array => Buffer.from(text, 'utf8');
    const group = {
      columns: [
        {
          file_offset: 0n,
          meta_data: { statistics: { min_value: slabView('a'), max_value: slabView('z') } },
        },
        { file_offset: 0n, meta_data: { statistics: { min_value: 1, max_value: 2 } } },
        { file_offset: 0n },
      ],
    } as unknown as Parameters<typeof ownStatistics>[0];
    const [text] = group.columns;
    expect((text?.meta_data?.statistics?.min_value as Uint8Array).buffer.byteLength).toBeGreaterThan(1);

    ownStatistics(group);

    const [own, numbers] = group.columns;
    for (const value of [own?.meta_data?.statistics?.min_value, own?.meta_data?.statistics?.max_value]) {
      expect(value).toBeInstanceOf(Uint8Array);
      expect((value as Uint8Array).buffer.byteLength).toBe(1);
    }
    expect(Buffer.from(own?.meta_data?.statistics?.min_value as Uint8Array).toString()).toBe('a');
    expect(Buffer.from(own?.meta_data?.statistics?.max_value as Uint8Array).toString()).toBe('z');
    expect(numbers?.meta_data?.statistics).toEqual({ min_value: 1, max_value: 2 });
  });
});

describe('columns of many values', () => {
  // Past the encoder's 1 024 distinct values a column's cells are converted cell by cell, not shared: the
  // file must be what the writer makes of the values, in groups of any size and of several pages.
  const MANY: readonly Column[] = [
    { name: 'key', type: 'string', required: true, schema: {} },
    { name: 'note', type: 'string', required: false, schema: {} },
    { name: 'amount', type: 'number', required: false, schema: {} },
    { name: 'count', type: 'integer', required: false, schema: {} },
  ];

  async function encoded(rows: readonly Row[], groupRows: number): Promise<Buffer> {
    const sink = new CollectingSink();
    await writeParquet(MANY, inBatches(rows, [97]), sink, { rowGroupRows: groupRows });
    return sink.concat();
  }

  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom('', '\uffff', '\u{10000}', '\u{1f1e6}\u{1f1ff}', 'ә'.repeat(30), '\ud800'),
  );
  const amount = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, -0, 1.5, -1e-300),
  );
  const rows = fc
    .tuple(
      fc.array(fc.tuple(text, amount, fc.integer()), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 1_030, max: 1_600 }),
      fc.integer({ min: 2, max: 60 }),
    )
    .map(([values, count, groupRows]) => ({
      groupRows,
      table: Array.from({ length: count }, (_, i): Row => {
        const [value = '', number = 0, integer = 0] = values[i % values.length] ?? [];
        return {
          key: `${value}${i}`,
          ...(i % 7 === 3 ? {} : { note: `${i}${value}` }),
          ...(i % 5 === 1 ? {} : { amount: number + i }),
          ...(i % 3 === 2 ? {} : { count: integer + i }),
        };
      }),
    }));

  it('gives the bytes the writer gives for the values themselves, whatever the text, numbers and groups', async () => {
    await fc.assert(
      fc.asyncProperty(rows, async ({ table, groupRows }) => {
        expect((await encoded(table, groupRows)).equals(writerBytes(MANY, table, groupRows))).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('gives the same bytes for groups of several pages', async () => {
    // Past the first 1 040 rows, groups of 16 whose middle 14 cells are 80 KiB: two pages a group. The
    // writer keeps, for the end of the file, where each page is (and, were column indexes ever asked for,
    // each page's minimum and maximum: here a short first or last cell, kept untruncated, which must be
    // bytes of its own, not a view of memory the next group is written to).
    const table = Array.from({ length: 1_200 }, (_, i): Row => {
      const place = (i - 1_040) % 16;
      const head = place === 0 ? '0' : place === 15 ? 'z' : 'm';
      const text = `${head}${String(i).padStart(5, '0')}${i >= 1_040 && head === 'm' ? 'm'.repeat(80_000) : ''}`;
      return { key: text, note: text, amount: i / 3, count: i };
    });

    expect((await encoded(table, 16)).equals(writerBytes(MANY, table, 16))).toBe(true);
  });
});
