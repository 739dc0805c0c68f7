import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Template } from 'aws-cdk-lib/assertions';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import { buildOpenDataApp } from '../../lib/open-data-app.js';
import { FIXTURE_CSV, FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA } from '../support/dataset-fixture.js';
import {
  createTestBucket,
  createTestS3Client,
  startMotoServer,
  type MotoServer,
} from '../support/moto-server.js';
import { cdkJsonContext, PROJECT_ROOT, testApp } from '../infra/app-fixture.js';
import {
  refusedRequests,
  synthesizedAccessPolicies,
  type AccessPolicies,
  type BucketKind,
  type S3Request,
} from './s3-access.js';
import type { RunnerConfig, RunnerResult, RunSpec } from './state-machine-runner.js';
import { makeTempDirSync } from '../support/temp-dir.js';

// The synthesized state machine run by aws-local-stepfunctions, its Lambda tasks mapped to the
// step handlers over moto. The interpreter needs Node.js 22+ and the tests run on Node 20, so the
// run happens in a child process under Node 24, fetched by npx from the npm registry (cached
// after the first time); without it the tests are skipped with a message.
//
// What the interpreter does not run, and where it is covered instead:
// - the Distributed Map's ItemReader, ResultWriter and ToleratedFailurePercentage (it runs a Map
//   inline only): played by test/support/distributed-map.ts around the real ItemProcessor and
//   ItemSelector (see state-machine-runner.ts); their synthesized fields are asserted in
//   test/infra/open-data-app.test.ts;
// - Retry intervals, backoff and jitter: the runner sets the retried task's interval to 0 so a
//   run stays short; the synthesized values are asserted in test/infra/open-data-app.test.ts;
// - TimeoutSeconds, the execution's two-hour timeout, logging and tracing: template assertions;
// - the Lambda runtime itself: the tasks call the step handlers (the code the bundles wrap) in
//   this process, on Node 24, over moto; test/handlers/handler-config.test.ts loads the entries.
// Every S3 request of every run is recorded and evaluated against the synthesized role and
// bucket policies (test/aws/s3-access.ts): moto checks no permission, the simulator does.

const SITE_URL = 'https://data.example.org/';
const SITE_META = {
  title: 'Interpreter run',
  description: 'A catalog published by the state machine as synthesized.',
  publisher: { name: 'kz-az-open-data' },
  license: 'CC-BY-4.0',
};
const NODE_24 = ['-y', '-p', 'node@24', 'node'];
const RESULT_MARKER = 'RUNNER-RESULT ';

/** Node 24 through npx, or why it cannot be had. */
function findNode24(): { ok: true } | { ok: false; why: string } {
  const probe = spawnSync('npx', [...NODE_24, '--version'], { encoding: 'utf8', timeout: 300_000 });
  if (probe.status === 0 && /^v2[4-9]\./.test(probe.stdout.trim())) return { ok: true };
  return {
    ok: false,
    why: `npx -p node@24 did not give Node 24 (${probe.error?.message ?? probe.stderr.trim()})`,
  };
}

/** The publishing state machine's ASL with CloudFormation references replaced by values. */
function synthesizedDefinition(sourceBucket: string): Record<string, unknown> {
  // Only the definition is needed: nothing is bundled.
  const app = testApp({
    context: { ...cdkJsonContext(), [BUNDLING_STACKS]: [] },
    builtinCloudFormationValidation: false,
  });
  const { publishing } = buildOpenDataApp(app, { projectRoot: PROJECT_ROOT, config: {} });
  const machines = Object.values(
    Template.fromStack(publishing).findResources('AWS::StepFunctions::StateMachine'),
  );
  expect(machines).toHaveLength(1);
  const join = (machines[0]?.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const text = join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const reference = part as { 'Fn::GetAtt'?: [string, string]; Ref?: string; 'Fn::ImportValue'?: string };
      if (reference['Fn::GetAtt'] !== undefined)
        return `arn:aws:lambda:us-east-1:123456789012:function:${reference['Fn::GetAtt'][0]}`;
      if (reference.Ref === 'AWS::Partition') return 'aws';
      if (reference['Fn::ImportValue'] === 'OpenDataSite-SourceBucketName') return sourceBucket;
      throw new Error(`no value for ${JSON.stringify(part)}`);
    })
    .join(join[0]);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Runs the scenarios in the interpreter under Node 24, in one process. */
