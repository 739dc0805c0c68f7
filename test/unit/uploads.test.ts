import { describe, expect, it } from 'vitest';
import { datasetIdFromUploadKey } from '../../lambda/core/dataset-id.js';
import { objectMetaFor } from '../../lambda/core/content-policy.js';
import type { ObjectInfo, ObjectStore, StoredObject } from '../../lambda/core/object-store.js';
import { loadDatasetSource } from '../../lambda/core/sources.js';
import {
  chooseDatasetSource,
  UnknownModificationTimeError,
  uploadIsNewer,
  type CuratedSources,
} from '../../lambda/core/uploads.js';
import { validateDataset } from '../../lambda/core/validate.js';
import { FIXTURE_CSV, FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA } from '../support/dataset-fixture.js';

const EARLIER = new Date('2026-01-01T00:00:00Z');
const LATER = new Date('2026-01-02T00:00:00Z');

/** A folder held in memory: key ⇒ text and when it was written (`null`: the store does not know). */
type Folder = Record<string, { readonly text: string; readonly modified: Date | null }>;

/** An in-memory store over `folder` that records every request in `calls`. */
function memoryStore(
  folder: Folder,
  calls: string[] = [],
): Pick<ObjectStore, 'get' | 'head' | 'open' | 'list'> {
  const info = (key: string): ObjectInfo | undefined => {
    const file = folder[key];
    if (file === undefined) return undefined;
    const body = new TextEncoder().encode(file.text);
    return {
      ...objectMetaFor(key),
      bytes: body.byteLength,
      etag: `"${key}"`,
      ...(file.modified === null ? {} : { lastModified: file.modified }),
    };
  };
  return {
    head: async (key) => {
      calls.push(`head ${key}`);
      return info(key);
    },
    get: async (key): Promise<StoredObject | undefined> => {
      calls.push(`get ${key}`);
      const head = info(key);
      return head === undefined ? undefined : { ...head, body: new TextEncoder().encode(folder[key]?.text) };
    },
    open: async (key) => {
      calls.push(`open ${key}`);
      const text = folder[key]?.text;
      return text === undefined
        ? undefined
        : (async function* () {
            yield new TextEncoder().encode(text);
          })();
    },
    list: (prefix) => {
      calls.push(`list ${prefix}`);
      return (async function* () {
        yield* Object.keys(folder).filter((key) => key.startsWith(prefix));
      })();
    },
  };
}

/** The `sample` dataset as deployed (without its CSV when `deployedCsv` is undefined), and the given uploads. */
function sources(
  deployedCsv: { readonly text: string; readonly modified: Date | null } | undefined,
  uploads: Folder,
  calls: string[] = [],
): CuratedSources {
  const data: Folder = {
    'sample.dataset.json': { text: JSON.stringify(FIXTURE_DESCRIPTOR), modified: EARLIER },
    ...(deployedCsv === undefined ? {} : { 'sample.csv': deployedCsv }),
  };
  const schemas: Folder = {
    'sample.schema.json': { text: JSON.stringify(FIXTURE_SCHEMA), modified: EARLIER },
  };
  return {
    location: {
      data: memoryStore(data, calls),
      schemas: memoryStore(schemas, calls),
      dataLabel: 'data',
      schemasLabel: 'schemas',
    },
    uploads: { store: memoryStore(uploads, calls), label: 'incoming' },
  };
}

async function text(store: Pick<ObjectStore, 'get'>, key: string): Promise<string | undefined> {
  const object = await store.get(key);
  return object === undefined ? undefined : new TextDecoder().decode(object.body);
}

const UPLOADED_CSV = `${FIXTURE_CSV}t-2003,2003,148.5,false,,turnover\n`;

describe('uploadIsNewer', () => {
  it.each([
    [undefined, undefined, false],
    [EARLIER, undefined, false],
    [undefined, EARLIER, true],
    [EARLIER, LATER, true],
    [LATER, EARLIER, false],
    [EARLIER, new Date(EARLIER.getTime()), false],
  ])('deployed %s, upload %s: upload wins is %s', (deployed, upload, expected) => {
    // Act
    const newer = uploadIsNewer(deployed, upload);

    // Assess
    expect(newer).toBe(expected);
  });
});

