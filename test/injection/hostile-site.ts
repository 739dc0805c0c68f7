import type { Catalog, CatalogDataset, CatalogVersion } from '../../lambda/core/catalog.js';
import type { ChangesDocument } from '../../lambda/core/changes.js';
import type { ColumnType } from '../../lambda/core/coerce.js';
import type { DatasetDocument, PublishedColumn } from '../../lambda/core/dataset-document.js';
import type { Row } from '../../lambda/core/row-schema.js';
import type { SiteContext, SiteDataset } from '../../lambda/core/site.js';

/**
 * Site contexts built directly, without validation: the renderers must be safe
 * even for text that the input checks would have refused (defence in depth).
 */

/** Every C0 control, DEL and a few C1 controls (CSI, NEL) in one string. */
export const CONTROLS =
  Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)).join('') + '\u007f\u0085\u009b';
/** The bidirectional embedding, override, isolate and mark characters. */
export const BIDI = '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c';
/** Characters no XML 1.0 document may hold, markup, and an early end of a CDATA section. */
export const HOSTILE = `a${CONTROLS}b\ud800c\udc00d\ufffe\uffff]]><script>alert(1)</script>&amp;"'${BIDI}e`;
/** A number stored as `0001` that a right-to-left override would show as `1000`. */
export const REVERSED_DIGITS = '\u202e0001\u202c';

const PUBLISHED = '2026-01-31T12:00:00.000Z';

function version(id: string, rows: number, extra: Partial<CatalogVersion> = {}): CatalogVersion {
  return {
    version: '1.0.0',
    published: PUBLISHED,
    contentHash: 'a'.repeat(64),
    schemaHash: 'b'.repeat(64),
    rows,
    change: 'initial',
    distributions: [
      {
        format: 'csv',
        mediaType: 'text/csv',
        path: `datasets/${id}/1.0.0/${id}.csv`,
        bytes: 10,
        sha256: 'c'.repeat(64),
      },
    ],
    ...extra,
  };
}

function column(name: string, type: ColumnType): PublishedColumn {
  return { name, type, required: false, title: HOSTILE, description: HOSTILE, unit: HOSTILE };
}

/** A dataset whose every text field is {@link HOSTILE}, with the given columns and rows. */
export function hostileDataset(
  id: string,
  columns: readonly PublishedColumn[],
  rows: readonly Row[],
  options: { publisherUrl?: string; charts?: DatasetDocument['charts'] } = {},
): SiteDataset {
  const catalogVersion = version(id, rows.length);
  const entry: CatalogDataset = {
    id,
    title: HOSTILE,
    description: HOSTILE,
    keywords: [HOSTILE],
    license: 'CC-BY-4.0',
    latest: '1.0.0',
    modified: PUBLISHED,
    versions: [catalogVersion],
  };
  const document: DatasetDocument = {
    id,
    version: '1.0.0',
    title: HOSTILE,
    description: HOSTILE,
    license: 'CC-BY-4.0',
    publisher: {
      name: HOSTILE,
      ...(options.publisherUrl === undefined ? {} : { url: options.publisherUrl }),
    },
    source: { citation: HOSTILE, authors: [HOSTILE], title: HOSTILE, file: 'source.txt' },
    keywords: [HOSTILE],
    temporalCoverage: { start: '2001-01-01', end: '2019-12-31' },
    spatialCoverage: [{ name: HOSTILE, iso3166: 'KZ' }],
    conflicts: [{ id: 'c1', summary: HOSTILE }],
    ...(options.charts === undefined ? {} : { charts: options.charts }),
    primaryKey: ['id'],
    columns,
    rows,
  };
  const changes: ChangesDocument = {
    id,
    version: '1.0.0',
    previousVersion: null,
    change: 'initial',
    schemaChanged: false,
    schemaChanges: { added: [], removed: [], changed: [] },
    summary: { added: rows.length, removed: 0, changed: 0 },
    added: [],
    removed: [],
    changed: [],
  };
  return { entry, document, totalRows: rows.length, changes: [changes] };
}

