import fc from 'fast-check';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CanonicalCsvWriter,
  canonicalizeDataset,
  canonicalizeTable,
  sortByPrimaryKey,
} from '../../lambda/core/canonical.js';
import { diffRows, diffSortedRows } from '../../lambda/core/changes.js';
import { NotWrittenLayoutError, writeJsonObject, writtenArrayItems } from '../../lambda/core/json-writer.js';
import { collectRows, inMemory, Spill } from '../../lambda/core/row-source.js';
import type { Row } from '../../lambda/core/row-schema.js';
import { ScratchDirectory } from '../../lambda/core/scratch.js';
import { RowSorter } from '../../lambda/core/sort-rows.js';
import { validateDataset } from '../../lambda/core/validate.js';
import { FIXTURE_SCHEMA, fixtureSource } from '../support/dataset-fixture.js';
import { scratchForEachTest } from '../support/scratch.js';

const KEY = ['year', 'flow'];

/** A deterministic pseudo-random sequence, so failures reproduce. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function makeRow(year: number, flow: string, next: () => number): Row {
  const row = Object.create(null) as Record<string, string | number | boolean>;
  row.year = year;
  row.flow = flow;
  if (next() < 0.8) row.value = Math.round(next() * 1e6) / 100;
  if (next() < 0.5) row.flag = next() < 0.5;
  if (next() < 0.3) row['__proto__'] = `Қазақстан "${year}"\nAzərbaycan`;
  return row;
}

/** `count` rows with distinct keys, in shuffled order. */
function shuffledRows(count: number, seed = 7): Row[] {
  const next = random(seed);
  const rows = Array.from({ length: count }, (_, i) =>
    makeRow(1990 + (i % 37), `flow-${Math.floor(i / 37)}`, next),
  );
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [rows[i], rows[j]] = [rows[j] as Row, rows[i] as Row];
  }
  return rows;
}

/** Feeds rows to a sink in batches of the given sizes, cycling. */
async function feed(
  sink: { add(rows: readonly Row[]): Promise<void> },
  rows: readonly Row[],
  sizes: number[],
) {
  for (let start = 0, i = 0; start < rows.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    await sink.add(rows.slice(start, start + size));
    start += size;
  }
}

const scratch = scratchForEachTest();

describe('scratch directory', () => {
  it('removes its files, open or closed, and leftovers of interrupted runs, but nothing else', async () => {
    const parent = await ScratchDirectory.create();
    const other = path.join(parent.path, 'unrelated');
    await mkdir(other);
    const interrupted = await ScratchDirectory.create(parent.path);
    const open = await interrupted.createFile('open');
    await open.write('never closed');

    expect(await ScratchDirectory.removeLeftovers(parent.path)).toEqual([path.basename(interrupted.path)]);
    expect(await readdir(parent.path)).toEqual(['unrelated']);
    await open.abandon(); // the interrupted run's process would be gone; this one still holds the handle

    const finished = await ScratchDirectory.create(parent.path);
    await (await finished.createFile('left-open')).write('x');
    await finished.dispose();
    expect(await readdir(parent.path)).toEqual(['unrelated']);
    await parent.dispose();
  });
});

describe('row spill', () => {
  it('reads back exactly the rows written: types, absent cells, a __proto__ column, unicode', async () => {
    const rows = shuffledRows(500);
    const spill = await Spill.rows(scratch.current, 'test');
    await feed(spill, rows, [1, 13, 200]);
    const source = await spill.close(7);

    const back = await collectRows(source.open());
    expect(source.count).toBe(500);
    expect(back).toEqual(rows);
    expect(back.some((row) => Object.hasOwn(row, '__proto__'))).toBe(true);
    expect(Object.getPrototypeOf(back[0])).toBeNull();
    // Readable more than once.
    expect(await collectRows(source.open())).toEqual(rows);
  });

  it('reads back the JSON lines written, as bytes, alone or beside the rows, in batches of at least the size asked', async () => {
    const rows = shuffledRows(500);
    const spill = await Spill.rows(scratch.current, 'json');
    await feed(spill, rows, [1, 13, 200]);
    const source = await spill.close(7);
    const written = rows.map((row) => `${JSON.stringify(row)}\n`).join('');

    const alone: Uint8Array[] = [];
    for await (const pieces of source.openJson()) alone.push(...pieces);
    const both = { json: [] as Uint8Array[], rows: [] as Row[], sizes: [] as number[] };
    for await (const batch of source.openBatches({ values: true, json: true })) {
      both.json.push(...(batch.json ?? []));
      both.rows.push(...(batch.values ?? []));
      both.sizes.push(batch.values?.length ?? 0);
    }

    expect(Buffer.concat(alone).toString('utf8')).toBe(written);
    expect(Buffer.concat(both.json).toString('utf8')).toBe(written);
    expect(both.rows).toEqual(rows);
    expect(both.sizes.slice(0, -1).every((size) => size >= 7)).toBe(true);
  });
});

