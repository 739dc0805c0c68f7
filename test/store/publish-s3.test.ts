import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { objectMetaFor } from '../../lambda/core/content-policy.js';
import {
  createTestBucket,
  createTestS3Client,
  startMotoServer,
  TEST_CREDENTIALS,
  TEST_REGION,
  type MotoServer,
} from '../support/moto-server.js';
import { cli, makeWorkspace, treeDigest } from '../support/workspace.js';

let moto: MotoServer;
let client: S3Client;
beforeAll(async () => {
  moto = await startMotoServer();
  client = createTestS3Client(moto.endpoint);
  // The CLI builds its own client from the standard AWS environment, as it would for a user.
  vi.stubEnv('AWS_ACCESS_KEY_ID', TEST_CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', TEST_CREDENTIALS.secretAccessKey);
  vi.stubEnv('AWS_REGION', TEST_REGION);
  vi.stubEnv('SOURCE_DATE_EPOCH', '1767225600');
});

afterAll(async () => {
  // Puts each variable back in the process's own environment: the worker runs other files after this
  // one, and replacing process.env with a copy would cut it off from the real one (os.tmpdir() reads that).
  vi.unstubAllEnvs();
  await moto?.stop();
});

async function bucketDigest(bucket: string, prefix: string): Promise<Record<string, string>> {
  const digest: Record<string, string> = {};
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  for (const object of listed.Contents ?? []) {
    const key = object.Key ?? '';
    const body = await (
      await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    ).Body?.transformToByteArray();
    digest[key.slice(prefix.length)] = createHash('sha256')
      .update(body ?? new Uint8Array())
      .digest('hex');
  }
  return Object.fromEntries(Object.entries(digest).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** `opendata publish` of a workspace's datasets to `bucket` at `endpoint`, with any further options. */
function publishToBucket(
  ws: { data: string; schemas: string },
  bucket: string,
  endpoint: string,
  ...options: string[]
) {
  return cli(
    'publish',
    '--data',
    ws.data,
    '--schemas',
    ws.schemas,
    '--bucket',
    bucket,
    '--endpoint',
    endpoint,
    ...options,
  );
}

describe('publishing to S3 and to a directory', () => {
  it('yields the same files, the same catalog and production headers', async () => {
    const ws = await makeWorkspace();
    await createTestBucket(moto.endpoint, 'open-data-site', { versioning: true });
    const sources = ['--data', ws.data, '--schemas', ws.schemas];

    const toDisk = await cli('publish', ...sources, '--out', ws.out);
    const toS3 = await cli(
      'publish',
      ...sources,
      '--bucket',
      'open-data-site',
      '--prefix',
      'site',
      '--endpoint',
      moto.endpoint,
    );

    expect(toDisk.code).toBe(0);
    expect(toS3.code).toBe(0);
    expect(toS3.stdout).toContain('catalog.json updated in s3://open-data-site/site');
    const disk = await treeDigest(ws.out);
    expect(Object.keys(disk).length).toBeGreaterThan(10);
    expect(await bucketDigest('open-data-site', 'site/')).toEqual(disk);
    for (const key of ['catalog.json', 'datasets/trade/1.0.0/trade.csv', 'datasets/trade/latest/trade.csv']) {
      const head = await client.send(new HeadObjectCommand({ Bucket: 'open-data-site', Key: `site/${key}` }));
      expect({ contentType: head.ContentType, cacheControl: head.CacheControl }).toEqual(objectMetaFor(key));
    }
  });

  it('writes nothing when republishing unchanged data', async () => {
    const ws = await makeWorkspace();
    await createTestBucket(moto.endpoint, 'open-data-twice', { versioning: true });
    const args = [
      'publish',
      '--data',
      ws.data,
      '--schemas',
      ws.schemas,
      '--bucket',
      'open-data-twice',
      '--endpoint',
      moto.endpoint,
    ];
    await cli(...args);
    const before = await client.send(new ListObjectsV2Command({ Bucket: 'open-data-twice' }));
    const versionsBefore = await client.send(new ListObjectVersionsCommand({ Bucket: 'open-data-twice' }));

    const again = await cli(...args);

    expect(again.code).toBe(0);
    expect(again.stdout).toContain('catalog.json unchanged');
    const after = await client.send(new ListObjectsV2Command({ Bucket: 'open-data-twice' }));
    const versionsAfter = await client.send(new ListObjectVersionsCommand({ Bucket: 'open-data-twice' }));
    expect(versionsAfter.Versions?.length).toBe(versionsBefore.Versions?.length);
    expect(versionsBefore.Versions?.length).toBe(before.Contents?.length);
    expect(
      after.Contents?.map((object) => [object.Key, object.ETag, object.LastModified?.toISOString()]),
    ).toEqual(
      before.Contents?.map((object) => [object.Key, object.ETag, object.LastModified?.toISOString()]),
    );
  });
});

describe('publishing to an endpoint that stops answering', () => {
  it('ends with one error naming the object and exit 1, within the timeouts given, not never', async () => {
    const ws = await makeWorkspace();
    const sockets = new Set<Socket>();
    // Accepts every connection and reads the request, but never answers.
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const started = Date.now();
    try {
      const { code, stderr } = await publishToBucket(
        ws,
        'silent-bucket',
        `http://127.0.0.1:${address.port}`,
        '--connect-timeout-ms',
        '300',
        '--idle-timeout-ms',
        '300',
      );

      expect(code).toBe(1);
      expect(stderr).toMatch(/could not get s3:\/\/silent-bucket\/catalog\.json: .*timed out after 300 ms/);
      // Three attempts of 300 ms and the SDK's back-off between them; never the minutes of no timeout at all.
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 60_000);
});

describe('publishing to a bucket with no region given', () => {
  it('says where a region comes from', async () => {
    const ws = await makeWorkspace();
    // The SDK reads the region from the environment and the AWS config file: neither gives one here.
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    vi.stubEnv('AWS_PROFILE', 'none-such');
    vi.stubEnv('AWS_CONFIG_FILE', path.join(ws.out, 'no-aws-config'));
    try {
      const { code, stderr } = await publishToBucket(ws, 'some-bucket', moto.endpoint);

      expect(code).toBe(1);
      expect(stderr).toContain('Region is missing (set AWS_REGION, or a region in the AWS profile in use)');
    } finally {
      vi.stubEnv('AWS_REGION', TEST_REGION);
      vi.stubEnv('AWS_PROFILE', undefined);
      vi.stubEnv('AWS_CONFIG_FILE', undefined);
    }
  });
});
