import fc from 'fast-check';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { FooterEntries } from '../../lambda/core/parquet-footer.js';
import { parquetElement } from '../../lambda/core/parquet.js';
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
    sizes: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 6 }),
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

/** Writes the table with hyparquet-writer, calling `afterGroup` after each row group; its bytes and the writer. */
function write(
  { groups, pageSize }: Table,
  afterGroup: (parquet: ParquetWriter) => void,
): { bytes: Buffer; parquet: ParquetWriter } {
  const writer = new ByteWriter();
  const parquet = new ParquetWriter({
    writer,
    schema: [
      { name: 'root', num_children: COLUMNS.length },
      ...COLUMNS.map((column) => parquetElement(column)),
    ],
    codec: 'SNAPPY',
    statistics: true,
    statisticsTruncateLength: 64,
  });
  for (const columns of groups) {
    void parquet.write({
      columnData: COLUMNS.map(({ name }, index) => ({ name, data: columns[index] ?? [], columnIndex: true })),
      rowGroupSize: columns[0]?.length ?? 0,
      pageSize,
    });
    afterGroup(parquet);
  }
  void parquet.finish();
  return { bytes: Buffer.from(writer.getBytes()), parquet };
}

describe('FooterEntries', () => {
  it('changes no byte of the file, whatever the groups, pages and empty cells', () => {
    fc.assert(
      fc.property(table, (data) => {
        const footer = new FooterEntries();
        const kept = write(data, (parquet) => footer.keepSmall(parquet));
        const plain = write(data, () => undefined);
        expect(kept.bytes.equals(plain.bytes)).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it('keeps index entries only for chunks of several pages, and one copy of the arrays every chunk repeats', () => {
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
    const footer = new FooterEntries();

    const { parquet } = write({ groups, pageSize: 4_096 }, (writer) => footer.keepSmall(writer));

    const pending = parquet.pendingIndexes.map((entry) => entry.chunk.meta_data?.path_in_schema.join('.'));
    expect(pending).toEqual(['note']);
    const [first, , third] = parquet.row_groups;
    expect(first?.columns[0]?.meta_data?.encodings).toBe(third?.columns[0]?.meta_data?.encodings);
    expect(first?.columns[0]?.meta_data?.path_in_schema).toBe(third?.columns[0]?.meta_data?.path_in_schema);
    expect(Object.values(first?.columns[0]?.meta_data ?? {})).not.toContain(undefined);
  });
});
