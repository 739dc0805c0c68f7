/**
 * Text that looks the same but is other text because its accented letters are encoded another way: "café"
 * as one composed "é" (NFC) or as "e" and a combining acute accent, U+0301 (NFD, as some Mac and PDF copies
 * write it). Two keys written so were published as two rows that look alike, two schema columns as two
 * columns of the same visible name, and a header cell so written was "valué: is not a column of the
 * schema, and the schema has valué here", which names no difference a curator can see.
 */
import { describe, expect, it } from 'vitest';
import { FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA } from '../support/dataset-fixture.js';
import { hostileWorkspace, validateAll } from './hostile-workspace.js';

const COMPOSED = 'caf\u00e9';
const DECOMPOSED = 'cafe\u0301';

/** The fixture's schema with its id column open to any text (the fixture's pattern is ASCII only). */
const OPEN_ID_SCHEMA = {
  ...FIXTURE_SCHEMA,
  properties: { ...FIXTURE_SCHEMA.properties, id: { type: 'string' } },
};

async function issuesOf(dataset: Parameters<typeof hostileWorkspace>[0][string]) {
  const ws = await hostileWorkspace({ sample: dataset });
  const [result] = await validateAll(ws);
  return result?.report.issues ?? [];
}

describe('keys, columns and headers that differ only in Unicode normalisation', () => {
  it('refuses a key written decomposed beside the same key written composed, at its line and column', async () => {
    const csv = [
      'id,year,value_musd,flagged,day,kind',
      `${COMPOSED},2001,1,false,,turnover`,
      `${DECOMPOSED},2002,2,false,,turnover`,
      '',
    ].join('\n');
    expect(COMPOSED).not.toBe(DECOMPOSED);
    expect(await issuesOf({ csv, schema: OPEN_ID_SCHEMA })).toEqual([
      expect.objectContaining({
        code: 'primary-key',
        line: 3,
        column: 1,
        field: 'id',
        message: expect.stringContaining('normalization form C') as string,
      }),
    ]);
  });

  it('refuses a schema column whose name is not NFC, so no two columns look alike', async () => {
    const schema = {
      ...FIXTURE_SCHEMA,
      properties: {
        ...FIXTURE_SCHEMA.properties,
        [COMPOSED]: { type: 'number' },
        [DECOMPOSED]: { type: 'number' },
      },
    };
    const descriptor = {
      ...FIXTURE_DESCRIPTOR,
      columns: [
        ...FIXTURE_DESCRIPTOR.columns,
        { name: COMPOSED, description: 'A composed name.' },
        { name: DECOMPOSED, description: 'A decomposed name.' },
      ],
    };
    const csv = `id,year,value_musd,flagged,day,kind,${COMPOSED},${DECOMPOSED}\nt-1,2001,1,false,,turnover,1,2\n`;
    expect(await issuesOf({ csv, schema, descriptor })).toContainEqual(
      expect.objectContaining({ code: 'schema-error', field: `/properties/${DECOMPOSED}` }),
    );
  });

  it('refuses a schema column whose name differs from another only in case, which DuckDB renames', async () => {
    const schema = {
      ...FIXTURE_SCHEMA,
      properties: { ...FIXTURE_SCHEMA.properties, Year: { type: 'integer' } },
    };
    const descriptor = {
      ...FIXTURE_DESCRIPTOR,
      columns: [...FIXTURE_DESCRIPTOR.columns, { name: 'Year', description: 'Another year.' }],
    };
    const csv = 'id,year,value_musd,flagged,day,kind,Year\nt-1,2001,1,false,,turnover,2002\n';
    expect(await issuesOf({ csv, schema, descriptor })).toContainEqual(
      expect.objectContaining({
        code: 'schema-error',
        field: '/properties/Year',
        message: expect.stringContaining('differs from the column "year" only in case') as string,
      }),
    );
  });

  it('says that a header cell differs from its column only in how its accents are encoded', async () => {
    const schema = {
      ...FIXTURE_SCHEMA,
      properties: { ...FIXTURE_SCHEMA.properties, [COMPOSED]: { type: 'number' } },
    };
    const descriptor = {
      ...FIXTURE_DESCRIPTOR,
      columns: [...FIXTURE_DESCRIPTOR.columns, { name: COMPOSED, description: 'A composed name.' }],
    };
    const csv = `id,year,value_musd,flagged,day,kind,${DECOMPOSED}\nt-1,2001,1,false,,turnover,1\n`;
    expect(await issuesOf({ csv, schema, descriptor })).toEqual([
      expect.objectContaining({
        code: 'incorrect-header',
        line: 1,
        column: 7,
        message: expect.stringMatching(
          /encodes its accented letters another way \(Unicode NFD, where the schema has NFC\)/,
        ) as string,
      }),
    ]);
  });
});
