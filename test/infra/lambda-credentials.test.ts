import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Stack, type CfnElement } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambda/handlers/deploy-contract.js';
import { PipelineFunction } from '../../lib/pipeline-function.js';
import {
  createTestBucket,
  createTestS3Client,
  startMotoServer,
  TEST_REGION,
  type MotoServer,
} from '../support/moto-server.js';
import { cdkJsonContext, PROJECT_ROOT, testApp } from './app-fixture.js';

// The list step's function bundled for real by the local esbuild, as the stack bundles it, then run in a
// fresh Node process against moto: its S3 calls sign with the credentials Lambda puts in the environment.
describe("a function's bundle takes its role's credentials from the environment alone", () => {
  const app = testApp({ context: cdkJsonContext(), builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Credentials');
  const fn = new PipelineFunction(stack, 'List', {
    entry: path.join(PROJECT_ROOT, 'lambda/handlers/list-datasets.ts'),
    projectRoot: PROJECT_ROOT,
    description: 'test',
    environment: {},
  });
  const assembly = app.synth();
  const template = assembly.getStackByName('Credentials').template as {
    Resources: Record<string, { Properties: { Code?: { S3Key?: string } } }>;
  };
  const key =
    template.Resources[stack.getLogicalId(fn.function.node.defaultChild as CfnElement)]?.Properties.Code
      ?.S3Key;
  const bundle = path.join(assembly.directory, `asset.${(key ?? '').replace(/\.zip$/, '')}`, 'index.mjs');

  let moto: MotoServer;
  let home: string;
  beforeAll(async () => {
    moto = await startMotoServer();
    await createTestBucket(moto.endpoint, 'sources');
    home = mkdtempSync(path.join(tmpdir(), 'lambda-credentials-'));
    // A profile with keys of its own, which the SDK's full chain would take: the bundle must not read it.
    writeFileSync(
      path.join(home, 'credentials'),
      '[other]\naws_access_key_id = file\naws_secret_access_key = file\n',
    );
  }, 30_000);
  afterAll(async () => {
    await moto.stop();
    rmSync(home, { recursive: true, force: true });
  });

  /** Runs the bundle's handler once, in a fresh process with only the variables given (and PATH). */
  const runList = (variables: Record<string, string>) => {
    const probe = `const { handler } = await import(${JSON.stringify(bundle)});
      try { console.log(JSON.stringify(await handler({ execution: 'run-1', input: { ids: ['trade'] } }, {}))); }
      catch (error) { console.log(JSON.stringify({ error: error.name, message: error.message })); }`;
    return spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
      encoding: 'utf8',
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: home,
        AWS_REGION: TEST_REGION,
        AWS_ENDPOINT_URL_S3: moto.endpoint,
        AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
        AWS_CONFIG_FILE: path.join(home, 'config'),
        [ENV.sourceBucket]: 'sources',
        ...variables,
      },
    });
  };
  const lastLine = (stdout: string): unknown => JSON.parse(stdout.trim().split('\n').at(-1) ?? 'null');

  it('bundles no other source of credentials', () => {
    const code = readFileSync(bundle, 'utf8');
    // Booleans, so that a failure names the text rather than printing the bundle.
    expect(code.includes('AWS_SECRET_ACCESS_KEY'), 'AWS_SECRET_ACCESS_KEY').toBe(true);
    for (const other of ['defaultProvider::fromSSO', 'credential_process', 'AWS_WEB_IDENTITY_TOKEN_FILE'])
      expect(code.includes(other), other).toBe(false);
  });

  it("signs its S3 calls with the environment's keys", async () => {
    const run = runList({
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_SESSION_TOKEN: 'token',
    });

    expect(run.status, run.stderr).toBe(0);
    expect(lastLine(run.stdout)).toEqual({
      datasets: 1,
      itemsKey: expect.stringContaining('run-1') as string,
    });
    const { itemsKey } = lastLine(run.stdout) as { itemsKey: string };
    const client = createTestS3Client(moto.endpoint);
    try {
      const written = await client.send(new GetObjectCommand({ Bucket: 'sources', Key: itemsKey }));
      expect(await written.Body?.transformToString()).toBe('["trade"]');
    } finally {
      client.destroy();
    }
  });

  it('fails saying so where the environment has no keys, reading no profile', () => {
    const run = runList({ AWS_PROFILE: 'other' });

    expect(run.status, run.stderr).toBe(0);
    expect(lastLine(run.stdout)).toEqual({
      error: 'ObjectStoreError',
      message: expect.stringMatching(/environment variable credentials/) as string,
    });
  });
});