describe('chooseDatasetSource', () => {
  it('reads the CSV from a newer upload and everything else from the deployed files', async () => {
    // Prepare
    const subject = sources(
      { text: FIXTURE_CSV, modified: EARLIER },
      { 'sample.csv': { text: UPLOADED_CSV, modified: LATER } },
    );

    // Act
    const choice = await chooseDatasetSource(subject, 'sample');

    // Assess
    expect(choice).toMatchObject({ csvFile: 'incoming/sample.csv', fromUpload: true });
    expect(await text(choice.location.data, 'sample.csv')).toBe(UPLOADED_CSV);
    expect(await text(choice.location.data, 'sample.dataset.json')).toBe(JSON.stringify(FIXTURE_DESCRIPTOR));
    const listed: string[] = [];
    for await (const key of choice.location.data.list('')) listed.push(key);
    expect(listed.sort()).toEqual(['sample.csv', 'sample.dataset.json']);
    expect(choice.location.schemas).toBe(subject.location.schemas);
  });

  it.each([
    ['the upload is older', { text: FIXTURE_CSV, modified: LATER }, EARLIER],
    [
      'both were written at the same time (a tie goes to the repository)',
      { text: FIXTURE_CSV, modified: LATER },
      LATER,
    ],
  ])('keeps the deployed CSV when %s', async (_case, deployed, uploadedAt) => {
    // Prepare
    const subject = sources(deployed, { 'sample.csv': { text: UPLOADED_CSV, modified: uploadedAt } });

    // Act
    const choice = await chooseDatasetSource(subject, 'sample');

    // Assess
    expect(choice).toEqual({ location: subject.location, csvFile: 'data/sample.csv', fromUpload: false });
    expect(await text(choice.location.data, 'sample.csv')).toBe(FIXTURE_CSV);
  });

  it('uses the upload when no CSV is deployed', async () => {
    // Prepare
    const subject = sources(undefined, { 'sample.csv': { text: UPLOADED_CSV, modified: EARLIER } });

    // Act
    const choice = await chooseDatasetSource(subject, 'sample');

    // Assess
    expect(choice.csvFile).toBe('incoming/sample.csv');
    expect(await text(choice.location.data, 'sample.csv')).toBe(UPLOADED_CSV);
  });

  it('uses the deployed files when there is no upload', async () => {
    // Prepare
    const subject = sources({ text: FIXTURE_CSV, modified: EARLIER }, {});

    // Act
    const choice = await chooseDatasetSource(subject, 'sample');

    // Assess
    expect(choice).toEqual({ location: subject.location, csvFile: 'data/sample.csv', fromUpload: false });
  });

  it('reads nothing for a malformed id', async () => {
    // Prepare
    const calls: string[] = [];
    const subject = sources({ text: FIXTURE_CSV, modified: EARLIER }, {}, calls);

    // Act
    const choice = await chooseDatasetSource(subject, '../etc');

    // Assess
    expect(calls).toEqual([]);
    expect(choice).toEqual({ location: subject.location, csvFile: 'data/../etc.csv', fromUpload: false });
  });

  it('refuses to guess when a store reports no modification time', async () => {
    // Prepare
    const subject = sources(
      { text: FIXTURE_CSV, modified: EARLIER },
      { 'sample.csv': { text: UPLOADED_CSV, modified: null } },
    );

    // Act
    const choice = chooseDatasetSource(subject, 'sample');

    // Assess
    await expect(choice).rejects.toThrow(UnknownModificationTimeError);
    await expect(choice).rejects.toThrow('no modification time for incoming/sample.csv');
  });
});

describe('issues of an upload', () => {
  it('name incoming/<id>.csv, the file the curator wrote', async () => {
    // Prepare
    const invalid = FIXTURE_CSV.replace('106.1', '"12,5"');
    const subject = sources(
      { text: FIXTURE_CSV, modified: EARLIER },
      { 'sample.csv': { text: invalid, modified: LATER } },
    );
    const { location, csvFile } = await chooseDatasetSource(subject, 'sample');

    // Act
    const loaded = await loadDatasetSource(location, 'sample', { csvFile });
    if (!loaded.ok) throw new Error('the fixture should load');
    const { report } = await validateDataset(loaded.value);

    // Assess
    expect(report.issues).toEqual([
      expect.objectContaining({
        code: 'type-error',
        file: 'incoming/sample.csv',
        line: 2,
        field: 'value_musd',
      }),
    ]);
  });

  it('name the label given for a missing CSV', async () => {
    // Prepare
    const subject = sources(undefined, {});

    // Act
    const loaded = await loadDatasetSource(subject.location, 'sample', { csvFile: 'incoming/sample.csv' });

    // Assess
    expect(loaded).toEqual({
      ok: false,
      issues: [expect.objectContaining({ code: 'file-missing', file: 'incoming/sample.csv' })],
    });
  });

  it('name data/<id>.csv by default', async () => {
    // Prepare
    const subject = sources(undefined, {});

    // Act
    const loaded = await loadDatasetSource(subject.location, 'sample');

    // Assess
    expect(loaded).toEqual({
      ok: false,
      issues: [expect.objectContaining({ code: 'file-missing', file: 'data/sample.csv' })],
    });
  });
});

describe('datasetIdFromUploadKey', () => {
  it.each([
    ['incoming/trade.csv', 'trade'],
    ['incoming/kz-az-2019.csv', 'kz-az-2019'],
    [`incoming/a${'b'.repeat(62)}.csv`, `a${'b'.repeat(62)}`],
    // S3 event notifications URL-encode keys.
    ['incoming/%74rade.csv', 'trade'],
    ['incoming%2Ftrade.csv', 'trade'],
  ])('reads %j as %j', (key, expected) => {
    expect(datasetIdFromUploadKey(key)).toBe(expected);
  });

  it.each([
    // Not a valid id.
    'incoming/Trade.csv',
    'incoming/Bad Name.csv',
    'incoming/Bad+Name.csv',
    'incoming/Bad%20Name.csv',
    'incoming/1trade.csv',
    'incoming/-trade.csv',
    'incoming/.csv',
    `incoming/a${'b'.repeat(63)}.csv`,
    'incoming/tr\u0430de.csv', // Cyrillic "а"
    'incoming/%2e%2e.csv',
    'incoming/..%2Ftrade.csv',
    'incoming/sub/trade.csv',
    // Wrong folder or extension.
    'data/trade.csv',
    'trade.csv',
    'xincoming/trade.csv',
    '/incoming/trade.csv',
    'incoming/trade.CSV',
    'incoming/trade.csv.txt',
    'incoming/trade.txt',
    'incoming/trade',
    // Malformed escape.
    'incoming/%E0%A4%A.csv',
    '',
  ])('refuses %j', (key) => {
    expect(datasetIdFromUploadKey(key)).toBeUndefined();
  });
});
