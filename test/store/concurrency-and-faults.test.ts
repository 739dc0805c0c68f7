import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import type { ObjectStore } from '../../lambda/core/object-store.js';
import { publishDatasets } from '../../lambda/core/pipeline.js';
import { readCatalog } from '../../lambda/core/history.js';
import { verifyDistributions, verifyPublishedTree } from '../../lambda/core/verify.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { S3Store } from '../../lambda/store/s3.js';
import { FaultyStore, type FaultMode } from '../support/faulty-store.js';
import {
  createTestBucket,
  createTestS3Client,
  startMotoServer,
  type MotoServer,
} from '../support/moto-server.js';
import { makeWorkspace } from '../support/workspace.js';

let moto: MotoServer;
let client: S3Client;
let source: Parameters<typeof publishDatasets>[0]['source'];
let dataDir: string;
let bucketCount = 0;

const BEFORE = new Date('2026-01-01T00:00:00Z');
const AFTER = new Date('2026-02-01T00:00:00Z');

beforeAll(async () => {
  moto = await startMotoServer();
  client = createTestS3Client(moto.endpoint);
  const ws = await makeWorkspace();
  dataDir = ws.data;
  source = {
    data: new LocalDirectoryStore(ws.data),
    schemas: new LocalDirectoryStore(ws.schemas),
    dataLabel: 'data',
    schemasLabel: 'schemas',
  };
});

afterAll(async () => {
  await moto?.stop();
});

/** A fresh versioned bucket with trade and visits 1.0.0 published, as a store factory. */
async function publishedBucket(): Promise<() => S3Store> {
  const bucket = `site-${++bucketCount}`;
  await createTestBucket(moto.endpoint, bucket, { versioning: true });
  const store = () => new S3Store({ client, bucket });
  await setTradeValue('106.1');
  await publishDatasets({ source, store: store(), ids: ['trade', 'visits'], now: BEFORE });
  return store;
}

async function setTradeValue(value: string): Promise<void> {
  const csv = path.join(dataDir, 'trade.csv');
  await writeFile(csv, (await readFile(csv, 'utf8')).replace(/,value,106\.\d,/, `,value,${value},`));
}

async function catalogOf(store: ObjectStore): Promise<Catalog> {
  const { catalog } = await readCatalog(store);
  if (catalog === undefined) throw new Error('no catalog');
  return catalog;
}

describe('concurrent publishers on S3', () => {
  it.each([2, 5])(
    '%i publishers with the same change make exactly one new version and all finish cleanly',
    async (count) => {
      const store = await publishedBucket();
      await setTradeValue('106.2');

      const results = await Promise.allSettled(
        Array.from({ length: count }, () =>
          publishDatasets({ source, store: store(), ids: ['trade', 'visits'], now: AFTER }),
        ),
      );

      expect(results.map((result) => result.status)).toEqual(Array(count).fill('fulfilled'));
      const outcomes = results.flatMap((result) =>
        result.status === 'fulfilled' ? result.value.outcomes : [],
      );
      const trade = outcomes.filter((outcome) => outcome.id === 'trade');
      expect(trade.filter((outcome) => outcome.status === 'published')).toHaveLength(1);
      expect(trade.filter((outcome) => outcome.status === 'unchanged')).toHaveLength(count - 1);
      expect(trade.every((outcome) => 'version' in outcome && outcome.version === '1.0.1')).toBe(true);
      const catalog = await catalogOf(store());
      expect(
        catalog.datasets.map((dataset) => [dataset.id, dataset.versions.map((version) => version.version)]),
      ).toEqual([
        ['trade', ['1.0.1', '1.0.0']],
        ['visits', ['1.0.0']],
      ]);
      expect((await verifyPublishedTree(store())).problems).toEqual([]);
    },
  );
});

describe('faults against the S3 server', () => {
  it.each<[FaultMode, number]>([
    ['error', 3],
    ['timeout', 9],
    ['lost-response', 14],
    ['lost-response', 20],
    ['error', 25],
  ])('%s on request %i leaves a valid catalog and converges on the next run', async (mode, k) => {
    const store = await publishedBucket();
    const oldCatalog = await catalogOf(store());
    await setTradeValue('106.2');

    await publishDatasets({
      source,
      store: new FaultyStore(store(), k, mode),
      ids: ['trade', 'visits'],
      now: AFTER,
    }).catch(() => undefined);

    const during = await catalogOf(store());
    expect(['1.0.0', '1.0.1']).toContain(during.datasets.find((dataset) => dataset.id === 'trade')?.latest);
    if (during.datasets.find((dataset) => dataset.id === 'trade')?.latest === '1.0.0')
      expect(during).toEqual(oldCatalog);
    const listed = during.datasets.flatMap((dataset) =>
      dataset.versions.flatMap((version) => version.distributions),
    );
    expect(await verifyDistributions(store(), listed)).toEqual([]);

    await publishDatasets({ source, store: store(), ids: ['trade', 'visits'], now: AFTER });

    const after = await catalogOf(store());
    expect(
      after.datasets.find((dataset) => dataset.id === 'trade')?.versions.map((version) => version.version),
    ).toEqual(['1.0.1', '1.0.0']);
    expect((await verifyPublishedTree(store())).problems).toEqual([]);
  });
});
