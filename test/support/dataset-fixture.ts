import type { DatasetSource } from '../../lambda/core/validate.js';

/** A small, valid dataset used across tests; every part can be overridden. */
export const FIXTURE_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://kz-az-open-data.example/schemas/sample.schema.json',
  title: 'sample row',
  type: 'object',
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9-]+$' },
    year: { type: 'integer', minimum: 1990, maximum: 2030 },
    value_musd: { type: 'number', minimum: 0 },
    flagged: { type: 'boolean' },
    day: { type: 'string', format: 'date' },
    kind: { type: 'string', enum: ['turnover', 'export'] },
  },
  required: ['id', 'year', 'flagged', 'kind'],
  additionalProperties: false,
} as const;

export const FIXTURE_DESCRIPTOR = {
  id: 'sample',
  title: 'Sample dataset',
  description: 'A small dataset used by the tests: one row per year and kind of trade figure.',
  license: 'CC-BY-4.0',
  publisher: { name: 'kz-az-open-data' },
  source: {
    citation: 'Test citation for the sample dataset.',
    authors: ['A. Author'],
    title: 'Test source',
    file: 'source.txt',
  },
  keywords: ['test'],
  temporalCoverage: { start: '2001-01-01', end: '2019-12-31' },
  spatialCoverage: [{ name: 'Kazakhstan', iso3166: 'KZ' }],
  primaryKey: ['id'],
  columns: [
    { name: 'id', description: 'Row identifier.' },
    { name: 'year', description: 'Calendar year.' },
    { name: 'value_musd', description: 'Amount in million USD.', unit: 'million USD' },
    { name: 'flagged', description: 'True when the source conflicts.' },
    { name: 'day', description: 'Day of the figure.' },
    { name: 'kind', description: 'Kind of trade figure.' },
  ],
} as const;

export const FIXTURE_CSV = [
  'id,year,value_musd,flagged,day,kind',
  't-2001,2001,106.1,false,2001-12-31,turnover',
  't-2002,2002,161.2,false,,turnover',
  'e-2019,2019,24.06,true,,export',
  '',
].join('\n');

/** Builds an in-memory dataset source; `csv` may be text or raw bytes split into chunks. */
export function fixtureSource(
  overrides: { csv?: string | Uint8Array[]; schema?: unknown; descriptor?: unknown; id?: string } = {},
): DatasetSource {
  const id = overrides.id ?? 'sample';
  const csv = overrides.csv ?? FIXTURE_CSV;
  const chunks = typeof csv === 'string' ? [new TextEncoder().encode(csv)] : csv;
  return {
    id,
    csv: {
      file: `data/${id}.csv`,
      open: async function* () {
        yield* chunks;
      },
    },
    schema: { file: `schemas/${id}.schema.json`, text: JSON.stringify(overrides.schema ?? FIXTURE_SCHEMA) },
    descriptor: {
      file: `data/${id}.dataset.json`,
      text: JSON.stringify(overrides.descriptor ?? FIXTURE_DESCRIPTOR),
    },
  };
}