async function runStateMachine(config: RunnerConfig): Promise<Record<string, RunnerResult[]>> {
  const file = path.join(makeTempDirSync('opendata-sfn-'), 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const runner = path.join(PROJECT_ROOT, 'test', 'aws', 'state-machine-runner.ts');
  const child = spawn('npx', [...NODE_24, '--import', 'tsx', runner, file], { cwd: PROJECT_ROOT });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-8000)));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const line = stdout.split('\n').find((entry) => entry.startsWith(RESULT_MARKER));
  if (line === undefined) throw new Error(`the runner exited with ${code} and no result:\n${stderr}`);
  return JSON.parse(line.slice(RESULT_MARKER.length)) as Record<string, RunnerResult[]>;
}

let node24: ReturnType<typeof findNode24>;
let moto: MotoServer | undefined;
let client: S3Client;
let policies: AccessPolicies;
let bucketCounter = 0;
/** Each scenario's buckets and the results of its runs. */
const scenarios: Record<string, { buckets: Buckets; results: RunnerResult[] }> = {};

type Buckets = { readonly sourceBucket: string; readonly siteBucket: string };

/** A source bucket holding the given datasets (`invalid` ones with a wrong cell), and an empty site bucket. */
async function buckets(ids: readonly string[], invalid: readonly string[] = []): Promise<Buckets> {
  if (moto === undefined) throw new Error('moto is not running');
  const suffix = `${process.pid}-${++bucketCounter}`;
  const [sourceBucket, siteBucket] = [`source-${suffix}`, `site-${suffix}`];
  await createTestBucket(moto.endpoint, sourceBucket, { versioning: true });
  await createTestBucket(moto.endpoint, siteBucket, { versioning: true });
  const files: Record<string, string> = { 'data/site.json': JSON.stringify(SITE_META) };
  for (const id of ids) {
    files[`data/${id}.csv`] = invalid.includes(id)
      ? FIXTURE_CSV.replace('2001,106.1', 'year,106.1')
      : FIXTURE_CSV;
    files[`data/${id}.dataset.json`] = JSON.stringify({ ...FIXTURE_DESCRIPTOR, id });
    files[`schemas/${id}.schema.json`] = JSON.stringify(FIXTURE_SCHEMA);
  }
  for (const [key, body] of Object.entries(files))
    await client.send(new PutObjectCommand({ Bucket: sourceBucket, Key: key, Body: body }));
  return { sourceBucket, siteBucket };
}

beforeAll(async () => {
  node24 = findNode24();
  if (!node24.ok) return;
  moto = await startMotoServer();
  client = createTestS3Client(moto.endpoint);
  policies = synthesizedAccessPolicies();
  // Prepare every scenario, then run them all in one Node 24 process.
  const plans: { name: string; buckets: Buckets; runs: RunSpec[] }[] = [
    {
      // A first run, the same run again (nothing changed), then a broken upload of alpha.
      name: 'sequence',
      buckets: await buckets(['alpha', 'beta']),
      runs: [
        { executionName: 'scheduled-1', input: { trigger: 'schedule' } },
        { executionName: 'scheduled-2', input: { trigger: 'schedule' } },
        {
          executionName: 'upload-1',
          input: { trigger: 'upload', key: 'incoming/alpha.csv' },
          sourceFiles: { 'incoming/alpha.csv': FIXTURE_CSV.replace('2001,106.1', '2001,lots') },
        },
      ],
    },
    {
      name: 'failing',
      buckets: await buckets(['alpha', 'beta', 'gamma'], ['beta']),
      runs: [{ executionName: 'hand-started', input: {}, crashingIds: ['gamma'] }],
    },
    {
      // beta's first attempt fails at its second version file, after the first was created.
      name: 'flaky',
      buckets: await buckets(['alpha', 'beta']),
      runs: [{ executionName: 'flaky', input: {}, flakyStoreIds: ['beta'] }],
    },
    {
      // The commit's first attempt lists both versions, then fails writing a dataset's page.
      name: 'flaky-commit',
      buckets: await buckets(['alpha', 'beta']),
      runs: [{ executionName: 'flaky-commit', input: {}, flakyCommit: true }],
    },
  ];
  const results = await runStateMachine({
    endpoint: moto.endpoint,
    siteUrl: SITE_URL,
    scenarios: plans.map((plan) => ({
      name: plan.name,
      definition: synthesizedDefinition(plan.buckets.sourceBucket),
      ...plan.buckets,
      runs: plan.runs,
    })),
  });
  for (const plan of plans)
    scenarios[plan.name] = { buckets: plan.buckets, results: results[plan.name] ?? [] };
}, 900_000);

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

