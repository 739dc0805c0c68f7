import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog, CatalogVersion } from '../../lambda/core/catalog.js';
import type { ChangedRow, ChangesDocument } from '../../lambda/core/changes.js';
import type { DatasetDocument } from '../../lambda/core/dataset-document.js';
import { objectMetaFor } from '../../lambda/core/content-policy.js';
import {
  ObjectTooLargeError,
  type GetOptions,
  type ObjectStore,
  type StoredObject,
} from '../../lambda/core/object-store.js';
import type { Row } from '../../lambda/core/row-schema.js';
import {
  loadSiteContext,
  SITE_ROW_LIMIT,
  SiteSourceError,
  type SiteContext,
  type SiteDataset,
} from '../../lambda/core/site.js';
import { MAX_CHART_ROWS } from '../../lambda/core/site/charts.js';
import { readDatasetExcerpt } from '../../lambda/core/site/document-excerpts.js';
import { renderFeed } from '../../lambda/core/site/feed.js';
import {
  CHANGELOG_ITEMS,
  CHANGELOG_TEXT_CHARS,
  PREVIEW_CELL_CHARS,
  renderDatasetPage,
} from '../../lambda/core/site/html-dataset.js';

const TOTAL_ROWS = 50_000;
const FIRST_ROWS = 49_000;
const FLAGGED = [7, 1507, 40_007];

/** How much of one object a reader pulled, and whether it let the stream go before the end. */
interface ReadRecord {
  pulled: number;
  readonly chunks: number;
  finished: boolean;
  released: boolean;
}

/** An in-memory store that serves bodies in small chunks and records how far each was read. */
class RecordingStore implements Pick<ObjectStore, 'open' | 'get'> {
  readonly reads = new Map<string, ReadRecord>();
  readonly #files = new Map<string, Uint8Array>();

  constructor(readonly chunkBytes = 16 * 1024) {}

  putJson(key: string, value: unknown): void {
    this.#files.set(key, new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`));
  }

  /** A whole file, refused past `maxBytes` as a store refuses it (the pages read small files this way). */
  async get(key: string, options: GetOptions = {}): Promise<StoredObject | undefined> {
    const body = this.#files.get(key);
    if (body === undefined) return undefined;
    if (options.maxBytes !== undefined && body.byteLength > options.maxBytes)
      throw new ObjectTooLargeError(key, body.byteLength, options.maxBytes);
    return { ...objectMetaFor(key), body, bytes: body.byteLength, etag: '' };
  }

  async open(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const body = this.#files.get(key);
    if (body === undefined) return undefined;
    const size = this.chunkBytes;
    const read: ReadRecord = {
      pulled: 0,
      chunks: Math.ceil(body.byteLength / size),
      finished: false,
      released: false,
    };
    this.reads.set(key, read);
    return (async function* () {
      try {
        for (let offset = 0; offset < body.byteLength; offset += size) {
          read.pulled++;
          yield body.subarray(offset, offset + size);
        }
        read.finished = true;
      } finally {
        // Runs when the reader calls return(): the moment a real store closes its file or socket.
        if (!read.finished) read.released = true;
      }
    })();
  }
}

const idOf = (i: number): string => `r${String(i).padStart(5, '0')}`;

function row(i: number): Row {
  const flagged = FLAGGED.includes(i);
  return { id: idOf(i), value: i, flagged, ...(flagged ? { conflict: 'two-readings' } : {}) };
}

const METADATA: Omit<DatasetDocument, 'rows'> = {
  id: 'big',
  version: '1.0.1',
  title: 'A large dataset',
  description: 'Many small rows.',
  license: 'CC-BY-4.0',
  publisher: { name: 'Test publisher' },
  source: { citation: 'A paper.', title: 'A paper', authors: ['A. Author'], file: 'paper.md' },
  keywords: ['test'],
  temporalCoverage: { start: '2000-01-01', end: '2020-12-31' },
  spatialCoverage: [{ name: 'Kazakhstan', iso3166: 'KZ' }],
  conflicts: [{ id: 'two-readings', summary: 'The source gives two readings.' }],
  primaryKey: ['id'],
  columns: [
    { name: 'id', type: 'string', required: true },
    { name: 'value', type: 'integer', required: true },
    { name: 'flagged', type: 'boolean', required: true },
    { name: 'conflict', type: 'string', required: false },
  ],
};

