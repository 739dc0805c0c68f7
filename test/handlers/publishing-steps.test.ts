import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import type { ObjectMeta, ObjectStore, PutBody } from '../../lambda/core/object-store.js';
import { SITE_KEY_PATTERNS } from '../../lambda/core/site.js';
import { S3Store } from '../../lambda/store/s3.js';
import { S3SourceBucket } from '../../lambda/handlers/source-bucket.js';
import {
  createCommitCatalogHandler,
  PublishedFilesMismatchError,
  DatasetsNotPublishedError,
} from '../../lambda/handlers/steps/commit-catalog.js';
import type { DatasetResult } from '../../lambda/handlers/steps/dataset-result.js';
import { InvalidEventError } from '../../lambda/handlers/steps/dataset-result.js';
import { createListDatasetsHandler, NoDatasetsError } from '../../lambda/handlers/steps/list-datasets.js';
import { createValidateAndPublishHandler } from '../../lambda/handlers/steps/validate-and-publish.js';
import { FIXTURE_CSV, FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA } from '../support/dataset-fixture.js';
import { csvTruncatingStore } from '../support/faulty-store.js';
import {
  createTestBucket,
  createTestS3Client,
  startMotoServer,
  type MotoServer,
} from '../support/moto-server.js';

const SITE_URL = 'https://data.example.org/';
const SITE_META = {
  title: 'Test catalog',
  description: 'Datasets used by the handler tests.',
  publisher: { name: 'kz-az-open-data' },
  license: 'CC-BY-4.0',
};
const NOW = new Date('2026-03-01T12:00:00Z');

let moto: MotoServer | undefined;
let client: S3Client;
let bucketCounter = 0;

beforeAll(async () => {
  moto = await startMotoServer();
  client = createTestS3Client(moto.endpoint);
});

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

/**
 * What the loggers wrote during the current test (Powertools writes one JSON object per line: to stdout, and
 * warnings and errors to stderr).
 */
let stdout: string[] = [];

beforeEach(() => {
  stdout = [];
  for (const stream of [process.stdout, process.stderr])
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk));
      return true;
    });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** A real Powertools Logger, and the JSON lines written during the current test. */
