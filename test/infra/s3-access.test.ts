import { beforeAll, describe, expect, it } from 'vitest';
import {
  decide,
  DEPLOYED,
  iamRequestsOf,
  synthesizedAccessPolicies,
  type AccessPolicies,
  type Caller,
  type S3Request,
} from '../aws/s3-access.js';

// The synthesized role and bucket policies, evaluated by an IAM policy simulator for the
// requests that must be refused whoever sends them, and for the narrowing of the roles. The
// requests the functions really make are evaluated where they are recorded: test/aws/
// state-machine.test.ts (the interpreter runs) and test/handlers/distributed-map.test.ts.

const KINDS = { [DEPLOYED.buckets.source]: 'source', [DEPLOYED.buckets.site]: 'site' } as const;
const SOURCE = DEPLOYED.buckets.source;
const SITE = DEPLOYED.buckets.site;

let policies: AccessPolicies;

beforeAll(() => {
  policies = synthesizedAccessPolicies();
}, 120_000);

/** The IAM request of one SDK command sent by `caller`. */
function request(caller: Caller, command: string, input: Record<string, unknown>): S3Request {
  const [only, ...others] = iamRequestsOf(caller, command, input);
  expect(others).toEqual([]);
  if (only === undefined) throw new Error(`no request for ${command}`);
  return only;
}

const decideFor = (value: S3Request) => decide(value, policies, KINDS);

describe('published versions, whoever asks', () => {
  const published = 'datasets/trade/1.0.0/trade.csv';

  it.each<Caller>(['validate-and-publish', 'commit-catalog'])(
    '%s may create a version file with If-None-Match, and nothing else in a version folder',
    async (caller) => {
      const create = request(caller, 'PutObjectCommand', { Bucket: SITE, Key: published, IfNoneMatch: '*' });
      const replace = request(caller, 'PutObjectCommand', { Bucket: SITE, Key: published });
      const complete = request(caller, 'CompleteMultipartUploadCommand', { Bucket: SITE, Key: published });
      const remove = request(caller, 'DeleteObjectCommand', { Bucket: SITE, Key: published });

      expect(await decideFor(create)).toBe('Allowed');
      expect(await decideFor(replace)).toBe('ExplicitlyDenied');
      expect(await decideFor(complete)).toBe('ExplicitlyDenied');
      expect(await decideFor(remove)).toBe('ExplicitlyDenied');
    },
  );

  it('a copy over a published file (the latest/ mirror pointed at a version folder) is refused', async () => {
    const [put, get] = iamRequestsOf('commit-catalog', 'CopyObjectCommand', {
      Bucket: SITE,
      Key: 'datasets/trade/1.0.0/trade.csv',
      CopySource: `${SITE}/datasets/trade/latest/trade.csv`,
    });

    expect(await decideFor(get as S3Request)).toBe('Allowed');
    expect(await decideFor(put as S3Request)).toBe('ExplicitlyDenied');
  });

  it('a multipart copy (a source above 5 GiB) makes the latest/ mirror, and over a published file is refused at completion', async () => {
    const copyInto = (key: string) => ({
      start: request('commit-catalog', 'CreateMultipartUploadCommand', { Bucket: SITE, Key: key }),
      part: iamRequestsOf('commit-catalog', 'UploadPartCopyCommand', {
        Bucket: SITE,
        Key: key,
        CopySource: `${SITE}/datasets/trade/1.0.0/trade.json`,
      }),
      complete: request('commit-catalog', 'CompleteMultipartUploadCommand', { Bucket: SITE, Key: key }),
    });
    const latest = copyInto('datasets/trade/latest/trade.json');
    const overPublished = copyInto('datasets/trade/0.9.0/trade.json');

    for (const allowed of [latest.start, ...latest.part, latest.complete])
      expect(await decideFor(allowed), `${allowed.action} ${allowed.key ?? ''}`).toBe('Allowed');
    expect(await decideFor(overPublished.complete)).toBe('ExplicitlyDenied');
  });

  it('the parts of a multipart upload into a version folder get in; only a completion with If-None-Match makes them a file', async () => {
    const key = 'datasets/trade/2.0.0/trade.parquet';
    const start = request('validate-and-publish', 'CreateMultipartUploadCommand', { Bucket: SITE, Key: key });
    const part = request('validate-and-publish', 'UploadPartCommand', { Bucket: SITE, Key: key });
    const complete = request('validate-and-publish', 'CompleteMultipartUploadCommand', {
      Bucket: SITE,
      Key: key,
      IfNoneMatch: '*',
    });
    const abort = request('validate-and-publish', 'AbortMultipartUploadCommand', { Bucket: SITE, Key: key });

    for (const allowed of [start, part, complete, abort]) expect(await decideFor(allowed)).toBe('Allowed');
  });

  it('nothing is allowed without TLS', async () => {
    const overHttp: S3Request = {
      ...request('validate-and-publish', 'GetObjectCommand', { Bucket: SOURCE, Key: 'data/trade.csv' }),
      secureTransport: false,
    };

    expect(await decideFor(overHttp)).toBe('ExplicitlyDenied');
  });
});

