import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import { curatedSources } from '../support/local-sources.js';
import { quietLogger } from '../support/quiet-logger.js';
import { S3SourceBucket } from '../../lambda/handlers/source-bucket.js';
import {
  createCommitCatalogHandler,
  DatasetsNotPublishedError,
} from '../../lambda/handlers/steps/commit-catalog.js';
import { createListRunHandler } from '../../lambda/handlers/steps/list-datasets.js';
import { MAX_CAUSE_CHARS, readMapResults } from '../../lambda/handlers/steps/map-results.js';
import { RUN_FILES, RunFileError } from '../../lambda/handlers/steps/run-files.js';
import { createValidateAndPublishHandler } from '../../lambda/handlers/steps/validate-and-publish.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { S3Store } from '../../lambda/store/s3.js';
import {
  recordS3Requests,
  refusedRequests,
  synthesizedAccessPolicies,
  type Caller,
  type S3Request,
} from '../aws/s3-access.js';
import { runDistributedMap } from '../support/distributed-map.js';
import { FIXTURE_CSV, FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA } from '../support/dataset-fixture.js';
import {
  createTestBucket,
  createTestS3Client,
  startMotoServer,
  type MotoServer,
} from '../support/moto-server.js';
import { makeTempDir } from '../support/temp-dir.js';

// The steps as the Distributed Map runs them: the list step writes the ids to S3, each dataset is
// a child execution, the results come back through S3, and the commit reads them there. Step
// Functions' part (ItemReader, ResultWriter) is played by test/support/distributed-map.ts.

const SITE_URL = 'https://data.example.org/';
const SITE_META = {
  title: 'Many datasets',
  description: 'A catalog of a thousand generated datasets.',
  publisher: { name: 'kz-az-open-data' },
  license: 'CC-BY-4.0',
};
const NOW = new Date('2026-03-01T12:00:00Z');
/** Step Functions' limit on a state's input or output. */
const PAYLOAD_LIMIT_BYTES = 256 * 1024;
const JSON_META = { contentType: 'application/json', cacheControl: 'no-store' } as const;

let moto: MotoServer | undefined;
let client: S3Client;
const callerClients: S3Client[] = [];
let bucketCounter = 0;

beforeAll(async () => {
  moto = await startMotoServer();
  client = createTestS3Client(moto.endpoint);
}, 60_000);

afterAll(async () => {
  client?.destroy();
  for (const own of callerClients) own.destroy();
  await moto?.stop();
});

async function bucket(prefix: string): Promise<string> {
  if (moto === undefined) throw new Error('moto is not running');
  const name = `${prefix}-${process.pid}-${++bucketCounter}`;
  await createTestBucket(moto.endpoint, name, { versioning: true });
  return name;
}

const bytesOf = (value: unknown): number => new TextEncoder().encode(JSON.stringify(value)).byteLength;