function version(number: string, rows: number, change: CatalogVersion['change']): CatalogVersion {
  return {
    version: number,
    published: number === '1.0.0' ? '2024-01-01T00:00:00.000Z' : '2024-02-01T00:00:00.000Z',
    contentHash: `hash-${number}`,
    schemaHash: 'schema',
    rows,
    change,
    ...(change === 'initial' ? {} : { previousVersion: '1.0.0' }),
    distributions: [],
  };
}

const CATALOG: Catalog = {
  title: 'Test catalog',
  description: 'A catalog with one large dataset.',
  publisher: { name: 'Test publisher' },
  license: 'CC-BY-4.0',
  modified: '2024-02-01T00:00:00.000Z',
  datasets: [
    {
      id: 'big',
      title: 'A large dataset',
      description: 'Many small rows.',
      keywords: ['test'],
      license: 'CC-BY-4.0',
      latest: '1.0.1',
      modified: '2024-02-01T00:00:00.000Z',
      versions: [version('1.0.1', TOTAL_ROWS, 'patch'), version('1.0.0', FIRST_ROWS, 'initial')],
    },
  ],
};

const DOCUMENT_KEY = 'datasets/big/1.0.1/big.json';
const CHANGES_KEY = 'datasets/big/1.0.1/changes.json';
const INITIAL_CHANGES_KEY = 'datasets/big/1.0.0/changes.json';

const changed: ChangedRow[] = Array.from({ length: 3000 }, (_, i) => ({
  key: { id: idOf(i) },
  changes: { value: { old: i - 1, new: i } },
}));
const CHANGES: ChangesDocument = {
  id: 'big',
  version: '1.0.1',
  previousVersion: '1.0.0',
  change: 'patch',
  schemaChanged: false,
  schemaChanges: { added: [], removed: [], changed: [] },
  summary: { added: TOTAL_ROWS - FIRST_ROWS, removed: 0, changed: changed.length },
  added: Array.from({ length: TOTAL_ROWS - FIRST_ROWS }, (_, i) => row(FIRST_ROWS + i)),
  removed: [],
  changed,
};

let store: RecordingStore;
let context: SiteContext;
let dataset: SiteDataset;

beforeAll(async () => {
  store = new RecordingStore();
  store.putJson(DOCUMENT_KEY, { ...METADATA, rows: Array.from({ length: TOTAL_ROWS }, (_, i) => row(i)) });
  store.putJson(CHANGES_KEY, CHANGES);
  store.putJson(INITIAL_CHANGES_KEY, {
    ...CHANGES,
    version: '1.0.0',
    previousVersion: null,
    change: 'initial',
    summary: { added: FIRST_ROWS, removed: 0, changed: 0 },
    added: Array.from({ length: FIRST_ROWS }, (_, i) => row(i)),
    changed: [],
  });
  context = await loadSiteContext(store, CATALOG, 'https://data.example.org/');
  const [first] = context.datasets;
  if (first === undefined) throw new Error('no dataset in the context');
  dataset = first;
});

const text = (html: string): string => html.replace(/\s+/g, ' ');