describe('external sort', () => {
  it.each([
    ['already sorted input (written once, no runs)', true, [50]],
    ['shuffled input, runs smaller than a batch', false, [50]],
    ['shuffled input, one row per batch', false, [1]],
    ['shuffled input, batches crossing runs', false, [3, 29, 101]],
  ])('orders %s like the in-memory sort', async (_name, presorted, sizes) => {
    const input = presorted ? sortByPrimaryKey(shuffledRows(2000), KEY) : shuffledRows(2000);
    const sorter = new RowSorter(scratch.current, KEY, 64);
    await feed(sorter, input, sizes);
    const sorted = await sorter.finish();

    expect(sorted.count).toBe(2000);
    expect(await collectRows(sorted.open())).toEqual(sortByPrimaryKey(input, KEY));
  });

  it('sorts input that turns out of order late, and empty input', async () => {
    const ordered = sortByPrimaryKey(shuffledRows(300), KEY);
    const late = [...ordered.slice(0, 250), ...ordered.slice(250).reverse()];
    const sorter = new RowSorter(scratch.current, KEY, 16);
    await feed(sorter, late, [40]);
    expect(await collectRows((await sorter.finish()).open())).toEqual(ordered);

    const empty = await new RowSorter(scratch.current, KEY).finish();
    expect(empty.count).toBe(0);
    expect(await collectRows(empty.open())).toEqual([]);
  });
});

