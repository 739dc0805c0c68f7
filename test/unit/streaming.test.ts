import { describe, expect, it } from 'vitest';
import { PART_CHARS, readCsvRecordBatches } from '../../lambda/core/csv-records.js';
import { validateDataset } from '../../lambda/core/validate.js';
import { FIXTURE_SCHEMA, fixtureSource } from '../support/dataset-fixture.js';

// Free text in `kind`, so rows can carry multi-byte characters, quotes and line breaks.
const SCHEMA = { ...FIXTURE_SCHEMA, properties: { ...FIXTURE_SCHEMA.properties, kind: { type: 'string' } } };

/** A CSV that crosses every boundary: multi-byte UTF-8, quoted line breaks, doubled quotes, many rows. */
function generate(rows: number, badRow?: number): Uint8Array {
  const lines = ['id,year,value_musd,flagged,day,kind'];
  for (let i = 0; i < rows; i++) {
    const kind =
      i % 3 === 0 ? `"Қазақстан ""${i}""\nАзәрбайҹан 🇦🇿"` : i % 3 === 1 ? `plain ${i}` : `"a,b ${i}"`;
    const value = i === badRow ? '"1,5"' : String((i % 1000) / 10);
    lines.push(`r${i},${2001 + (i % 19)},${value},${i % 2 === 0},${i % 5 === 0 ? '2019-10-09' : ''},${kind}`);
  }
  return new TextEncoder().encode(`${lines.join('\r\n')}\r\n`);
}

/** Splits bytes into chunks of the given sizes, cycling through them. */
function chunk(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}

describe('streaming validation', () => {
  const bytes = generate(5000);

  it.each([
    ['1-byte chunks (every UTF-8 sequence split)', [1]],
    ['odd chunk sizes', [3, 7, 1, 13, 2]],
    ['64 KiB chunks', [65536]],
    ['chunks just past the record batch size', [1025 * 40, 17]],
  ])('reads the same rows with %s as from one buffer', async (_name, sizes) => {
    const whole = await validateDataset(fixtureSource({ csv: [bytes], schema: SCHEMA }));

    const streamed = await validateDataset(fixtureSource({ csv: chunk(bytes, sizes), schema: SCHEMA }));

    expect(whole.report.issues).toEqual([]);
    expect(streamed.report).toEqual(whole.report);
    expect(streamed.dataset?.rows).toEqual(whole.dataset?.rows);
    expect(streamed.dataset?.rows[0]?.kind).toBe('Қазақстан "0"\nАзәрбайҹан 🇦🇿');
  });

  it('reports an error far into the file at the same line and column however it is chunked', async () => {
    const broken = generate(5000, 4321);

    const results = await Promise.all(
      [[broken.length], [1], [5, 11]].map((sizes) =>
        validateDataset(fixtureSource({ csv: chunk(broken, sizes), schema: SCHEMA })),
      ),
    );

    // Every third row before 4321 spans two lines, so the row sits below its index.
    const line = 2 + 4321 + Math.ceil(4321 / 3);
    for (const { report } of results) {
      expect(report.issues.map((issue) => [issue.code, issue.line, issue.column])).toEqual([
        ['type-error', line, 3],
      ]);
    }
  });
});

describe('stopping early', () => {
  it('releases the source when the reader stops before the end (a limit, an encoding error)', async () => {
    let released = false;
    async function* text(): AsyncGenerator<string> {
      try {
        yield 'a,b\n1,2\n';
        for (let i = 0; i < 1_000_000; i++) yield `${i},x\n`;
      } finally {
        released = true;
      }
    }

    for await (const batch of readCsvRecordBatches(text())) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(released).toBe(true);
  });
});

describe('batches', () => {
  it('hands over the records of a large piece of text in batches of at most PART_CHARS characters', async () => {
    // One piece of 1 MiB, as a file or S3 stream may give: its records, 16 characters each with the line break.
    const rows = 65_536;
    const piece = `id,name\n${Array.from({ length: rows }, (_, i) => `${String(i).padStart(8, '0')},abcdef\n`).join('')}`;
    async function* text(): AsyncGenerator<string> {
      yield piece;
    }

    const sizes: number[] = [];
    const lines: number[] = [];
    for await (const batch of readCsvRecordBatches(text())) {
      sizes.push(batch.reduce((chars, record) => chars + record.fields.join(',').length + 1, 0));
      lines.push(...batch.map((record) => record.line));
    }

    // Every record once, in order, on its line; no batch holds more than a part's worth of text.
    expect(lines).toEqual(Array.from({ length: rows + 1 }, (_, i) => i + 1));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(PART_CHARS);
    expect(sizes.length).toBeGreaterThanOrEqual(piece.length / PART_CHARS);
  });

  it('reads a record longer than a part whole, wherever the parts cut it', async () => {
    const long = 'Қ😀'.repeat(PART_CHARS); // three code units a time: cuts fall inside surrogate pairs too
    async function* text(): AsyncGenerator<string> {
      yield `a,b\n1,"${long}"\n2,"x""y"\n`;
    }

    const records = [];
    for await (const batch of readCsvRecordBatches(text())) records.push(...batch);

    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'], problems: [] },
      { line: 2, fields: ['1', long], problems: [] },
      { line: 3, fields: ['2', 'x"y'], problems: [] },
    ]);
  });
});
