import { describe, expect, it } from 'vitest';
import {
  canonicalizeDataset,
  canonicalJson,
  compareKeys,
  renderCsv,
  rulesOf,
} from '../../lambda/core/canonical.js';
import { validateDataset } from '../../lambda/core/validate.js';
import { FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA, fixtureSource } from '../support/dataset-fixture.js';

async function canonicalOf(csv: string, overrides: { descriptor?: unknown; schema?: unknown } = {}) {
  const { dataset, report } = await validateDataset(fixtureSource({ csv, ...overrides }));
  if (dataset === undefined) throw new Error(JSON.stringify(report.issues));
  return canonicalizeDataset(dataset);
}

describe('canonical form', () => {
  it('sorts by primary key, uses LF, RFC 4180 quoting and canonical numbers', async () => {
    const canonical = await canonicalOf(
      'id,year,value_musd,flagged,day,kind\r\nz,2001,142.10,false,,turnover\r\n"a",2002,"1e3",true,2002-01-01,export\r\n',
    );

    expect(new TextDecoder().decode(canonical.csv)).toBe(
      'id,year,value_musd,flagged,day,kind\na,2002,1000,true,2002-01-01,export\nz,2001,142.1,false,,turnover\n',
    );
  });

  it('quotes cells that contain a comma, a quote or a line break', () => {
    const columns = [{ name: 'text', type: 'string' as const, required: true, schema: {} }];
    expect(renderCsv(columns, [{ text: 'a,b' }, { text: 'say "hi"' }, { text: 'two\nlines' }])).toBe(
      'text\n"a,b"\n"say ""hi"""\n"two\nlines"\n',
    );
  });

  it('gives the same hash for the same content written differently, and another for other content', async () => {
    const one = await canonicalOf(
      'id,year,value_musd,flagged,day,kind\nb,2001,1.50,false,,turnover\na,2002,2,true,,export\n',
    );
    const same = await canonicalOf(
      'id,year,value_musd,flagged,day,kind\r\na,2002,2.0,true,,export\r\nb,2001,1.5,false,,turnover\r\n',
    );
    const otherCell = await canonicalOf(
      'id,year,value_musd,flagged,day,kind\nb,2001,1.6,false,,turnover\na,2002,2,true,,export\n',
    );
    const otherDescriptor = await canonicalOf(
      'id,year,value_musd,flagged,day,kind\nb,2001,1.50,false,,turnover\na,2002,2,true,,export\n',
      { descriptor: { ...FIXTURE_DESCRIPTOR, title: 'Renamed sample dataset' } },
    );

    expect(same.contentHash).toBe(one.contentHash);
    expect(otherCell.contentHash).not.toBe(one.contentHash);
    expect(otherDescriptor.contentHash).not.toBe(one.contentHash);
    expect(otherDescriptor.schemaHash).toBe(one.schemaHash);
    expect(one.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('hashes the schema independently of key order', async () => {
    const reordered = Object.fromEntries(Object.entries(FIXTURE_SCHEMA).reverse());
    const a = await canonicalOf('id,year,value_musd,flagged,day,kind\na,2002,2,true,,export\n');
    const b = await canonicalOf('id,year,value_musd,flagged,day,kind\na,2002,2,true,,export\n', {
      schema: reordered,
    });

    expect(b.schemaHash).toBe(a.schemaHash);
  });

  it("hashes the schema's rules without its titles, descriptions and comments, wherever a schema stands", async () => {
    const annotated = structuredClone(FIXTURE_SCHEMA) as Record<string, unknown> & {
      properties: Record<string, Record<string, unknown>>;
    };
    annotated.title = 'A new title';
    annotated.$comment = 'a comment';
    for (const column of Object.values(annotated.properties)) {
      column.description = 'Described anew';
      column.examples = ['e'];
    }
    const stricter = structuredClone(FIXTURE_SCHEMA) as {
      properties: Record<string, Record<string, unknown>>;
    };
    stricter.properties.year = { ...stricter.properties.year, maximum: 2100 };
    const csv = 'id,year,value_musd,flagged,day,kind\na,2002,2,true,,export\n';
    const [plain, renamed, ruled] = await Promise.all([
      canonicalOf(csv),
      canonicalOf(csv, { schema: annotated }),
      canonicalOf(csv, { schema: stricter }),
    ]);

    expect(renamed.schemaHash).not.toBe(plain.schemaHash);
    expect(renamed.rulesHash).toBe(plain.rulesHash);
    expect(ruled.rulesHash).not.toBe(plain.rulesHash);
  });

  it('reads required, enum, allOf, anyOf and oneOf as sets, and default as an annotation', () => {
    const one = {
      required: ['b', 'a'],
      enum: [2, 'x', null],
      anyOf: [{ minimum: 1, title: 'one' }, { type: 'string' }],
      properties: { required: { default: 1, type: 'integer' } },
    };
    const other = {
      properties: { required: { type: 'integer', default: 2, deprecated: true } },
      anyOf: [{ type: 'string' }, { minimum: 1 }],
      enum: [null, 2, 'x'],
      required: ['a', 'b'],
    };

    expect(JSON.stringify(rulesOf(one))).not.toBe(JSON.stringify(one));
    expect(canonicalJson(rulesOf(one))).toBe(canonicalJson(rulesOf(other)));
    expect(canonicalJson(rulesOf({ ...one, required: ['a'] }))).not.toBe(canonicalJson(rulesOf(other)));
  });

  it('leaves out annotations by keyword, never a column or a value that shares their names', () => {
    const schema = {
      title: 'T',
      properties: { title: { type: 'string', description: 'd' }, description: { enum: ['title'] } },
      allOf: [{ if: { $comment: 'c', required: ['title'] }, then: { examples: [1], minimum: 0 } }],
      $defs: { kind: { title: 'K', const: 'description' } },
      items: [{ description: 'x', type: 'integer' }],
    };

    expect(rulesOf(schema)).toEqual({
      properties: { title: { type: 'string' }, description: { enum: ['title'] } },
      allOf: [{ if: { required: ['title'] }, then: { minimum: 0 } }],
      $defs: { kind: { const: 'description' } },
      items: [{ type: 'integer' }],
    });
  });

  it('orders numeric keys numerically and text keys by code point', () => {
    expect([[10], [9], [100]].sort(compareKeys)).toEqual([[9], [10], [100]]);
    expect([['b'], ['B'], ['a']].sort(compareKeys)).toEqual([['B'], ['a'], ['b']]);
  });

  it('places an EDTF season just before the first month it covers (winter before January), an interval at its start, a decade before its years', () => {
    const dates = [
      '2016-12-30',
      '2016-23',
      '2016-10',
      '2016-06-10',
      '2016-22',
      '2016-03-04',
      '2016-21',
      '2016-24',
    ];
    const more = [
      '2016-01',
      '2016',
      '2015-12',
      '2016-02-29',
      '2016/2017',
      'XXXX',
      '2016-21/2016-22',
      '201X',
      '2009',
    ];

    expect(
      [...dates, ...more]
        .map((date) => [date, 'id'])
        .sort(compareKeys)
        .map(([date]) => date),
    ).toEqual([
      '2009',
      '201X',
      '2015-12',
      '2016',
      '2016/2017',
      '2016-24',
      '2016-01',
      '2016-02-29',
      '2016-21',
      '2016-21/2016-22',
      '2016-03-04',
      '2016-22',
      '2016-06-10',
      '2016-23',
      '2016-10',
      '2016-12-30',
      'XXXX',
    ]);
  });

  it('orders text that only looks like a season by code point, and never calls two different texts equal', () => {
    expect([['id-2016-24'], ['id-2016-03']].sort(compareKeys)).toEqual([['id-2016-03'], ['id-2016-24']]);
    expect(compareKeys(['2016-00~'], ['2016-24'])).not.toBe(0);
    expect(Math.sign(compareKeys(['2016-00~'], ['2016-24']))).toBe(
      -Math.sign(compareKeys(['2016-24'], ['2016-00~'])),
    );
  });
});