describe('streamed canonical form', () => {
  // Free text in `kind`, so rows carry multi-byte characters, quotes, commas and line breaks.
  const schema = {
    ...FIXTURE_SCHEMA,
    properties: { ...FIXTURE_SCHEMA.properties, kind: { type: 'string' } },
  };
  const lines = ['id,year,value_musd,flagged,day,kind'];
  for (let i = 2999; i >= 0; i--) {
    const kind = i % 3 === 0 ? `"Қазақстан ""${i}""\nAzərbaycan"` : i % 3 === 1 ? `=formula ${i}` : `"a,b"`;
    lines.push(
      `r${i},${2001 + (i % 19)},${(i % 997) / 10},${i % 2 === 0},${i % 5 === 0 ? '2019-10-09' : ''},${kind}`,
    );
  }
  const csv = `${lines.join('\n')}\n`;
  const columnSchema = { ...schema.properties, kind: { type: 'string', allowFormulaPrefix: true } };

  it('gives the same CSV bytes and hashes as the in-memory path, whatever the run size', async () => {
    const source = () => fixtureSource({ csv, schema: { ...schema, properties: columnSchema } });
    const { dataset, report } = await validateDataset(source());
    if (dataset === undefined) throw new Error(JSON.stringify(report.issues.slice(0, 3)));
    const inMemory = canonicalizeDataset(dataset);

    for (const runRows of [1, 7, 100_000]) {
      let sorter: RowSorter | undefined;
      const { definition } = await validateDataset(source(), undefined, {
        sinkRows: () => (sorter = new RowSorter(scratch.current, ['id'], runRows)),
      });
      if (definition === undefined || sorter === undefined) throw new Error('fixture should be valid');
      const table = await canonicalizeTable(definition, await sorter.finish(), scratch.current);

      const chunks: Uint8Array[] = [];
      for await (const chunk of table.csv.open()) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      expect(bytes.equals(Buffer.from(inMemory.csv))).toBe(true);
      expect(table.contentHash).toBe(inMemory.contentHash);
      expect(table.schemaHash).toBe(inMemory.schemaHash);
      expect(table.csv.bytes).toBe(inMemory.csv.byteLength);
    }
  });

  it('writes the same CSV while validating when the input is in key order, and says when it was not', async () => {
    const [head, ...body] = lines;
    const sortedCsv = `${[head, ...[...body].sort()].join('\n')}\n`;
    for (const [text, inOrder] of [
      [sortedCsv, true],
      [csv, false],
    ] as const) {
      const source = () => fixtureSource({ csv: text, schema: { ...schema, properties: columnSchema } });
      const { dataset, report } = await validateDataset(source());
      if (dataset === undefined) throw new Error(JSON.stringify(report.issues.slice(0, 3)));
      const inMemory = canonicalizeDataset(dataset);

      let sorter: RowSorter | undefined;
      let written: CanonicalCsvWriter | undefined;
      const { definition } = await validateDataset(source(), undefined, {
        sinkRows: (definition) => {
          written = CanonicalCsvWriter.inScratch(definition, scratch.current);
          return (sorter = new RowSorter(scratch.current, ['id'], 100, written));
        },
      });
      if (definition === undefined || sorter === undefined) throw new Error('fixture should be valid');
      const rows = await sorter.finish();
      expect(sorter.sorted).toBe(inOrder);
      const table = await canonicalizeTable(
        definition,
        rows,
        scratch.current,
        sorter.sorted ? written : undefined,
      );

      const chunks: Uint8Array[] = [];
      for await (const chunk of table.csv.open()) chunks.push(chunk);
      expect(Buffer.concat(chunks).equals(Buffer.from(inMemory.csv))).toBe(true);
      expect(table.contentHash).toBe(inMemory.contentHash);
    }
  });

  it('hands no rows over once validation has found an issue', async () => {
    const bad = csv.replace('r10,', 'r10,not-a-year-').replace(/\nr5,\d+/, '\nr5,1');
    const handed: Row[] = [];
    const result = await validateDataset(
      fixtureSource({ csv: bad, schema: { ...schema, properties: columnSchema } }),
      undefined,
      {
        sinkRows: () => ({ add: async (rows) => void handed.push(...rows) }),
      },
    );

    expect(result.report.valid).toBe(false);
    expect(result.definition).toBeUndefined();
    // Rows run from r2999 down: every row before the first bad one (r10) was handed over, none after it.
    expect(result.report.issues.map((issue) => issue.code)).toEqual(['type-error', 'constraint-error']);
    expect(handed).toHaveLength(2999 - 10);
    expect(handed.at(-1)?.id).toBe('r11');
  });
});

describe('primary keys checked without a key set while the file is in key order', () => {
  const header = 'id,year,value_musd,flagged,day,kind';
  const row = (id: string) => `${id},2001,1,false,,turnover`;
  const ids = Array.from({ length: 200 }, (_, i) => `r${String(i).padStart(4, '0')}`);

  async function keyIssues(lines: string[]) {
    const { report } = await validateDataset(fixtureSource({ csv: `${[header, ...lines].join('\n')}\n` }));
    return report.issues.map((issue) => `${issue.line}: ${issue.code} ${issue.message}`);
  }

  it('finds a repeat next to its first row in a sorted file', async () => {
    const lines = ids.map(row);
    lines.splice(51, 0, row(ids[50] ?? ''));
    expect(await keyIssues(lines)).toEqual([
      `53: primary-key primary key id=r0050 repeats the row on line 52`,
    ]);
  });

  it('finds a repeat of an early row after the file leaves key order, as when every key is kept', async () => {
    const lines = [...ids.map(row), row('a-out-of-order'), row(ids[3] ?? ''), row(ids[3] ?? '')];
    expect(await keyIssues(lines)).toEqual([
      `203: primary-key primary key id=r0003 repeats the row on line 5`,
      `204: primary-key primary key id=r0003 repeats the row on line 5`,
    ]);
  });

  it('hands each row of an out-of-order file over once, to the sink of the second reading', async () => {
    const lines = [...ids.slice(100).map(row), ...ids.slice(0, 100).map(row)];
    const sinks: Row[][] = [];
    const { report } = await validateDataset(
      fixtureSource({ csv: `${[header, ...lines].join('\n')}\n` }),
      undefined,
      {
        sinkRows: () => {
          const received: Row[] = [];
          sinks.push(received);
          return { add: async (rows) => void received.push(...rows) };
        },
      },
    );

    expect(report.valid).toBe(true);
    expect(sinks).toHaveLength(2);
    expect(sinks[1]?.map((received) => received.id)).toEqual([...ids.slice(100), ...ids.slice(0, 100)]);
  });
});