async function catalogOf(bucket: string): Promise<Catalog> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'catalog.json' }));
  return JSON.parse((await response.Body?.transformToString()) ?? '') as Catalog;
}

/**
 * Run `index` of a scenario, after checking every S3 request it made as S3 would decide it in a
 * deployment: against the synthesized policies of the role that sent it and of the bucket.
 */
async function runOf(name: string, index: number): Promise<RunnerResult & { buckets: Buckets }> {
  const scenario = scenarios[name];
  const result = scenario?.results[index];
  if (scenario === undefined || result === undefined) throw new Error(`no run ${index} of ${name}`);
  expect(result.validated).toBe(true);
  const { sourceBucket, siteBucket } = scenario.buckets;
  const kinds: Record<string, BucketKind> = { [sourceBucket]: 'source', [siteBucket]: 'site' };
  expect(await refusedRequests(result.s3Requests, policies, kinds)).toEqual([]);
  return { ...result, buckets: scenario.buckets };
}

/** The requests of `caller` with `action` whose key or prefix starts with `start`. */
const requestsOf = (result: RunnerResult, caller: S3Request['caller'], action: string, start = '') =>
  result.s3Requests.filter(
    (request) =>
      request.caller === caller &&
      request.action === action &&
      (request.key ?? request.prefix ?? '').startsWith(start),
  );

/** Requests that change something in `bucket`. */
const writesTo = (result: RunnerResult, bucket: string) =>
  result.s3Requests.filter(
    (request) => request.bucket === bucket && !['s3:GetObject', 's3:ListBucket'].includes(request.action),
  );