/** Trade rows: years and values as the turnover chart reads them, text columns hostile. */
export function tradeDataset(years: readonly number[], options: { publisherUrl?: string } = {}): SiteDataset {
  const rows: Row[] = years.map((year, index) => ({
    id: `t-${index}`,
    year,
    flow: 'turnover',
    measure: 'value',
    value_musd: 100 + index,
    flagged: index % 2 === 1,
    conflict: index % 2 === 1 ? 'c1' : HOSTILE,
    note: REVERSED_DIGITS,
    source_quote: HOSTILE,
  }));
  return hostileDataset(
    'trade',
    [
      column('id', 'string'),
      column('year', 'integer'),
      column('flow', 'string'),
      column('measure', 'string'),
      column('value_musd', 'number'),
      column('flagged', 'boolean'),
      column('conflict', 'string'),
      column('note', 'string'),
      column('source_quote', 'string'),
    ],
    rows,
    {
      ...options,
      charts: [
        {
          name: 'turnover',
          kind: 'series',
          title: HOSTILE,
          x: 'year',
          y: 'value_musd',
          series: 'flow',
          flag: 'flagged',
          unit: HOSTILE,
          where: { measure: 'value' },
        },
      ],
    },
  );
}

/** Visits rows on a timeline over the given years, visitor names and wordings hostile. */
export function visitsDataset(years: readonly number[]): SiteDataset {
  const rows: Row[] = years.map((year, index) => ({
    id: `v-${index}`,
    visitor: index % 2 === 0 ? HOSTILE : `${HOSTILE}2`,
    year,
    date_precision: ['day', 'month', 'year'][index % 3] ?? 'year',
    start_date: `${year}-02-03`,
    flagged: true,
    conflict: HOSTILE,
    paper_wording: HOSTILE,
  }));
  return hostileDataset(
    'visits',
    [
      column('id', 'string'),
      column('visitor', 'string'),
      column('year', 'integer'),
      column('date_precision', 'string'),
      column('start_date', 'string'),
      column('flagged', 'boolean'),
      column('conflict', 'string'),
      column('paper_wording', 'string'),
    ],
    rows,
    {
      charts: [
        {
          name: 'visits',
          kind: 'timeline',
          title: HOSTILE,
          x: 'start_date',
          year: 'year',
          precision: 'date_precision',
          series: 'visitor',
          label: 'paper_wording',
          flag: 'flagged',
        },
      ],
    },
  );
}

/** Enterprise counts and projects dated in the given years (and one undated), names hostile. */
export function enterprisesDataset(years: readonly number[] = [2005, 2007]): SiteDataset {
  const rows: Row[] = [
    { id: 'e-0', record_type: 'registry-count', name: HOSTILE, enterprise_count: 524 },
    ...years.map((year, index) => ({
      id: `e-${index + 1}`,
      record_type: index % 2 === 0 ? 'joint-project' : 'company',
      name: `${HOSTILE}${index}`,
      year,
    })),
    { id: 'e-undated', record_type: 'company', name: REVERSED_DIGITS },
  ];
  return hostileDataset(
    'enterprises',
    [
      column('id', 'string'),
      column('record_type', 'string'),
      column('name', 'string'),
      column('enterprise_count', 'integer'),
      column('year', 'integer'),
    ],
    rows,
    {
      charts: [
        {
          name: 'enterprise-counts',
          kind: 'bars',
          title: HOSTILE,
          x: 'name',
          y: 'enterprise_count',
          where: { record_type: 'registry-count' },
        },
        {
          name: 'projects-by-year',
          kind: 'timeline',
          title: HOSTILE,
          x: 'year',
          series: 'record_type',
          label: 'name',
        },
      ],
    },
  );
}

/** A whole site with hostile catalog metadata and the three charted datasets. */
export function hostileSite(
  datasets: readonly SiteDataset[] = [
    tradeDataset([2001, 2002, 2005, 2006]),
    visitsDataset([1995, 1996, 2001]),
    enterprisesDataset(),
  ],
  publisherUrl?: string,
): SiteContext {
  const catalog: Catalog = {
    title: HOSTILE,
    description: HOSTILE,
    publisher: { name: HOSTILE, ...(publisherUrl === undefined ? {} : { url: publisherUrl }) },
    license: 'CC-BY-4.0',
    modified: PUBLISHED,
    datasets: datasets.map((dataset) => dataset.entry),
  };
  return { catalog, baseUrl: 'https://data.example.org/', datasets };
}