describe('merge diff', () => {
  it('lists the same rows added, removed and changed as the in-memory diff', async () => {
    const next = random(11);
    const before = sortByPrimaryKey(shuffledRows(1500, 3), KEY);
    const after: Row[] = [];
    for (const row of before) {
      const roll = next();
      if (roll < 0.1) continue; // removed
      if (roll < 0.25)
        after.push({ ...row, value: 1 + Math.round(next() * 100) }); // changed
      else if (roll < 0.3) {
        const emptied = { ...row }; // a cell emptied
        delete emptied.flag;
        after.push(emptied);
      } else after.push(row);
    }
    for (let i = 0; i < 120; i++) after.push(makeRow(2100 + i, `new-${i}`, next)); // added
    const sortedAfter = sortByPrimaryKey(after, KEY);

    const spilled = await diffSortedRows(
      inMemory(before, 17).open(),
      inMemory(sortedAfter, 5).open(),
      KEY,
      scratch.current,
    );
    const expected = diffRows(before, sortedAfter, KEY);

    expect(spilled.summary).toEqual({
      added: expected.added.length,
      removed: expected.removed.length,
      changed: expected.changed.length,
    });
    expect(spilled.summary.added).toBeGreaterThanOrEqual(120);
    expect(spilled.summary.removed).toBeGreaterThan(0);
    expect(spilled.summary.changed).toBeGreaterThan(0);
    expect(await collectRows(spilled.added.open())).toEqual(JSON.parse(JSON.stringify(expected.added)));
    expect(await collectRows(spilled.removed.open())).toEqual(JSON.parse(JSON.stringify(expected.removed)));
    expect(await collectRows(spilled.changed.open() as never)).toEqual(
      JSON.parse(JSON.stringify(expected.changed)),
    );
  });
});