function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  return {
    logger: new Logger({ serviceName: 'kz-az-open-data', logLevel: 'DEBUG' }),
    lines: () =>
      stdout
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

async function put(bucket: string, key: string, body: string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/**
 * A curator's upload, made strictly later than the deployed files: S3 timestamps have one-second
 * resolution and a tie goes to the repository, so an upload in the deployment's second would be ignored.
 */
async function upload(bucket: string, key: string, body: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await put(bucket, key, body);
}

async function text(bucket: string, key: string): Promise<string | undefined> {
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await response.Body?.transformToString();
  } catch {
    return undefined;
  }
}

async function keys(bucket: string): Promise<string[]> {
  const response = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (response.Contents ?? []).map((object) => object.Key ?? '').sort();
}

/** A source bucket as a deployment leaves it: two datasets (`sample`, `second`) and site.json. */
async function deployedSourceBucket(): Promise<string> {
  if (moto === undefined) throw new Error('moto is not running');
  const bucket = `source-${process.pid}-${++bucketCounter}`;
  await createTestBucket(moto.endpoint, bucket, { versioning: true });
  await put(bucket, 'data/site.json', JSON.stringify(SITE_META));
  for (const id of ['sample', 'second']) {
    await put(bucket, `data/${id}.csv`, FIXTURE_CSV);
    await put(bucket, `data/${id}.dataset.json`, JSON.stringify({ ...FIXTURE_DESCRIPTOR, id }));
    await put(bucket, `schemas/${id}.schema.json`, JSON.stringify(FIXTURE_SCHEMA));
  }
  return bucket;
}

async function emptyBucket(prefix: string): Promise<string> {
  if (moto === undefined) throw new Error('moto is not running');
  const bucket = `${prefix}-${process.pid}-${++bucketCounter}`;
  await createTestBucket(moto.endpoint, bucket, { versioning: true });
  return bucket;
}

interface Pipeline {
  readonly sourceBucket: string;
  readonly siteBucket: string;
  readonly list: ReturnType<typeof createListDatasetsHandler>;
  readonly publishOne: ReturnType<typeof createValidateAndPublishHandler>;
  readonly commit: ReturnType<typeof createCommitCatalogHandler>;
  readonly logs: () => Record<string, unknown>[];
  /** Runs the three steps the way the state machine does; returns the Map results and the commit outcome. */
  run(input?: object): Promise<{ results: DatasetResult[]; commit: PromiseSettledResult<unknown> }>;
}

async function pipeline(): Promise<Pipeline> {
  const sourceBucket = await deployedSourceBucket();
  const siteBucket = await emptyBucket('site');
  const { logger, lines } = capturingLogger();
  const sources = new S3SourceBucket(client, sourceBucket);
  const site = new S3Store({ client, bucket: siteBucket });
  const now = (): Date => NOW;
  const list = createListDatasetsHandler({ sources, logger });
  const publishOne = createValidateAndPublishHandler({ sources, site, siteUrl: SITE_URL, now, logger });
  const commit = createCommitCatalogHandler({ sources, site, siteUrl: SITE_URL, now, logger });
  return {
    sourceBucket,
    siteBucket,
    list,
    publishOne,
    commit,
    logs: lines,
    async run(input = {}) {
      const { ids } = await list(input);
      const results = await Promise.all(ids.map((id) => publishOne({ id })));
      const [settled] = await Promise.allSettled([commit({ results })]);
      if (settled === undefined) throw new Error('unreachable');
      return { results, commit: settled };
    },
  };
}

describe('a run over the deployed sources', () => {
  let subject: Pipeline;
  beforeEach(async () => {
    subject = await pipeline();
  });

  it('publishes every dataset, then lists them in the catalog with download URLs', async () => {
    // Act
    const { results, commit } = await subject.run({ trigger: 'schedule' });

    // Assess
    expect(results.map((result) => [result.id, result.status])).toEqual([
      ['sample', 'staged'],
      ['second', 'staged'],
    ]);
    expect(commit).toMatchObject({
      status: 'fulfilled',
      value: {
        catalogWritten: true,
        published: [
          { id: 'sample', version: '1.0.0' },
          { id: 'second', version: '1.0.0' },
        ],
      },
    });
    const catalog = JSON.parse((await text(subject.siteBucket, 'catalog.json')) ?? '') as Catalog;
    expect(catalog.title).toBe(SITE_META.title);
    expect(catalog.modified).toBe(NOW.toISOString());
    expect(catalog.datasets.map((dataset) => [dataset.id, dataset.latest])).toEqual([
      ['sample', '1.0.0'],
      ['second', '1.0.0'],
    ]);
    expect(catalog.datasets[0]?.versions[0]?.distributions[0]?.url).toMatch(
      /^https:\/\/data\.example\.org\/datasets\/sample\/1\.0\.0\//,
    );
    expect(await keys(subject.siteBucket)).toContain('datasets/second/latest/second.csv');
  });

  it('writes nothing on a second run over unchanged sources', async () => {
    // Prepare
    await subject.run();
    const before = await text(subject.siteBucket, 'catalog.json');

    // Act
    const { results, commit } = await subject.run();

    // Assess
    expect(results).toEqual([
      { id: 'sample', status: 'unchanged', version: '1.0.0' },
      { id: 'second', status: 'unchanged', version: '1.0.0' },
    ]);
    expect(commit).toMatchObject({ status: 'fulfilled', value: { catalogWritten: false } });
    expect(await text(subject.siteBucket, 'catalog.json')).toBe(before);
  });

  it('warns in its log of each CSV in data/ that no descriptor names, as the CLI does', async () => {
    // Prepare: one with no descriptor at all, one whose descriptor's name differs in letter case.
    await put(subject.sourceBucket, 'data/extra.csv', FIXTURE_CSV);
    await put(subject.sourceBucket, 'data/third.csv', FIXTURE_CSV);
    await put(
      subject.sourceBucket,
      'data/Third.dataset.json',
      JSON.stringify({ ...FIXTURE_DESCRIPTOR, id: 'third' }),
    );

    // Act
    const { ids } = await subject.list({});

    // Assess
    expect(ids).toEqual(['Third', 'sample', 'second']);
    const warnings = subject.logs().filter((line) => line.level === 'WARN');
    expect(warnings).toEqual([
      expect.objectContaining({
        message:
          'data/extra.csv has no descriptor data/extra.dataset.json, so it is neither validated nor published',
        csv: 'extra.csv',
        descriptor: 'extra.dataset.json',
      }),
      expect.objectContaining({
        message:
          'data/third.csv has no descriptor data/third.dataset.json, so it is neither validated nor published (Third.dataset.json differs only in letter case: file names are case-sensitive)',
      }),
    ]);
  });

  it('puts the dataset id on every log line written while publishing it', async () => {
    // Act
    await subject.publishOne({ id: 'sample' });

    // Assess
    const lines = subject.logs();
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatchObject({ datasetId: 'sample', service: 'kz-az-open-data' });
  });
});

describe('a curator upload', () => {
  let subject: Pipeline;
  beforeEach(async () => {
    subject = await pipeline();
    await subject.run();
  });

  it('publishes the uploaded dataset only, as a new version, when the upload is valid', async () => {
    // Prepare
    const withRow = `${FIXTURE_CSV}t-2003,2003,148.5,false,,turnover\n`;
    await upload(subject.sourceBucket, 'incoming/sample.csv', withRow);

    // Act
    const { results, commit } = await subject.run({ trigger: 'upload', key: 'incoming/sample.csv' });

    // Assess
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      id: 'sample',
      status: 'staged',
      staged: { version: { version: '1.1.0' } },
    });
    expect(commit.status).toBe('fulfilled');
    const catalog = JSON.parse((await text(subject.siteBucket, 'catalog.json')) ?? '') as Catalog;
    expect(catalog.datasets.map((dataset) => [dataset.id, dataset.latest])).toEqual([
      ['sample', '1.1.0'],
      ['second', '1.0.0'],
    ]);
    // The upload never replaces the deployed file: data/ stays as the repository left it.
    expect(await text(subject.sourceBucket, 'data/sample.csv')).toBe(FIXTURE_CSV);
  });

  it('is rejected with issues pointing into the upload, leaving everything published unchanged', async () => {
    // Prepare
    const published = new Map<string, string | undefined>();
    for (const key of await keys(subject.siteBucket)) published.set(key, await text(subject.siteBucket, key));
    await upload(subject.sourceBucket, 'incoming/sample.csv', FIXTURE_CSV.replace('106.1', '"12,5"'));

    // Act
    const { results, commit } = await subject.run({ trigger: 'upload', key: 'incoming/sample.csv' });

    // Assess
    expect(results[0]).toMatchObject({
      id: 'sample',
      status: 'rejected',
      csv: 'incoming/sample.csv',
      issueCount: 1,
      issues: [{ code: 'type-error', file: 'incoming/sample.csv', line: 2, field: 'value_musd' }],
    });
    expect(commit.status).toBe('rejected');
    const error = (commit as PromiseRejectedResult).reason as DatasetsNotPublishedError;
    expect(error).toBeInstanceOf(DatasetsNotPublishedError);
    expect(error.ids).toEqual(['sample']);
    expect(error.message).toContain('incoming/sample.csv:2:');
    const after = new Map<string, string | undefined>();
    for (const key of await keys(subject.siteBucket)) after.set(key, await text(subject.siteBucket, key));
    expect(after).toEqual(published);
  });

  it('is ignored once the deployed CSV is newer', async () => {
    // Prepare: an invalid upload, then a deployment that rewrites data/sample.csv after it.
    await put(subject.sourceBucket, 'incoming/sample.csv', 'not,the,header\n');
    await new Promise((resolve) => setTimeout(resolve, 1100)); // S3 timestamps have one-second resolution
    await put(subject.sourceBucket, 'data/sample.csv', FIXTURE_CSV);

    // Act
    const result = await subject.publishOne({ id: 'sample' });

    // Assess
    expect(result).toEqual({ id: 'sample', status: 'unchanged', version: '1.0.0' });
  });

  it('of an unknown dataset is rejected naming the missing descriptor', async () => {
    // Prepare
    await put(subject.sourceBucket, 'incoming/nosuch.csv', FIXTURE_CSV);

    // Act
    const { results, commit } = await subject.run({ trigger: 'upload', key: 'incoming/nosuch.csv' });

    // Assess
    expect(results[0]).toMatchObject({
      id: 'nosuch',
      status: 'rejected',
      issues: expect.arrayContaining([
        expect.objectContaining({ code: 'file-missing', file: 'data/nosuch.dataset.json' }),
      ]),
    });
    expect(commit.status).toBe('rejected');
  });
});

