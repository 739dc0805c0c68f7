import fc from 'fast-check';
import { ByteWriter, type ParquetWriter } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { ParquetFooter } from '../../lambda/core/parquet-footer.js';
import { parquetWriter } from '../../lambda/core/parquet.js';
import type { Column } from '../../lambda/core/row-schema.js';

const COLUMNS: readonly Column[] = [
  { name: 'id', type: 'string', required: true, schema: {} },
  { name: 'year', type: 'integer', required: false, schema: {} },
  { name: 'note', type: 'string', required: false, schema: {} },
  { name: 'share', type: 'number', required: false, schema: {} },
];

type Cell = string | bigint | number | null;

/** A table's column values, cut into the row groups given by their sizes. */
interface Table {
  readonly groups: readonly (readonly Cell[][])[];
  /** Bytes per page: small pages make chunks of several pages, which keep their index entries. */
  readonly pageSize: number;
}

const table: fc.Arbitrary<Table> = fc
  .record({
    sizes: fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 18 }),
    noteLength: fc.integer({ min: 0, max: 200 }),
    pageSize: fc.constantFrom(256, 4_096, 1_048_576),
    nullEvery: fc.integer({ min: 2, max: 9 }),
  })
  .map(({ sizes, noteLength, pageSize, nullEvery }) => {
    let row = 0;
    const groups = sizes.map((size) => {
      const columns: Cell[][] = [[], [], [], []];
      for (let i = 0; i < size; i++, row++) {
        columns[0]?.push(`row-${row}`);
        columns[1]?.push(row % nullEvery === 0 ? null : BigInt(1990 + (row % 40)));
        columns[2]?.push(row % nullEvery === 1 ? null : `${row % 3}`.padEnd(noteLength, 'ә'));
        columns[3]?.push(row % nullEvery === 2 ? null : row / 7);
      }
      return columns;
    });
    return { groups, pageSize };
  });

/**
 * Writes the table with hyparquet-writer, its footer by `ParquetWriter.finish` or, with `footer`, by a
 * `ParquetFooter` told of each group as it is written; its bytes and the writer.
 */
function write({ groups, pageSize }: Table, footer: boolean): { bytes: Buffer; parquet: ParquetWriter } {
  const writer = new ByteWriter();
  const parquet = parquetWriter(writer, COLUMNS);
  const ours = footer ? new ParquetFooter(parquet) : undefined;
  for (const columns of groups) {
    void parquet.write({
      columnData: COLUMNS.map(({ name }, index) => ({ name, data: columns[index] ?? [], columnIndex: true })),
      rowGroupSize: columns[0]?.length ?? 0,
      pageSize,
    });
    ours?.groupWritten();
  }
  if (ours === undefined) void parquet.finish();
  else ours.finish();
  return { bytes: Buffer.from(writer.getBytes()), parquet };
}

describe('ParquetFooter', () => {
  it("writes the writer's own bytes, whatever the groups, pages and empty cells", () => {
    fc.assert(
      fc.property(table, (data) => {
        expect(write(data, true).bytes.equals(write(data, false).bytes)).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it('leaves the writer holding only the groups with a chunk of several pages, whose indexes come at the end', () => {
    // Three groups: the notes of the second are long enough for several 4 KiB pages.
    const groups = [40, 400, 40].map((size, group) =>
      COLUMNS.map((column, index) =>
        Array.from({ length: size }, (_, row): Cell => {
          if (index === 0) return `g${group}-${row}`;
          if (index === 1) return 2000n;
          if (index === 2) return group === 1 ? `${row}`.padEnd(120, 'x') : 'short';
          return row;
        }),
      ),
    );

    const { parquet } = write({ groups, pageSize: 4_096 }, true);

    expect(parquet.row_groups.map((group) => group.num_rows)).toEqual([400n]);
    expect(parquet.pendingIndexes.map((entry) => entry.chunk)).toEqual(parquet.row_groups[0]?.columns);
    expect(parquet.num_rows).toBe(480n);
  });

  it.each([0, 1, 14, 15, 16, 20])(
    'writes the footer of %i row groups, around the 14 a list header holds',
    (count) => {
      const data: Table = {
        groups: Array.from({ length: count }, (_, group) => [
          [`g${group}`],
          [BigInt(group)],
          [null],
          [group],
        ]),
        pageSize: 1_048_576,
      };
      expect(write(data, true).bytes.equals(write(data, false).bytes)).toBe(true);
    },
  );
});