describe('streamed JSON writer', () => {
  /** Items as JSON lines, cut into pieces of whole lines at the given line counts (cycled). */
  function jsonLines(items: readonly unknown[], cuts: readonly number[] = [items.length]): Uint8Array[] {
    const pieces: Uint8Array[] = [];
    for (let start = 0, i = 0; start < items.length; i++) {
      const size = Math.max(1, cuts[i % cuts.length] ?? 1);
      const text = items
        .slice(start, start + size)
        .map((item) => `${JSON.stringify(item)}\n`)
        .join('');
      pieces.push(Buffer.from(text, 'utf8'));
      start += size;
    }
    return pieces;
  }

  async function write(
    head: Record<string, unknown>,
    arrays: [string, unknown[][]][],
    cuts?: readonly number[],
  ): Promise<string> {
    const chunks: Buffer[] = [];
    const sink = {
      write: async (chunk: Uint8Array | string) => void chunks.push(Buffer.from(chunk as Uint8Array)),
    };
    await writeJsonObject(
      sink,
      head,
      arrays.map(
        ([name, batches]) =>
          [
            name,
            (async function* () {
              for (const batch of batches) yield jsonLines(batch, cuts);
            })(),
          ] as const,
      ),
    );
    return Buffer.concat(chunks).toString('utf8');
  }

  it('writes any items in any batches and pieces as the document JSON.stringify would give, item by item', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.jsonValue(), { maxLength: 6 }), { maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
        fc.option(fc.string({ unit: 'binary', minLength: 70_000, maxLength: 70_100 }), { nil: undefined }),
        async (batches, cuts, long) => {
          // A long item (past the 64 KiB a buffer holds) among the others when given.
          const withLong = long === undefined ? batches : [...batches, [{ long }, 1]];
          const items = withLong.flat();
          const text = await write({ id: 'x' }, [['rows', withLong]], cuts);

          expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify({ id: 'x', rows: items })));
          const lines = items.map((item) => `    ${JSON.stringify(item)}`).join(',\n');
          expect(text).toBe(
            `{\n  "id": "x",\n  "rows": [${items.length === 0 ? ']' : `\n${lines}\n  ]`}\n}\n`,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('writes one JSON document: the head pretty-printed, then each array one item per line', async () => {
    const text = await write({ id: 'x', nested: { a: [1, 2] } }, [
      ['rows', [[{ a: 1 }, { b: 'two\nlines' }], [], [{ c: null }]]],
      ['empty', []],
    ]);

    expect(JSON.parse(text)).toEqual({
      id: 'x',
      nested: { a: [1, 2] },
      rows: [{ a: 1 }, { b: 'two\nlines' }, { c: null }],
      empty: [],
    });
    expect(text).toBe(
      '{\n  "id": "x",\n  "nested": {\n    "a": [\n      1,\n      2\n    ]\n  },\n  "rows": [\n    {"a":1},\n    {"b":"two\\nlines"},\n    {"c":null}\n  ],\n  "empty": []\n}\n',
    );
  });

  /** The item texts {@link writtenArrayItems} reads from `text` handed over in pieces of the given byte sizes (cycled). */
  async function readBack(text: string, name: string, sizes: readonly number[]): Promise<string[]> {
    const bytes = Buffer.from(text, 'utf8');
    async function* pieces() {
      for (let start = 0, i = 0; start < bytes.length; i++) {
        const size = Math.max(1, sizes[i % sizes.length] ?? 1);
        // A copy in a buffer of its own, as a stream hands over.
        yield Uint8Array.from(bytes.subarray(start, start + size));
        start += size;
      }
    }
    const items: string[] = [];
    for await (const batch of writtenArrayItems(pieces(), name)) items.push(...batch);
    return items;
  }

  /** Object keys, with the names and characters that could pass for the layout's own lines. */
  const keys = fc.oneof(fc.string(), fc.constantFrom('rows', 'id', '  "rows": [', '\n', ']', '}', ',', ' '));

  it('reads back the items of the last array as it wrote them, in pieces of any size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(keys, fc.jsonValue()).filter((head) => !('rows' in head)),
        fc.array(fc.array(fc.jsonValue(), { maxLength: 6 }), { maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }),
        async (head, batches, sizes) => {
          const text = await write(head, [['rows', batches]]);
          const items = await readBack(text, 'rows', sizes);
          expect(items.map((item) => JSON.parse(item))).toEqual(JSON.parse(text).rows);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads back no items from a document laid out otherwise: it says so instead', async () => {
    const rows = [{ a: 1 }, { b: 'two' }];
    for (const text of [
      `${JSON.stringify({ id: 'x', rows }, null, 2)}\n`, // pretty-printed throughout
      JSON.stringify({ id: 'x', rows }), // on one line
      await write({ id: 'x' }, [
        ['rows', [rows]],
        ['more', [[1]]],
      ]), // not the last array
      (await write({ id: 'x' }, [['rows', [rows]]])).slice(0, -3), // cut short
      (await write({ id: 'x' }, [['rows', [rows]]])).replace('{"a":1},', '{"a":1}'), // a comma missing
      (await write({ id: 'x' }, [['rows', [rows]]])).replace('\n}\n', '\n}\n{}\n'), // more after the end
      (await write({ id: 'x' }, [['rows', [rows]]])).replace(/\n}\n$/, '\n]\n'), // not closed as an object
      (await write({ id: 'x' }, [['rows', [rows]]])).replaceAll('\n', '\r\n'), // other line endings
      await write({ id: 'x' }, [['list', [rows]]]), // no such array
    ])
      await expect(readBack(text, 'rows', [7])).rejects.toThrow(NotWrittenLayoutError);
  });

  it('writes a valid document with no head properties', async () => {
    expect(JSON.parse(await write({}, [['rows', [[1, 2]]]]))).toEqual({ rows: [1, 2] });
    expect(JSON.parse(await write({}, []))).toEqual({});
  });
});