describe('the commit step', () => {
  it('commits the staged datasets, then fails naming a dataset whose step failed', async () => {
    // Prepare
    const subject = await pipeline();
    const staged = await subject.publishOne({ id: 'sample' });
    const failed: DatasetResult = {
      id: 'second',
      status: 'failed',
      error: 'ObjectStoreError',
      cause: 'could not get s3://…',
    };

    // Act
    const commit = subject.commit({ results: [staged, failed] });

    // Assess
    await expect(commit).rejects.toThrow(
      /1 of 2 datasets not published.*second: step failed with ObjectStoreError/,
    );
    const catalog = JSON.parse((await text(subject.siteBucket, 'catalog.json')) ?? '') as Catalog;
    expect(catalog.datasets.map((dataset) => dataset.id)).toEqual(['sample']);
  });

  it('refuses an event without results', async () => {
    // Prepare
    const subject = await pipeline();

    // Act
    const commit = subject.commit({});

    // Assess
    await expect(commit).rejects.toBeInstanceOf(InvalidEventError);
  });
});

describe('the list step', () => {
  it.each([
    [{}, ['sample', 'second']],
    [{ ids: ['second', 'sample', 'second'] }, ['sample', 'second']],
    [{ ids: [] }, ['sample', 'second']],
    [{ trigger: 'upload', key: 'incoming/second.csv' }, ['second']],
  ])('lists %j as %j', async (event, expected) => {
    // Prepare
    const subject = await pipeline();

    // Act
    const { ids } = await subject.list(event);

    // Assess
    expect(ids).toEqual(expected);
  });

  it.each([
    [{ key: 'data/sample.csv' }],
    [{ key: 'incoming/sample.txt' }],
    [{ key: 'incoming/Bad Name.csv' }],
    [{ ids: 'sample' }],
  ])('refuses %j', async (event) => {
    // Prepare
    const subject = await pipeline();

    // Act
    const listing = subject.list(event as never);

    // Assess
    await expect(listing).rejects.toBeInstanceOf(InvalidEventError);
  });

  it('fails when the source bucket holds no dataset', async () => {
    // Prepare
    const { logger } = capturingLogger();
    const list = createListDatasetsHandler({
      sources: new S3SourceBucket(client, await emptyBucket('empty')),
      logger,
    });

    // Act
    const listing = list({});

    // Assess
    await expect(listing).rejects.toBeInstanceOf(NoDatasetsError);
  });
});