describe('the site context of a dataset far larger than the site reads', () => {
  it('keeps the metadata and only the first SITE_ROW_LIMIT rows, and knows the total from the catalog', () => {
    expect(SITE_ROW_LIMIT).toBeGreaterThan(MAX_CHART_ROWS);
    expect(dataset.totalRows).toBe(TOTAL_ROWS);
    expect(dataset.document.rows).toHaveLength(SITE_ROW_LIMIT);
    expect(dataset.document.rows[0]).toEqual(row(0));
    expect(dataset.document.rows.at(-1)).toEqual(row(SITE_ROW_LIMIT - 1));
    expect({ ...dataset.document, rows: undefined }).toEqual({ ...METADATA, rows: undefined });
  });

  it('stops reading <id>.json once the rows it keeps are read, and releases the stream', () => {
    const read = store.reads.get(DOCUMENT_KEY);

    expect(read?.chunks).toBeGreaterThan(100);
    expect(read?.pulled).toBeLessThan((read?.chunks ?? 0) / 10);
    expect(read?.finished).toBe(false);
    expect(read?.released).toBe(true);
  });

  it('keeps only the first changelog items of a large changes.json, with the summary, and stops early', () => {
    const [latest] = dataset.changes;
    const read = store.reads.get(CHANGES_KEY);

    expect(latest?.summary).toEqual({ added: 1000, removed: 0, changed: 3000 });
    expect(latest?.added).toEqual(CHANGES.added.slice(0, CHANGELOG_ITEMS));
    expect(latest?.removed).toEqual([]);
    expect(latest?.changed).toEqual(changed.slice(0, CHANGELOG_ITEMS));
    expect(latest).toMatchObject({ version: '1.0.1', change: 'patch', schemaChanged: false });
    expect(read?.pulled).toBeLessThan(read?.chunks ?? 0);
    expect(read?.released).toBe(true);
  });

  it('never opens the changes.json of an initial version, which lists every row', () => {
    expect(store.reads.has(INITIAL_CHANGES_KEY)).toBe(false);
    expect(dataset.changes[1]).toMatchObject({
      version: '1.0.0',
      change: 'initial',
      summary: { added: FIRST_ROWS, removed: 0, changed: 0 },
    });
  });
});