describe('each role writes only its own keys', () => {
  it.each<[Caller, string, string]>([
    ['validate-and-publish', SITE, 'catalog.json'],
    ['validate-and-publish', SITE, 'index.html'],
    ['validate-and-publish', SOURCE, 'data/trade.csv'],
    ['validate-and-publish', SOURCE, 'runs/results/run/manifest.json'],
    ['list-datasets', SOURCE, 'data/trade.csv'],
    ['list-datasets', SOURCE, 'runs/results/run/manifest.json'],
    ['list-datasets', SITE, 'catalog.json'],
    ['commit-catalog', SOURCE, 'data/trade.csv'],
    ['commit-catalog', SOURCE, 'incoming/trade.csv'],
    ['commit-catalog', SOURCE, 'runs/items/run.json'],
    ['commit-catalog', SITE, 'robots.txt'],
    ['state-machine', SOURCE, 'data/trade.csv'],
    ['state-machine', SITE, 'catalog.json'],
  ])('%s may not write s3://%s/%s', async (caller, bucket, key) => {
    const put = request(caller, 'PutObjectCommand', { Bucket: bucket, Key: key, IfNoneMatch: '*' });

    expect(await decideFor(put)).not.toBe('Allowed');
  });

  it.each<Caller>(['list-datasets', 'validate-and-publish', 'commit-catalog', 'state-machine'])(
    '%s may delete nothing in either bucket',
    async (caller) => {
      for (const [bucket, key] of [
        [SOURCE, 'data/trade.csv'],
        [SOURCE, 'runs/items/run.json'],
        [SITE, 'catalog.json'],
        [SITE, 'datasets/trade/latest/trade.csv'],
      ] as const) {
        const remove = request(caller, 'DeleteObjectCommand', { Bucket: bucket, Key: key });
        expect(await decideFor(remove), `${bucket}/${key}`).not.toBe('Allowed');
      }
    },
  );
});

describe('narrowed to what the store sends', () => {
  it('listing is allowed under the granted keys only', async () => {
    const list = (caller: Caller, bucket: string, prefix?: string): S3Request =>
      request(caller, 'ListObjectsV2Command', {
        Bucket: bucket,
        ...(prefix === undefined ? {} : { Prefix: prefix }),
      });

    expect(await decideFor(list('list-datasets', SOURCE, 'data/'))).toBe('Allowed');
    expect(await decideFor(list('list-datasets', SOURCE, 'incoming/'))).not.toBe('Allowed');
    expect(await decideFor(list('list-datasets', SOURCE))).not.toBe('Allowed');
    expect(await decideFor(list('validate-and-publish', SITE, 'datasets/trade/'))).toBe('Allowed');
    expect(await decideFor(list('validate-and-publish', SITE, ''))).not.toBe('Allowed');
    expect(await decideFor(list('validate-and-publish', SOURCE, 'runs/'))).not.toBe('Allowed');
    expect(await decideFor(list('commit-catalog', SOURCE, 'runs/results/run/'))).toBe('Allowed');
    expect(await decideFor(list('commit-catalog', SOURCE, 'runs/items/'))).not.toBe('Allowed');
  });

  it.each([
    's3:PutObjectTagging',
    's3:PutObjectRetention',
    's3:PutObjectLegalHold',
    's3:PutObjectAcl',
    's3:GetObjectVersion',
    's3:GetObjectTagging',
  ])('no function may %s, which the store never sends', async (action) => {
    for (const caller of ['validate-and-publish', 'commit-catalog'] as const) {
      const value: S3Request = {
        caller,
        command: 'constructed',
        action,
        bucket: SITE,
        key: 'datasets/trade/latest/trade.csv',
        secureTransport: true,
      };
      expect(await decideFor(value), caller).not.toBe('Allowed');
    }
  });

  it('no function may read the bucket metadata (s3:GetBucket*)', async () => {
    for (const action of ['s3:GetBucketPolicy', 's3:GetBucketVersioning', 's3:GetBucketLocation']) {
      const value: S3Request = {
        caller: 'commit-catalog',
        command: 'constructed',
        action,
        bucket: SITE,
        secureTransport: true,
      };
      expect(await decideFor(value), action).not.toBe('Allowed');
    }
  });
});