describe('the validate-and-publish step', () => {
  it('rejects a malformed id without reading anything under it', async () => {
    // Prepare
    const subject = await pipeline();

    // Act
    const result = await subject.publishOne({ id: '../etc' });

    // Assess
    expect(result).toMatchObject({
      id: '../etc',
      status: 'rejected',
      issues: [{ field: 'id', value: '../etc' }],
    });
  });

  it('refuses an event without a dataset id', async () => {
    // Prepare
    const subject = await pipeline();

    // Act
    const result = subject.publishOne({});

    // Assess
    await expect(result).rejects.toBeInstanceOf(InvalidEventError);
  });
});

/** Records the keys each step reads and writes in the site bucket. */
class RecordingStore implements ObjectStore {
  readonly reads = new Set<string>();
  readonly writes = new Set<string>();
  constructor(private readonly inner: ObjectStore) {}
  get(key: string) {
    this.reads.add(key);
    return this.inner.get(key);
  }
  open(key: string) {
    this.reads.add(key);
    return this.inner.open(key);
  }
  head(key: string) {
    this.reads.add(key);
    return this.inner.head(key);
  }
  putIfAbsent(key: string, body: PutBody, meta: ObjectMeta) {
    this.writes.add(key);
    return this.inner.putIfAbsent(key, body, meta);
  }
  putIfMatch(key: string, body: PutBody, meta: ObjectMeta, etag: string | undefined) {
    this.writes.add(key);
    return this.inner.putIfMatch(key, body, meta, etag);
  }
  put(key: string, body: PutBody, meta: ObjectMeta) {
    this.writes.add(key);
    return this.inner.put(key, body, meta);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
}

/** IAM object-key matching: `*` is any run of characters, `/` included. */
function matchesAny(key: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) =>
    new RegExp(
      `^${pattern
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    ).test(key),
  );
}

// lib/publishing-workflow.ts grants the commit role SITE_KEY_PATTERNS and `datasets/*` (latest/ and re-based
// version folders); test/infra pins those grants.
describe('the IAM grants of the stack (lib/publishing-workflow.ts)', () => {
  it('cover every key the steps read and write in the site bucket', async () => {
    // Prepare
    const sourceBucket = await deployedSourceBucket();
    const siteBucket = await emptyBucket('site');
    const { logger } = capturingLogger();
    const sources = new S3SourceBucket(client, sourceBucket);
    const publishStore = new RecordingStore(new S3Store({ client, bucket: siteBucket }));
    const commitStore = new RecordingStore(new S3Store({ client, bucket: siteBucket }));
    const now = (): Date => NOW;
    const publishOne = createValidateAndPublishHandler({
      sources,
      site: publishStore,
      siteUrl: SITE_URL,
      now,
      logger,
    });
    const commit = createCommitCatalogHandler({ sources, site: commitStore, siteUrl: SITE_URL, now, logger });

    // Act: a first publication, then a new version of one dataset.
    await commit({ results: [await publishOne({ id: 'sample' }), await publishOne({ id: 'second' })] });
    await put(sourceBucket, 'data/sample.csv', `${FIXTURE_CSV}t-2003,2003,148.5,false,,turnover\n`);
    await commit({ results: [await publishOne({ id: 'sample' })] });

    // Assess
    expect(commitStore.writes.size).toBeGreaterThan(1);
    for (const key of publishStore.writes) expect(matchesAny(key, ['datasets/*']), key).toBe(true);
    for (const key of publishStore.reads)
      expect(matchesAny(key, ['catalog.json', 'datasets/*']), key).toBe(true);
    for (const key of commitStore.writes)
      expect(matchesAny(key, [...SITE_KEY_PATTERNS, 'datasets/*']), key).toBe(true);
    for (const key of commitStore.reads)
      expect(matchesAny(key, [...SITE_KEY_PATTERNS, 'datasets/*']), key).toBe(true);
  });
});

describe('the catalog commit', () => {
  it('fails the run when a file it just listed does not read back as written', async () => {
    // Prepare: a site store that silently loses the last byte of every CSV it creates.
    const sourceBucket = await deployedSourceBucket();
    const siteBucket = await emptyBucket('site');
    const { logger } = capturingLogger();
    const sources = new S3SourceBucket(client, sourceBucket);
    const honest = new S3Store({ client, bucket: siteBucket });
    const lossy = csvTruncatingStore(honest);
    const now = (): Date => NOW;
    const publishOne = createValidateAndPublishHandler({
      sources,
      site: lossy,
      siteUrl: SITE_URL,
      now,
      logger,
    });
    const commit = createCommitCatalogHandler({ sources, site: lossy, siteUrl: SITE_URL, now, logger });

    // Act
    const outcome = commit({ results: [await publishOne({ id: 'sample' })] });

    // Assess
    await expect(outcome).rejects.toThrow(PublishedFilesMismatchError);
    await expect(outcome).rejects.toThrow('datasets/sample/1.0.0/sample.csv: has');
  });
});
