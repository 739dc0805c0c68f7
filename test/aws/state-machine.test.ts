import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { App } from 'aws-cdk-lib';
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
import { cdkJsonContext, PROJECT_ROOT } from '../infra/app-fixture.js';
import type { RunnerConfig, RunnerResult } from './state-machine-runner.js';

// The synthesized state machine run by aws-local-stepfunctions, its Lambda tasks mapped to the
// step handlers over moto. The interpreter needs Node.js 22+ and the tests run on Node 20, so the
// run happens in a child process under Node 24, fetched by npx from the npm registry (cached
// after the first time); without it the tests are skipped with a message. What the interpreter
// cannot run (the Distributed Map's S3 reader and writer) is said in state-machine-runner.ts.

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
  const app = new App({
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

/** Runs the state machine in the interpreter under Node 24. */
async function runStateMachine(config: RunnerConfig): Promise<RunnerResult> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'opendata-sfn-')), 'config.json');
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
  return JSON.parse(line.slice(RESULT_MARKER.length)) as RunnerResult;
}

let node24: ReturnType<typeof findNode24>;
let moto: MotoServer | undefined;
let client: S3Client;
let bucketCounter = 0;

beforeAll(async () => {
  node24 = findNode24();
  if (!node24.ok) return;
  moto = await startMotoServer();
  client = createTestS3Client(moto.endpoint);
}, 360_000);

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

/** A source bucket holding the given datasets (`invalid` ones with a wrong cell), and an empty site bucket. */
async function buckets(ids: readonly string[], invalid: readonly string[] = []) {
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

async function catalogOf(bucket: string): Promise<Catalog> {
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'catalog.json' }));
  return JSON.parse((await response.Body?.transformToString()) ?? '') as Catalog;
}

describe('the synthesized state machine, run by aws-local-stepfunctions', () => {
  it('publishes every dataset of a scheduled run and commits the catalog', async (context) => {
    if (!node24.ok) return context.skip(node24.why);
    // Prepare
    const { sourceBucket, siteBucket } = await buckets(['alpha', 'beta']);

    // Act
    const result = await runStateMachine({
      definition: synthesizedDefinition(sourceBucket),
      endpoint: moto?.endpoint ?? '',
      sourceBucket,
      siteBucket,
      siteUrl: SITE_URL,
      executionName: 'scheduled-1',
      input: { trigger: 'schedule' },
      crashingIds: [],
    });

    // Assess
    expect(result, result.cause).toMatchObject({
      validated: true,
      status: 'SUCCEEDED',
      output: {
        catalogWritten: true,
        published: [
          { id: 'alpha', version: '1.0.0' },
          { id: 'beta', version: '1.0.0' },
        ],
      },
    });
    expect((await catalogOf(siteBucket)).datasets.map((dataset) => dataset.id)).toEqual(['alpha', 'beta']);
  });

  it('commits the valid datasets, then fails the execution naming the rejected one and the crashed one', async (context) => {
    if (!node24.ok) return context.skip(node24.why);
    // Prepare
    const { sourceBucket, siteBucket } = await buckets(['alpha', 'beta', 'gamma'], ['beta']);

    // Act
    const result = await runStateMachine({
      definition: synthesizedDefinition(sourceBucket),
      endpoint: moto?.endpoint ?? '',
      sourceBucket,
      siteBucket,
      siteUrl: SITE_URL,
      executionName: 'hand-started',
      input: {},
      crashingIds: ['gamma'],
    });

    // Assess: the crash went through the child's Catch and "Record dataset failure".
    expect(result).toMatchObject({ status: 'FAILED', error: 'DatasetsNotPublishedError' });
    expect(result.cause).toContain('2 of 3 datasets not published');
    expect(result.cause).toContain('beta: 1 issue');
    expect(result.cause).toContain('gamma: step failed with Lambda.Unknown');
    expect((await catalogOf(siteBucket)).datasets.map((dataset) => dataset.id)).toEqual(['alpha']);
    // Each dataset's result travelled through S3, not through the states' payloads.
    expect(result.largestPayloadBytes).toBeLessThan(1024);
  });
});