describe('a run over 1,000 datasets', () => {
  const COUNT = 1000;
  const ids = Array.from({ length: COUNT }, (_, index) => `set-${String(index).padStart(4, '0')}`);
  // One dataset of each way a dataset can fail, among the thousand.
  const INVALID = 'set-0100';
  const STEP_FAILED = 'set-0500';
  const CHILD_FAILED = 'set-0900';

  it('stages every dataset, commits the catalog once, and names each one not published', async () => {
    // Prepare: the run files go through S3 (moto) as on AWS; the datasets are read and published
    // on local folders through the same core, as a thousand of them through moto take a quarter
    // of an hour (the commit alone makes some 27 requests per dataset).
    const root = await makeTempDir('opendata-distributed-');
    await mkdir(path.join(root, 'data'));
    await mkdir(path.join(root, 'schemas'));
    await writeFile(path.join(root, 'data', 'site.json'), JSON.stringify(SITE_META));
    for (const id of ids) {
      const csv = id === INVALID ? FIXTURE_CSV.replace('2001,106.1', 'year,106.1') : FIXTURE_CSV;
      await writeFile(path.join(root, 'data', `${id}.csv`), csv);
      const descriptor = { ...FIXTURE_DESCRIPTOR, id, title: `Dataset ${id}` };
      await writeFile(path.join(root, 'data', `${id}.dataset.json`), JSON.stringify(descriptor));
      await writeFile(path.join(root, 'schemas', `${id}.schema.json`), JSON.stringify(FIXTURE_SCHEMA));
    }
    const sources = curatedSources(root);
    const runsBucket = await bucket('source');
    // Each caller has its own client, whose requests are recorded for the IAM evaluation below.
    const requests: S3Request[] = [];
    const runsOf = (caller: Caller): S3Store => {
      const own = createTestS3Client(moto?.endpoint ?? '');
      recordS3Requests(own, caller, requests);
      callerClients.push(own);
      return new S3Store({ client: own, bucket: runsBucket });
    };
    const runs = runsOf('commit-catalog');
    const site = new LocalDirectoryStore(path.join(root, 'public'));
    const now = (): Date => NOW;
    const list = createListRunHandler({ sources, runs: runsOf('list-datasets'), logger: quietLogger });
    const publishOne = createValidateAndPublishHandler({
      sources,
      site,
      siteUrl: SITE_URL,
      now,
      logger: quietLogger,
    });
    const commit = createCommitCatalogHandler({
      sources,
      site,
      siteUrl: SITE_URL,
      now,
      logger: quietLogger,
      mapResults: { store: runs, bucket: runsBucket },
    });

    // Act: the three states as the state machine chains them.
    const listed = await list({ execution: 'scheduled-run-1', input: { trigger: 'schedule' } });
    const mapOutput = await runDistributedMap({
      store: runsOf('state-machine'),
      bucket: runsBucket,
      itemsKey: listed.itemsKey,
      resultsPrefix: RUN_FILES.results.replace(/\/$/, ''),
      maxConcurrency: 8,
      entriesPerFile: 300,
      child: async (input) => {
        // The task failed after its retries: the child's Catch records it (lib/publishing-workflow.ts).
        if (input.id === STEP_FAILED)
          return { id: input.id, status: 'failed', error: 'Lambda.Unknown', cause: 'Task timed out' };
        // The child execution itself failed (e.g. States.Timeout): listed in FAILED_n.json.
        if (input.id === CHILD_FAILED)
          throw Object.assign(new Error('child timed out'), { name: 'States.Timeout' });
        return publishOne(input);
      },
    });
    const commitInput = { resultWriterDetails: mapOutput.ResultWriterDetails };
    const outcome = await commit(commitInput).then(
      (value) => ({ status: 'fulfilled' as const, value }),
      (reason: unknown) => ({ status: 'rejected' as const, reason }),
    );

    // Assess: every state's payload is a few hundred bytes, whatever the number of datasets.
    expect(listed.datasets).toBe(COUNT);
    for (const payload of [listed, mapOutput, commitInput]) expect(bytesOf(payload)).toBeLessThan(1024);
    // The run fails, naming exactly the three datasets that were not published…
    expect(outcome.status).toBe('rejected');
    const error = (outcome as { reason: unknown }).reason;
    expect(error).toBeInstanceOf(DatasetsNotPublishedError);
    expect((error as DatasetsNotPublishedError).ids).toEqual([INVALID, STEP_FAILED, CHILD_FAILED]);
    for (const id of [INVALID, STEP_FAILED, CHILD_FAILED]) expect((error as Error).message).toContain(id);
    expect((error as Error).message).toContain(`${CHILD_FAILED}: step failed with States.Timeout`);
    // …after committing the other 997 in one catalog.
    const catalog = JSON.parse(new TextDecoder().decode((await site.get('catalog.json'))?.body)) as Catalog;
    expect(catalog.datasets.map((dataset) => dataset.id)).toEqual(
      ids.filter((id) => ![INVALID, STEP_FAILED, CHILD_FAILED].includes(id)),
    );
    expect(catalog.datasets.every((dataset) => dataset.latest === '1.0.0')).toBe(true);
    // Every request to the source bucket (the run files: the datasets and the site are local folders
    // here) is one the synthesized role of its sender and the bucket's policy allow.
    expect(new Set(requests.map((request) => `${request.caller} ${request.action}`))).toEqual(
      new Set([
        'list-datasets s3:PutObject',
        'state-machine s3:GetObject',
        'state-machine s3:PutObject',
        'commit-catalog s3:GetObject',
      ]),
    );
    expect(await refusedRequests(requests, synthesizedAccessPolicies(), { [runsBucket]: 'source' })).toEqual(
      [],
    );
    // What the inline Map carried instead: every result in one payload, past Step Functions' limit.
    const results = await readMapResults({ store: runs, bucket: runsBucket }, mapOutput.ResultWriterDetails);
    expect(results).toHaveLength(COUNT);
    expect(bytesOf({ results })).toBeGreaterThan(PAYLOAD_LIMIT_BYTES);
  }, 600_000);
});

describe('the list step, as the state machine runs it', () => {
  it("writes the run's ids to runs/items/<execution>.json and returns only their count and key", async () => {
    // Prepare
    const sourceBucket = await bucket('source');
    for (const id of ['beta', 'alpha'])
      await client.send(
        new PutObjectCommand({ Bucket: sourceBucket, Key: `data/${id}.dataset.json`, Body: '{}' }),
      );
    const runs = new S3Store({ client, bucket: sourceBucket });
    const list = createListRunHandler({
      sources: new S3SourceBucket(client, sourceBucket),
      runs,
      logger: quietLogger,
    });

    // Act
    const result = await list({ execution: 'a1b2-c3', input: { trigger: 'schedule' } });

    // Assess
    expect(result).toEqual({ datasets: 2, itemsKey: 'runs/items/a1b2-c3.json' });
    const stored = await runs.get('runs/items/a1b2-c3.json');
    expect(JSON.parse(new TextDecoder().decode(stored?.body))).toEqual(['alpha', 'beta']);
  });

  it.each([
    ['a name that is not a key', { execution: '../data/x', input: {} }, 'the execution name must be'],
    ['no execution name', { input: {} }, 'the event must carry the execution name'],
  ])('refuses %s', async (_, event, message) => {
    // Prepare
    const sourceBucket = await bucket('source');
    const list = createListRunHandler({
      sources: new S3SourceBucket(client, sourceBucket),
      runs: new S3Store({ client, bucket: sourceBucket }),
      logger: quietLogger,
    });

    // Act
    const listing = list(event);

    // Assess
    await expect(listing).rejects.toThrow(message);
  });
});