describe('pages of a dataset larger than the rows the site reads', () => {
  it('counts the preview against the total, not against the rows read', () => {
    const page = text(renderDatasetPage(context, dataset).value);

    expect(page).toContain(`The first 100 of ${TOTAL_ROWS} rows (download a file for all of them)`);
    expect(page).toContain(`<dt>Rows</dt> <dd>${TOTAL_ROWS.toLocaleString('en-US')}</dd>`);
  });

  it('links previewed flagged rows, names later ones, and says the rest were not searched', () => {
    const page = text(renderDatasetPage(context, dataset).value);

    expect(page).toContain(
      `This dataset has ${TOTAL_ROWS} rows; the flagged rows named below are those among the first ${SITE_ROW_LIMIT}.`,
    );
    expect(page).toMatch(/<a href="#row-r00007"\s*>r00007<\/a\s*>/);
    expect(page).toContain('<code>r01507</code>');
    expect(page).not.toContain('href="#row-r01507"');
    expect(page).not.toContain('r40007');
  });

  it('prints the changelog from the summary and the kept items', () => {
    const page = text(renderDatasetPage(context, dataset).value);

    expect(page).toContain('1000 added: <code>r49000</code>');
    expect(page).toContain(`and ${1000 - CHANGELOG_ITEMS} more (see <code>changes.json</code>)`);
    expect(page).toContain(`and ${3000 - CHANGELOG_ITEMS} more (see <code>changes.json</code>)`);
    expect(page).toContain(`<li>First version: ${FIRST_ROWS} rows.</li>`);
  });

  it('cuts each long cell of the preview, saying how long it is, so that the page stays small', () => {
    const long = (i: number): string => `${String(i).padStart(4, '0')}${'é'.repeat(200_000)}`;
    const withLongCells: SiteDataset = {
      ...dataset,
      document: {
        ...dataset.document,
        rows: dataset.document.rows.map((row, i) => ({ ...row, id: long(i), conflict: long(i) })),
      },
    };
    const page = renderDatasetPage(context, withLongCells).value;

    expect(page.length).toBeLessThan(1_000_000);
    expect(page).toContain(`${long(0).slice(0, PREVIEW_CELL_CHARS)}…`);
    expect(page).not.toContain(long(0).slice(0, PREVIEW_CELL_CHARS + 1));
    expect(text(page)).toContain('(cut: 200,004 characters in all, in the files)');
  });

  it('cuts long keys and changed values in the changelog and row links, keeping anchors apart', () => {
    const long = (i: number): string => `${'k'.repeat(300)}${i}`;
    const [latest, ...older] = dataset.changes;
    if (latest === undefined) throw new Error('no changes');
    const withLongChanges: SiteDataset = {
      ...dataset,
      changes: [
        {
          ...latest,
          added: latest.added.map((row, i) => ({ ...row, id: long(i) })),
          changed: latest.changed.map((row, i) => ({
            key: { id: long(i) },
            changes: { value: { old: 'o'.repeat(100_000), new: 'n'.repeat(100_000) } },
          })),
        },
        ...older,
      ],
      document: {
        ...dataset.document,
        rows: dataset.document.rows.map((row, i) => ({ ...row, id: long(i) })),
      },
    };
    const page = renderDatasetPage(context, withLongChanges).value;

    expect(page.length).toBeLessThan(2_000_000);
    expect(page).toContain(`&quot;${'o'.repeat(CHANGELOG_TEXT_CHARS - 1)}…`);
    expect(page).not.toContain('o'.repeat(CHANGELOG_TEXT_CHARS + 1));
    const anchors = [...page.matchAll(/<tbody\s+id="(row-[^"]+)"/g)].map((match) => match[1] ?? '');
    expect(anchors.length).toBe(100);
    expect(new Set(anchors).size).toBe(anchors.length);
    for (const anchor of anchors) expect(anchor.length).toBeLessThan(CHANGELOG_TEXT_CHARS + 30);
  });

  it('writes feed entries from the catalog counts and the summary', () => {
    const feed = renderFeed(context);

    expect(feed).toContain(`First version, ${FIRST_ROWS} rows.`);
    expect(feed).toContain(`patch release: 1000 rows added, 0 removed, 3000 changed; ${TOTAL_ROWS} rows.`);
  });
});

describe('reading <id>.json whatever the order of its members', () => {
  it('still keeps every member and the first rows when the rows come first', async () => {
    const rowsFirst = new RecordingStore(4096);
    rowsFirst.putJson('rows-first.json', {
      rows: Array.from({ length: 5000 }, (_, i) => row(i)),
      ...METADATA,
    });
    const chunks = await rowsFirst.open('rows-first.json');
    if (chunks === undefined) throw new Error('not stored');

    const document = await readDatasetExcerpt(chunks, SITE_ROW_LIMIT);

    const { rows, ...metadata } = document;
    expect(metadata).toEqual(METADATA);
    expect(rows).toEqual(Array.from({ length: SITE_ROW_LIMIT }, (_, i) => row(i)));
  });

  it('fails with the key when a file the catalog lists is missing or cut short', async () => {
    const broken = new RecordingStore();
    broken.putJson(CHANGES_KEY, CHANGES);
    await expect(loadSiteContext(broken, CATALOG, 'https://data.example.org/')).rejects.toThrow(
      new SiteSourceError(
        `${DOCUMENT_KEY} is listed in the catalog but missing from the store`,
        DOCUMENT_KEY,
      ),
    );

    const truncated = {
      get: (key: string, options?: GetOptions) => store.get(key, options),
      open: async (key: string) =>
        key === DOCUMENT_KEY
          ? (async function* () {
              yield new TextEncoder().encode('{"id": "big", "rows": [{"id": "r0"}');
            })()
          : store.open(key),
    };
    await expect(loadSiteContext(truncated, CATALOG, 'https://data.example.org/')).rejects.toThrow(
      /^datasets\/big\/1\.0\.1\/big\.json: not valid JSON/,
    );
  });
});