describe('the synthesized state machine, run by aws-local-stepfunctions', () => {
  it('publishes every dataset of a scheduled run and commits the catalog, each request allowed by IAM', async (context) => {
    if (!node24.ok) return context.skip(node24.why);
    const result = await runOf('sequence', 0);

    expect(result, result.cause).toMatchObject({
      status: 'SUCCEEDED',
      output: {
        catalogWritten: true,
        published: [
          { id: 'alpha', version: '1.0.0' },
          { id: 'beta', version: '1.0.0' },
        ],
      },
    });
    // The evaluation covered the requests that matter: create-only writes into version folders,
    // the catalog's conditional replace, latest/, listings, the 404s of a first run, the Map's run files.
    const versionWrites = requestsOf(result, 'validate-and-publish', 's3:PutObject', 'datasets/alpha/1.0.0/');
    expect(versionWrites.length).toBeGreaterThan(3);
    for (const write of versionWrites) expect(write.ifNoneMatch).toBe('*');
    expect(requestsOf(result, 'commit-catalog', 's3:PutObject', 'catalog.json')).not.toEqual([]);
    expect(requestsOf(result, 'commit-catalog', 's3:PutObject', 'datasets/alpha/latest/')).not.toEqual([]);
    expect(result.s3Requests.some((request) => request.command === '404 check')).toBe(true);
    expect(requestsOf(result, 'list-datasets', 's3:ListBucket', 'data/')).not.toEqual([]);
    expect(requestsOf(result, 'list-datasets', 's3:PutObject', 'runs/items/')).not.toEqual([]);
    expect(requestsOf(result, 'state-machine', 's3:PutObject', 'runs/results/')).not.toEqual([]);
    expect(requestsOf(result, 'commit-catalog', 's3:GetObject', 'runs/results/')).not.toEqual([]);
  });

  it('an unchanged run writes nothing to the site', async (context) => {
    if (!node24.ok) return context.skip(node24.why);
    const result = await runOf('sequence', 1);

    expect(result, result.cause).toMatchObject({
      status: 'SUCCEEDED',
      output: { catalogWritten: false, siteFilesWritten: 0, published: [], unchanged: ['alpha', 'beta'] },
    });
    expect(writesTo(result, result.buckets.siteBucket)).toEqual([]);
  });

  it('an invalid upload fails the run naming the upload, and what was published stays as it was', async (context) => {
    if (!node24.ok) return context.skip(node24.why);
    const result = await runOf('sequence', 2);

    // The run was for the uploaded dataset only, and it failed naming the file.
    expect(result).toMatchObject({ status: 'FAILED', error: 'DatasetsNotPublishedError' });
    expect(result.cause).toContain('1 of 1 datasets not published');
    expect(result.cause).toContain('alpha: 1 issue');
    expect(result.cause).toContain('incoming/alpha.csv');
    expect(Object.keys(result.attempts)).toEqual(['alpha']);
    expect(writesTo(result, result.buckets.siteBucket)).toEqual([]);
    // The catalog was written once, by the first run, and still lists alpha's first version only.
    const versions = await client.send(
      new ListObjectVersionsCommand({ Bucket: result.buckets.siteBucket, Prefix: 'catalog.json' }),
    );
    expect(versions.Versions?.filter((version) => version.Key === 'catalog.json')).toHaveLength(1);
    const alpha = (await catalogOf(result.buckets.siteBucket)).datasets.find(
      (dataset) => dataset.id === 'alpha',
    );
    expect(alpha?.versions.map((version) => version.version)).toEqual(['1.0.0']);
  });

  it('commits the valid datasets, then fails the execution naming the rejected one and the crashed one', async (context) => {
    if (!node24.ok) return context.skip(node24.why);
    const result = await runOf('failing', 0);

    // The crash went through the child's Catch and "Record dataset failure".
    expect(result).toMatchObject({ status: 'FAILED', error: 'DatasetsNotPublishedError' });
    expect(result.cause).toContain('2 of 3 datasets not published');
    expect(result.cause).toContain('beta: 1 issue');
    expect(result.cause).toContain('gamma: step failed with Lambda.Unknown');
    // Lambda.Unknown is not among the retried errors: one attempt.
    expect(result.attempts.gamma).toBe(1);
    expect((await catalogOf(result.buckets.siteBucket)).datasets.map((dataset) => dataset.id)).toEqual([
      'alpha',
    ]);
    // Each dataset's result travelled through S3, not through the states' payloads.
    expect(result.largestPayloadBytes).toBeLessThan(1024);
  });

  it('retries a dataset whose store failed mid-version, and the retry publishes it whole', async (context) => {
    if (!node24.ok) return context.skip(node24.why);
    const result = await runOf('flaky', 0);

    // The synthesized Retry on ObjectStoreError ran the step again, which adopted the file the
    // failed attempt had left and published the version.
    expect(result, result.cause).toMatchObject({
      status: 'SUCCEEDED',
      output: {
        published: [
          { id: 'alpha', version: '1.0.0' },
          { id: 'beta', version: '1.0.0' },
        ],
      },
    });
    expect(result.attempts).toEqual({ alpha: 1, beta: 2 });
    const beta = (await catalogOf(result.buckets.siteBucket)).datasets.find(
      (dataset) => dataset.id === 'beta',
    );
    const distributions = beta?.versions[0]?.distributions ?? [];
    expect(distributions.length).toBeGreaterThan(3);
    for (const distribution of distributions) {
      const stored = await client.send(
        new HeadObjectCommand({ Bucket: result.buckets.siteBucket, Key: distribution.path }),
      );
      expect(stored.ContentLength, distribution.path).toBe(distribution.bytes);
    }
  });

  it('retries a commit that listed its versions but failed writing a page, and the retry finishes the pages', async (context) => {
    if (!node24.ok) return context.skip(node24.why);
    const result = await runOf('flaky-commit', 0);

    // The failure after the catalog's commit is retried (it names the listed versions, DerivedFilesError);
    // the second attempt finds them listed and brings the pages up to date.
    expect(result, result.cause).toMatchObject({ status: 'SUCCEEDED' });
    expect(result.commitAttempts).toBe(2);
    expect((await catalogOf(result.buckets.siteBucket)).datasets.map((dataset) => dataset.latest)).toEqual([
      '1.0.0',
      '1.0.0',
    ]);
    for (const id of ['alpha', 'beta']) {
      const page = await client.send(
        new GetObjectCommand({ Bucket: result.buckets.siteBucket, Key: `datasets/${id}/index.html` }),
      );
      expect(await page.Body?.transformToString(), id).toContain('1.0.0');
    }
  });
});