describe('reading the Map results', () => {
  const manifestKey = 'runs/results/run-1/manifest.json';

  /** A bucket holding a manifest and the given result files (keys relative to the run's folder). */
  async function results(files: Record<string, unknown[]>, sizes: Record<string, number> = {}) {
    const name = await bucket('runs');
    const store = new S3Store({ client, bucket: name });
    const listed: Record<string, { Key: string; Size: number }[]> = {
      SUCCEEDED: [],
      FAILED: [],
      PENDING: [],
    };
    for (const [file, entries] of Object.entries(files)) {
      const body = new TextEncoder().encode(JSON.stringify(entries));
      const key = `runs/results/run-1/${file}`;
      await store.put(key, body, JSON_META);
      listed[file.split('_')[0] as string]?.push({ Key: key, Size: sizes[file] ?? body.byteLength });
    }
    const manifest = { DestinationBucket: name, MapRunArn: 'arn:…', ResultFiles: listed };
    await store.put(manifestKey, new TextEncoder().encode(JSON.stringify(manifest)), JSON_META);
    return { source: { store, bucket: name }, details: { Bucket: name, Key: manifestKey } };
  }

  const succeeded = (id: string) => ({
    Input: JSON.stringify({ id }),
    Output: JSON.stringify({ id, status: 'unchanged', version: '1.0.0' }),
    Status: 'SUCCEEDED',
  });

  it('turns failed, timed-out and never-started children into failed results naming their dataset', async () => {
    // Prepare
    const longCause = 'x'.repeat(MAX_CAUSE_CHARS + 10);
    const { source, details } = await results({
      'SUCCEEDED_0.json': [succeeded('b')],
      'FAILED_0.json': [
        { Input: '{"id":"c"}', Error: 'States.Timeout', Cause: longCause, Status: 'TIMED_OUT' },
        { Input: '{"id":"a"}', Status: 'ABORTED' },
      ],
      'PENDING_0.json': [{ Input: '{"id":"d"}', Status: 'PENDING' }],
    });

    // Act
    const read = await readMapResults(source, details);

    // Assess
    expect(read).toEqual([
      { id: 'a', status: 'failed', error: 'States.ABORTED' },
      { id: 'b', status: 'unchanged', version: '1.0.0' },
      {
        id: 'c',
        status: 'failed',
        error: 'States.Timeout',
        cause: `${'x'.repeat(MAX_CAUSE_CHARS)}… (10 more characters)`,
      },
      { id: 'd', status: 'failed', error: 'States.NotStarted' },
    ]);
  });

  it('refuses a manifest in another bucket or outside runs/results/', async () => {
    // Prepare
    const { source, details } = await results({ 'SUCCEEDED_0.json': [succeeded('a')] });

    // Act
    const elsewhere = readMapResults(source, { ...details, Bucket: 'someone-else' });
    const outside = readMapResults(source, { ...details, Key: 'data/manifest.json' });

    // Assess
    await expect(elsewhere).rejects.toThrow('not in the source bucket');
    await expect(outside).rejects.toThrow('must be runs/results/<map run>/manifest.json');
  });

  it('reads no more of a result file than the manifest says it holds', async () => {
    // Prepare: a file longer than its declared size.
    const { source, details } = await results(
      { 'SUCCEEDED_0.json': [succeeded('a'), succeeded('b')] },
      {
        'SUCCEEDED_0.json': 20,
      },
    );

    // Act
    const reading = readMapResults(source, details);

    // Assess
    await expect(reading).rejects.toBeInstanceOf(RunFileError);
    await expect(reading).rejects.toThrow('is not a JSON list of at most 20 bytes');
  });

  it('refuses an output that is not the result of the dataset named by the input', async () => {
    // Prepare
    const { source, details } = await results({
      'SUCCEEDED_0.json': [{ ...succeeded('a'), Input: '{"id":"other"}' }],
    });

    // Act
    const reading = readMapResults(source, details);

    // Assess
    await expect(reading).rejects.toThrow(
      'SUCCEEDED_0.json entry 0: the "Output" of dataset other is no result',
    );
  });
});
