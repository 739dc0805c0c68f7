import { SITE_KEY_PATTERNS } from '../../lambda/core/site-keys.js';
import { EXEC_WRAPPER, SOURCE_PREFIXES } from '../../lambda/handlers/deploy-contract.js';
import { deploymentRevision } from '../../lib/deployment-revision.js';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { type CfnElement, Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECTORY_INDEX_CODE } from '../../lib/directory-index.js';
import { MUTABLE_PATH_PATTERNS } from '../../lib/site-distribution.js';
import { PipelineFunction } from '../../lib/pipeline-function.js';
import { FIXTURE_CSV, FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA } from '../support/dataset-fixture.js';
import {
  createTestBucket,
  createTestS3Client,
  startMotoServer,
  TEST_CREDENTIALS,
  TEST_REGION,
  type MotoServer,
} from '../support/moto-server.js';
import { S3Store } from '../../lambda/store/s3.js';
import { runDistributedMap } from '../support/distributed-map.js';
import { PROJECT_ROOT, synthesizeApp, type SynthesizedApp } from './app-fixture.js';
import { makeTempDirSync } from '../support/temp-dir.js';

// One synthesis (with real esbuild bundling and cdk-nag) shared by every test in this file.
let synthesized: SynthesizedApp;
let site: Template;
let publishing: Template;

beforeAll(() => {
  synthesized = synthesizeApp();
  site = synthesized.site;
  publishing = synthesized.publishing;
}, 120_000);

/** The bundled `index.mjs` of a pipeline function, as it will be uploaded to Lambda. */
function bundleOf(name: string): string {
  const { properties } = functionByEntry(name);
  const assetHash = (properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
  return path.join(synthesized.assembly.directory, `asset.${assetHash}`, 'index.mjs');
}

const RESULT_MARKER = 'HANDLER-RESULT ';

/**
 * Invokes a bundled handler in a fresh Node.js process with only the given environment,
 * as the Lambda runtime would. Resolves to the exit status, the handler's result and stdout.
 */
function invokeBundle(bundle: string, env: Record<string, string>, event: unknown) {
  const context = {
    functionName: 'test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test',
    memoryLimitInMB: '256',
    awsRequestId: 'request-1',
  };
  const script = `const { handler } = await import(${JSON.stringify(bundle)});
const result = await handler(${JSON.stringify(event)}, ${JSON.stringify(context)});
process.stderr.write(${JSON.stringify(RESULT_MARKER)} + JSON.stringify(result) + '\\n');`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  const resultLine = child.stderr.split('\n').find((line) => line.startsWith(RESULT_MARKER));
  return {
    status: child.status,
    stderr: child.stderr,
    result:
      resultLine === undefined ? undefined : (JSON.parse(resultLine.slice(RESULT_MARKER.length)) as unknown),
    logLines: child.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

function resourcesOf(template: Template, type: string): Resources {
  return template.findResources(type) as Resources;
}

function only<T>(values: Record<string, T>): [string, T] {
  const entries = Object.entries(values);
  expect(entries).toHaveLength(1);
  return entries[0] as [string, T];
}

function logicalIdOf(template: Template, type: string, props: Record<string, unknown>): string {
  return only(template.findResources(type, { Properties: props }))[0];
}

/** The state machine's ASL, with every CloudFormation reference replaced by `<LogicalId>`. */
function stateMachineDefinition(): Record<string, unknown> {
  const [, machine] = only(resourcesOf(publishing, 'AWS::StepFunctions::StateMachine'));
  const join = (machine.Properties?.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const text = join[1]
    .map((part) =>
      typeof part === 'string'
        ? part
        : `<${(part as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[0] ?? 'ref'}>`,
    )
    .join(join[0]);
  return JSON.parse(text) as Record<string, unknown>;
}

function functionByEntry(name: string): { logicalId: string; properties: Record<string, unknown> } {
  const matches = Object.entries(resourcesOf(publishing, 'AWS::Lambda::Function')).filter(([id]) =>
    id.startsWith(`Workflow${name}Function`),
  );
  expect(matches).toHaveLength(1);
  const [logicalId, resource] = matches[0] as [string, Resources[string]];
  return { logicalId, properties: resource.Properties ?? {} };
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
  Sid?: string;
}

function statementsOfRole(roleIdPrefix: string): Statement[] {
  const policies = Object.entries(resourcesOf(publishing, 'AWS::IAM::Policy')).filter(([, policy]) =>
    JSON.stringify(policy.Properties?.Roles).includes(roleIdPrefix),
  );
  expect(policies.length).toBeGreaterThan(0);
  return policies.flatMap(
    ([, policy]) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement,
  );
}

/** `<export name>` or `<export name>/<key pattern>` of a resource (an import, or `Fn::Join` of one). */
function resourceName(resource: unknown): string {
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join === undefined) return `${(resource as { 'Fn::ImportValue'?: string })['Fn::ImportValue']}`;
  const [imported, suffix] = join[1] as [{ 'Fn::ImportValue': string }, string];
  return `${imported['Fn::ImportValue']}${suffix}`;
}

const actionsOf = (statement: Statement): string[] =>
  (Array.isArray(statement.Action) ? statement.Action : [statement.Action]).slice().sort();

/**
 * A role's S3 permissions, one line per action and resource (`s3:GetObject OpenDataSite-SourceBucketArn/data/*`),
 * with the `s3:prefix` a listing is limited to (`… prefix=data/*`), however CDK merged the statements.
 */
function s3PermissionsOf(roleIdPrefix: string): string[] {
  const lines = new Set<string>();
  for (const statement of statementsOfRole(roleIdPrefix)) {
    expect(statement.Effect).toBe('Allow');
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    const prefixes = (statement.Condition as { StringLike?: { 's3:prefix'?: string | string[] } } | undefined)
      ?.StringLike?.['s3:prefix'];
    for (const action of actionsOf(statement).filter((entry) => entry.startsWith('s3:')))
      for (const resource of resources) {
        if (prefixes === undefined) lines.add(`${action} ${resourceName(resource)}`);
        else
          for (const prefix of [prefixes].flat())
            lines.add(`${action} ${resourceName(resource)} prefix=${prefix}`);
      }
  }
  return [...lines].sort();
}

/** The permissions `grantObjects` gives for reading `keys` of a bucket (by export name). */
const reads = (bucket: string, keys: string): string[] => [
  `s3:GetObject ${bucket}/${keys}`,
  `s3:ListBucket ${bucket} prefix=${keys}`,
];
/** The permissions `grantObjects` gives for writing `keys` of a bucket: create or replace, abort an upload, never delete. */
const puts = (bucket: string, keys: string): string[] => [
  `s3:AbortMultipartUpload ${bucket}/${keys}`,
  `s3:PutObject ${bucket}/${keys}`,
];
const SOURCE_ARN = 'OpenDataSite-SourceBucketArn';
const SITE_ARN = 'OpenDataSite-SiteBucketArn';

/** The statement of the site stack's bucket policies with this Sid. */
function bucketPolicyStatement(sid: string): Statement {
  const statements = Object.values(resourcesOf(site, 'AWS::S3::BucketPolicy')).flatMap(
    (policy) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement,
  );
  const [statement, ...others] = statements.filter((entry) => entry.Sid === sid);
  expect(others).toEqual([]);
  if (statement === undefined) throw new Error(`no bucket policy statement ${sid}`);
  return statement;
}

/**
 * Whether an IAM `Condition` block holds for a request context (key → value, absent keys
 * left out), as IAM evaluates the operators used here: every operator and key must hold.
 * Any other operator fails the test, so a policy change cannot go unevaluated.
 */
function conditionsHold(condition: unknown, context: Readonly<Record<string, string>>): boolean {
  return Object.entries(condition as Record<string, Record<string, string>>).every(([operator, keys]) =>
    Object.entries(keys).every(([key, expected]) => {
      const value = context[key];
      switch (operator) {
        case 'Null':
          return (value === undefined) === (expected === 'true');
        case 'Bool':
          return value === expected;
        case 'BoolIfExists':
          return value === undefined || value === expected;
        default:
          throw new Error(`conditionsHold does not know the operator ${operator}`);
      }
    }),
  );
}

describe('source bucket', () => {
  it("is private, versioned, encrypted, logged, sends events to EventBridge, aborts week-old uploads and expires runs' files", () => {
    site.hasResource('AWS::S3::Bucket', {
      Properties: {
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 's3/source/' },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    site.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/source/' }),
      LifecycleConfiguration: {
        Rules: [
          { AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: 'Enabled' },
          {
            Prefix: 'runs/',
            ExpirationInDays: 30,
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
            Status: 'Enabled',
          },
        ],
      },
    });
    site.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
  });

  it('receives data/ and schemas/ from the repository on every deployment, pruning within them', () => {
    for (const prefix of ['data/', 'schemas/']) {
      site.hasResourceProperties('Custom::CDKBucketDeployment', {
        DestinationBucketKeyPrefix: prefix,
        Prune: true,
        RetainOnDelete: true,
      });
    }
  });
});

describe('site bucket', () => {
  it('is private, versioned, encrypted, logged, expires noncurrent versions and day-old uploads, allows CORS reads', () => {
    site.hasResource('AWS::S3::Bucket', {
      Properties: {
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 's3/site/' },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 90 }, Status: 'Enabled' }),
            { AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
          ]),
        },
        CorsConfiguration: {
          CorsRules: [
            Match.objectLike({
              AllowedMethods: ['GET', 'HEAD'],
              AllowedOrigins: ['*'],
              AllowedHeaders: ['Range'],
            }),
          ],
        },
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('is readable by the distribution only, through origin access control', () => {
    const siteBucketId = logicalIdOf(site, 'AWS::S3::Bucket', { CorsConfiguration: Match.anyValue() });
    const distributionId = only(resourcesOf(site, 'AWS::CloudFront::Distribution'))[0];
    site.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: siteBucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            // ListBucket so that a missing file is a 404, not a 403.
            Action: ['s3:GetObject', 's3:ListBucket'],
            Condition: {
              StringEquals: {
                'AWS:SourceArn': {
                  'Fn::Join': ['', Match.arrayWith([Match.objectLike({ Ref: distributionId })])],
                },
              },
            },
          }),
        ]),
      },
    });
    site.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      },
    });
  });

  it('denies deleting published version folders to everyone, and plain HTTP', () => {
    site.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DenyDeletingPublishedVersions',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
            Resource: { 'Fn::Join': ['', [Match.anyValue(), '/datasets/*/*.*.*/*']] },
          }),
        ]),
      },
    });
  });

  it('denies writes into published version folders that lack If-None-Match, to everyone', () => {
    site.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DenyUnconditionalWritesToPublishedVersions',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [Match.anyValue(), '/datasets/*/*.*.*/*']] },
            Condition: {
              Null: { 's3:if-none-match': 'true' },
              BoolIfExists: { 's3:ObjectCreationOperation': 'true' },
            },
          }),
        ]),
      },
    });
  });

  // The request context S3 gives each request it authorises as s3:PutObject, per "Enforce conditional
  // writes on Amazon S3 buckets" (S3 User Guide): only PutObject, CopyObject and CompleteMultipartUpload
  // can carry If-None-Match; the other multipart steps cannot, and carry s3:ObjectCreationOperation false.
  it.each([
    [
      'PutObject with If-None-Match: *',
      { 's3:ObjectCreationOperation': 'true', 's3:if-none-match': '*' },
      false,
    ],
    ['PutObject without If-None-Match', { 's3:ObjectCreationOperation': 'true' }, true],
    ['CopyObject without If-None-Match', { 's3:ObjectCreationOperation': 'true' }, true],
    ['CreateMultipartUpload', { 's3:ObjectCreationOperation': 'false' }, false],
    ['UploadPart', { 's3:ObjectCreationOperation': 'false' }, false],
    ['UploadPartCopy', { 's3:ObjectCreationOperation': 'false' }, false],
    [
      'CompleteMultipartUpload with If-None-Match: *',
      { 's3:ObjectCreationOperation': 'true', 's3:if-none-match': '*' },
      false,
    ],
    ['CompleteMultipartUpload without If-None-Match', { 's3:ObjectCreationOperation': 'true' }, true],
    ['a write without s3:ObjectCreationOperation or If-None-Match (fails closed)', {}, true],
  ])('into a version folder, %s is denied: %s', (_request, context, denied) => {
    const statement = bucketPolicyStatement('DenyUnconditionalWritesToPublishedVersions');
    expect(conditionsHold(statement.Condition, context)).toBe(denied);
  });
});

describe('every bucket', () => {
  it('enforces TLS, and none lets anyone read or write it except named AWS services', () => {
    const policies = resourcesOf(site, 'AWS::S3::BucketPolicy');
    const buckets = resourcesOf(site, 'AWS::S3::Bucket');
    expect(Object.keys(policies)).toHaveLength(Object.keys(buckets).length);
    for (const policy of Object.values(policies)) {
      const statements = (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
      for (const statement of statements.filter((entry) => entry.Effect === 'Allow'))
        expect(statement.Principal).toEqual({
          Service: expect.stringMatching(/^(cloudfront|logging\.s3)\.amazonaws\.com$/),
        });
    }
  });

  it('has no physical name, in either stack', () => {
    const named = [
      'BucketName',
      'FunctionName',
      'StateMachineName',
      'TopicName',
      'QueueName',
      'RoleName',
      'LogGroupName',
    ];
    // The state machine's log group is named as AWS asks (see the state machine tests).
    const stateMachineLogs = logicalIdOf(publishing, 'AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/'),
    });
    for (const template of [site, publishing]) {
      for (const [id, resource] of Object.entries(template.toJSON().Resources as Resources)) {
        if (resource.Type.startsWith('Custom::') || id === stateMachineLogs) continue;
        for (const key of named) expect(resource.Properties ?? {}).not.toHaveProperty(key);
      }
    }
    for (const type of ['AWS::Scheduler::Schedule', 'AWS::Events::Rule'])
      for (const resource of Object.values(resourcesOf(publishing, type)))
        expect(resource.Properties ?? {}).not.toHaveProperty('Name');
  });
});

describe('distribution', () => {
  it('serves over HTTPS only, HTTP/2 and 3, compressed, with index.html for directories and access logs', () => {
    const publishedPolicy = logicalIdOf(site, 'AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({ MaxTTL: 31_536_000 }),
    });
    site.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        HttpVersion: 'http2and3',
        IPV6Enabled: true,
        DefaultRootObject: 'index.html',
        Logging: { Bucket: Match.anyValue(), Prefix: 'cloudfront/' },
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'https-only',
          Compress: true,
          AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
          CachePolicyId: { Ref: publishedPolicy },
          ResponseHeadersPolicyId: Match.anyValue(),
          FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: Match.anyValue() }],
        }),
        Origins: [
          Match.objectLike({
            S3OriginConfig: { OriginAccessIdentity: '' },
            OriginAccessControlId: Match.anyValue(),
          }),
        ],
      }),
    });
  });

  it('caps latest/, catalog, HTML and feed at five minutes at the edge', () => {
    const mutablePolicy = logicalIdOf(site, 'AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({ MaxTTL: 300 }),
    });
    const [, distribution] = only(resourcesOf(site, 'AWS::CloudFront::Distribution'));
    const behaviors = (
      distribution.Properties?.DistributionConfig as { CacheBehaviors: Record<string, unknown>[] }
    ).CacheBehaviors;
    expect(behaviors.map((behavior) => behavior.PathPattern).sort()).toEqual(
      [...MUTABLE_PATH_PATTERNS].sort(),
    );
    for (const behavior of behaviors) {
      expect(behavior).toMatchObject({
        CachePolicyId: { Ref: mutablePolicy },
        ViewerProtocolPolicy: 'https-only',
        Compress: true,
        FunctionAssociations: [{ EventType: 'viewer-request' }],
      });
    }
  });

  it("honours each object's own Cache-Control: a year for versions, five minutes by default", () => {
    site.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: {
        MinTTL: 0,
        DefaultTTL: 300,
        MaxTTL: 31_536_000,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          EnableAcceptEncodingGzip: true,
          EnableAcceptEncodingBrotli: true,
          QueryStringsConfig: { QueryStringBehavior: 'none' },
          CookiesConfig: { CookieBehavior: 'none' },
        }),
      },
    });
    site.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({ MinTTL: 0, DefaultTTL: 300, MaxTTL: 300 }),
    });
  });

  it('answers CORS GET/HEAD from any origin with Range, and sends security headers', () => {
    site.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        CorsConfig: Match.objectLike({
          AccessControlAllowOrigins: { Items: ['*'] },
          AccessControlAllowMethods: { Items: ['GET', 'HEAD', 'OPTIONS'] },
          AccessControlAllowHeaders: { Items: ['Range'] },
          AccessControlAllowCredentials: false,
          OriginOverride: true,
        }),
        SecurityHeadersConfig: Match.objectLike({
          StrictTransportSecurity: Match.objectLike({ IncludeSubdomains: true, Override: true }),
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
          ContentSecurityPolicy: Match.objectLike({
            ContentSecurityPolicy: Match.stringLikeRegexp("default-src 'self'"),
          }),
        }),
      }),
    });
  });

  it('runs the directory-index function on the JS 2.0 runtime', () => {
    site.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionCode: DIRECTORY_INDEX_CODE,
      FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }),
      AutoPublish: true,
    });
  });

  it('outputs the site URL and the catalog URL', () => {
    const distributionId = only(resourcesOf(site, 'AWS::CloudFront::Distribution'))[0];
    const domain = { 'Fn::GetAtt': [distributionId, 'DomainName'] };
    site.hasOutput('SiteUrl', { Value: { 'Fn::Join': ['', ['https://', domain, '/']] } });
    site.hasOutput('CatalogUrl', { Value: { 'Fn::Join': ['', ['https://', domain, '/catalog.json']] } });
  });
});

describe('Lambdas', () => {
  it.each([
    ['ListDatasets', 256, 60, ['SOURCE_BUCKET']],
    ['ValidateAndPublish', 1769, 600, ['SITE_BUCKET', 'SITE_URL', 'SOURCE_BUCKET']],
    // The commit stages again a dataset another run overtook, so it is sized like validate-and-publish.
    ['CommitCatalog', 1769, 600, ['SITE_BUCKET', 'SITE_URL', 'SOURCE_BUCKET']],
  ])(
    '%s runs on Node.js 24, ARM64, with %i MiB, %i s and its configuration',
    (name, memory, timeout, variables) => {
      const { properties } = functionByEntry(name);
      expect(properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: memory,
        Timeout: timeout,
        LoggingConfig: {
          LogFormat: 'JSON',
          LogGroup: { Ref: expect.stringMatching(new RegExp(`^Workflow${name}Logs`)) },
        },
      });
      const environment = (properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(Object.keys(environment).sort()).toEqual(
        [
          ...variables,
          'AWS_LAMBDA_EXEC_WRAPPER',
          'NODE_OPTIONS',
          'POWERTOOLS_LOG_LEVEL',
          'POWERTOOLS_SERVICE_NAME',
        ].sort(),
      );
      expect(environment.POWERTOOLS_SERVICE_NAME).toBe('kz-az-open-data');
    },
  );

  it("gives validate-and-publish and commit (which re-bases) 10 GiB of scratch space in /tmp, list Lambda's free 512 MiB", () => {
    expect(functionByEntry('ValidateAndPublish').properties.EphemeralStorage).toEqual({ Size: 10240 });
    expect(functionByEntry('CommitCatalog').properties.EphemeralStorage).toEqual({ Size: 10240 });
    expect(functionByEntry('ListDatasets').properties).not.toHaveProperty('EphemeralStorage');
  });

  it('gives validate-and-publish the site URL, from the distribution', () => {
    const { properties } = functionByEntry('ValidateAndPublish');
    expect(
      JSON.stringify((properties.Environment as { Variables: Record<string, unknown> }).Variables.SITE_URL),
    ).toMatch(
      /^\{"Fn::Join":\["",\["https:\/\/",\{"Fn::ImportValue":"OpenDataSite:\w*Distribution\w*DomainName\w*"\},"\/"\]\]\}$/,
    );
  });

  it('each logs to its own log group, kept for three months', () => {
    const groups = resourcesOf(publishing, 'AWS::Logs::LogGroup');
    for (const name of ['ListDatasets', 'ValidateAndPublish', 'CommitCatalog']) {
      const matches = Object.entries(groups).filter(([id]) => id.startsWith(`Workflow${name}Logs`));
      expect(matches).toHaveLength(1);
      expect(matches[0]?.[1].Properties).toMatchObject({ RetentionInDays: 90 });
    }
  });

  it('were bundled by the local esbuild into one ESM file that fails fast without its configuration', () => {
    const bundle = bundleOf('ListDatasets');
    expect(readdirSync(path.dirname(bundle)).sort()).toEqual([
      EXEC_WRAPPER.file,
      'index.mjs',
      'index.mjs.map',
    ]);

    const missing = invokeBundle(bundle, { AWS_REGION: TEST_REGION }, {});

    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('environment variable SOURCE_BUCKET is not set');
  });

  it('the commit function, which draws the PNG charts, ships their renderer and fonts as files beside its JavaScript', () => {
    const bundle = bundleOf('CommitCatalog');
    const files = readdirSync(path.dirname(bundle)).sort();
    expect(files.filter((name) => /^index_bg-\w+\.wasm$/.test(name))).toHaveLength(1);
    expect(files.filter((name) => /^DejaVuSans(-Bold)?-\w+\.ttf$/.test(name))).toHaveLength(2);
    // The JavaScript a cold start parses: none of the files' 3.9 MB is inlined in it.
    expect(statSync(bundle).size).toBeLessThan(1_500_000);
  });
});

describe('every pipeline function', () => {
  it("starts node through the heap wrapper, shipped executable in its bundle, to run with the CLI's heap flag", () => {
    const pipelineFunctions = synthesized.stacks.publishing.node
      .findAll()
      .filter((construct): construct is PipelineFunction => construct instanceof PipelineFunction);
    // list, validate-and-publish, commit, and the start after a deployment
    expect(pipelineFunctions).toHaveLength(4);
    const functions = resourcesOf(publishing, 'AWS::Lambda::Function');
    const repositoryCopy = readFileSync(path.join(PROJECT_ROOT, 'lambda', 'handlers', EXEC_WRAPPER.file));
    for (const pipelineFunction of pipelineFunctions) {
      const logicalId = synthesized.stacks.publishing.getLogicalId(
        pipelineFunction.function.node.defaultChild as CfnElement,
      );
      const properties = functions[logicalId]?.Properties ?? {};
      const environment = (properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(environment.AWS_LAMBDA_EXEC_WRAPPER).toBe(`/var/task/${EXEC_WRAPPER.file}`);

      const assetHash = (properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
      const wrapper = path.join(synthesized.assembly.directory, `asset.${assetHash}`, EXEC_WRAPPER.file);
      // The asset's zip keeps the file's mode, and Lambda's bootstrap refuses a wrapper it cannot execute.
      expect((statSync(wrapper).mode & 0o777).toString(8)).toBe('755');
      expect(readFileSync(wrapper).equals(repositoryCopy)).toBe(true);
    }
  });
});

describe('the bundled Lambdas, run as Lambda would against an S3-protocol server', () => {
  let moto: MotoServer | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    moto = await startMotoServer();
    const client = createTestS3Client(moto.endpoint);
    const suffix = `${process.pid}-${Date.now()}`;
    const [sourceBucket, siteBucket] = [`source-${suffix}`, `site-${suffix}`];
    await createTestBucket(moto.endpoint, sourceBucket, { versioning: true });
    await createTestBucket(moto.endpoint, siteBucket, { versioning: true });
    const files: Record<string, string> = {
      'data/site.json': JSON.stringify({
        title: 'Bundle test',
        description: 'A catalog published by the bundled Lambdas.',
        publisher: { name: 'kz-az-open-data' },
        license: 'CC-BY-4.0',
      }),
      'data/sample.csv': FIXTURE_CSV,
      'data/sample.dataset.json': JSON.stringify(FIXTURE_DESCRIPTOR),
      'schemas/sample.schema.json': JSON.stringify(FIXTURE_SCHEMA),
    };
    for (const [key, body] of Object.entries(files))
      await client.send(new PutObjectCommand({ Bucket: sourceBucket, Key: key, Body: body }));
    client.destroy();
    env = {
      SOURCE_BUCKET: sourceBucket,
      SITE_BUCKET: siteBucket,
      SITE_URL: 'https://data.example.org/',
      AWS_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      // The SDK reads the endpoint from the environment and uses path-style URLs for an IP address.
      AWS_ENDPOINT_URL_S3: moto.endpoint,
      // A /tmp of its own, as each Lambda environment has: the handlers remove scratch left in it by
      // an interrupted run, which in the shared /tmp would be other tests' scratch, still in use.
      TMPDIR: makeTempDirSync('opendata-lambda-tmp-'),
    };
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it('list, validate-and-publish and commit publish a dataset through the run files in S3, logging JSON with its id', async () => {
    if (moto === undefined) throw new Error('moto is not running');
    const listed = invokeBundle(bundleOf('ListDatasets'), env, {
      execution: 'run-1',
      input: { trigger: 'schedule' },
    });
    expect(listed.result, listed.stderr).toEqual({ datasets: 1, itemsKey: 'runs/items/run-1.json' });

    // Step Functions' part: the Distributed Map reads the ids and writes each child's output to S3.
    const client = createTestS3Client(moto.endpoint);
    const sourceBucket = env.SOURCE_BUCKET as string;
    let published: ReturnType<typeof invokeBundle> | undefined;
    const mapOutput = await runDistributedMap({
      store: new S3Store({ client, bucket: sourceBucket }),
      bucket: sourceBucket,
      itemsKey: 'runs/items/run-1.json',
      resultsPrefix: 'runs/results',
      maxConcurrency: 1,
      child: async (input) => {
        published = invokeBundle(bundleOf('ValidateAndPublish'), env, input);
        return published.result;
      },
    });
    client.destroy();
    expect(published?.result, published?.stderr).toMatchObject({
      id: 'sample',
      status: 'staged',
      staged: { version: { version: '1.0.0' } },
    });
    expect(published?.logLines.length).toBeGreaterThan(0);
    for (const line of published?.logLines ?? [])
      expect(line).toMatchObject({
        datasetId: 'sample',
        service: 'kz-az-open-data',
        function_request_id: 'request-1',
      });

    const committed = invokeBundle(bundleOf('CommitCatalog'), env, {
      resultWriterDetails: mapOutput.ResultWriterDetails,
    });
    expect(committed.result, committed.stderr).toMatchObject({
      catalogWritten: true,
      siteFilesWritten: expect.any(Number),
      published: [{ id: 'sample', version: '1.0.0' }],
      unchanged: [],
    });
  });
});

describe('state machine', () => {
  it('lists the datasets to S3, maps validate-and-publish over them in a Distributed Map writing its results to S3, then commits the catalog once', () => {
    const definition = stateMachineDefinition() as {
      StartAt: string;
      States: Record<string, Record<string, unknown>>;
    };
    const { logicalId: list } = functionByEntry('ListDatasets');
    const { logicalId: publishOne } = functionByEntry('ValidateAndPublish');
    const { logicalId: commit } = functionByEntry('CommitCatalog');

    expect(definition.StartAt).toBe('List datasets');
    expect(definition.States['List datasets']).toMatchObject({
      Type: 'Task',
      Resource: `<${list}>`,
      Parameters: { 'execution.$': '$$.Execution.Name', 'input.$': '$' },
      ResultSelector: { 'datasets.$': '$.datasets', 'itemsKey.$': '$.itemsKey' },
      Next: 'Publish each dataset',
    });
    const map = definition.States['Publish each dataset'] ?? {};
    expect(map).toMatchObject({
      Type: 'Map',
      ItemReader: {
        Resource: 'arn:<ref>:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { Bucket: '<ref>', 'Key.$': '$.itemsKey' },
      },
      ItemSelector: { 'id.$': '$$.Map.Item.Value' },
      MaxConcurrency: 8,
      // A dataset whose child execution failed is a result, not the end of the run.
      ToleratedFailurePercentage: 100,
      ResultWriter: {
        Resource: 'arn:<ref>:states:::s3:putObject',
        Parameters: { Bucket: '<ref>', Prefix: 'runs/results' },
      },
      ResultSelector: { 'resultWriterDetails.$': '$.ResultWriterDetails' },
      ResultPath: '$.results',
      Next: 'Commit catalog',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'Validate and publish dataset',
        States: {
          'Validate and publish dataset': {
            Resource: `<${publishOne}>`,
            Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Record dataset failure' }],
          },
          'Record dataset failure': {
            Type: 'Pass',
            Parameters: { 'id.$': '$.id', status: 'failed', 'error.$': '$.failure.Error' },
            End: true,
          },
        },
      },
    });
    // Nothing that grows with the number of datasets travels in the state's payload.
    expect(map).not.toHaveProperty('ItemsPath');
    expect(definition.States['Commit catalog']).toMatchObject({
      Type: 'Task',
      Resource: `<${commit}>`,
      Parameters: { 'resultWriterDetails.$': '$.results.resultWriterDetails' },
      End: true,
    });
  });

  it('reads the ids and writes the results in the source bucket, under runs/, which expires after 30 days', () => {
    const [, machine] = only(resourcesOf(publishing, 'AWS::StepFunctions::StateMachine'));
    // The ItemReader's and the ResultWriter's bucket.
    const definition = JSON.stringify(machine.Properties?.DefinitionString);
    expect(definition.match(/\{"Fn::ImportValue":"OpenDataSite-SourceBucketName"\}/g)).toHaveLength(2);
    site.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: 'runs/',
            ExpirationInDays: 30,
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
            Status: 'Enabled',
          }),
        ]),
      },
    });
  });

  it.each(['List datasets', 'Commit catalog'])(
    'retries %s on throttling and transient S3 errors',
    (state) => {
      const definition = stateMachineDefinition() as {
        States: Record<string, { Retry: { ErrorEquals: string[] }[] }>;
      };
      const retried = definition.States[state]?.Retry.flatMap((retry) => retry.ErrorEquals);
      expect(retried).toEqual(
        expect.arrayContaining([
          'Lambda.TooManyRequestsException',
          'ObjectStoreError',
          'Lambda.ServiceException',
        ]),
      );
    },
  );

  it('retries each dataset on throttling and transient S3 errors before recording it as failed', () => {
    const definition = stateMachineDefinition() as {
      States: Record<
        string,
        { ItemProcessor: { States: Record<string, { Retry: { ErrorEquals: string[] }[] }> } }
      >;
    };
    const retries =
      definition.States['Publish each dataset']?.ItemProcessor.States['Validate and publish dataset']
        ?.Retry ?? [];
    expect(retries.flatMap((retry) => retry.ErrorEquals)).toEqual(
      expect.arrayContaining(['Lambda.TooManyRequestsException', 'ObjectStoreError']),
    );
  });

  it('is a traced standard workflow logging every event, with a timeout', () => {
    publishing.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
    });
    // Under /aws/vendedlogs/, Step Functions delivers without a statement in the account's CloudWatch
    // Logs resource policy, whose 5,120 characters a few stacks would use up.
    const logGroup = logicalIdOf(publishing, 'AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp(
        '^/aws/vendedlogs/states/OpenDataPublishing-Workflow-[0-9A-F]{8}$',
      ),
      RetentionInDays: 90,
    });
    publishing.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroup, 'Arn'] } } }],
      }),
    });
    expect(stateMachineDefinition()).toMatchObject({ TimeoutSeconds: 7200 });
  });
});

describe('triggers', () => {
  it('a daily schedule starts a run, retried, with a dead-letter queue', () => {
    const dlq = only(resourcesOf(publishing, 'AWS::SQS::Queue'))[0];
    const machine = only(resourcesOf(publishing, 'AWS::StepFunctions::StateMachine'))[0];
    publishing.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      State: 'ENABLED',
      Target: Match.objectLike({
        Arn: { Ref: machine },
        Input: JSON.stringify({ trigger: 'schedule' }),
        RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
      }),
    });
  });

  it('the dead-letter queue is encrypted and TLS-only', () => {
    publishing.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    publishing.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('an upload to incoming/*.csv starts a run for that key', () => {
    const dlq = only(resourcesOf(publishing, 'AWS::SQS::Queue'))[0];
    publishing.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: [{ 'Fn::ImportValue': 'OpenDataSite-SourceBucketName' }] },
          object: { key: [{ wildcard: 'incoming/*.csv' }] },
        },
      },
      Targets: [
        Match.objectLike({
          InputTransformer: {
            InputPathsMap: { 'detail-object-key': '$.detail.object.key' },
            InputTemplate: '{"trigger":"upload","key":<detail-object-key>}',
          },
          RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
        }),
      ],
    });
  });

  it('a deployment that changed the sources or the functions starts one run, through a function that retries the start', () => {
    const [, run] = only(resourcesOf(publishing, 'Custom::RunAfterDeployment'));
    const functions = Object.entries(resourcesOf(publishing, 'AWS::Lambda::Function'));
    const byDescription = (description: string) =>
      functions.find(([, fn]) => String(fn.Properties?.Description).startsWith(description));
    const codeOf = (description: string) =>
      (byDescription(description)?.[1].Properties?.Code as { S3Key?: string } | undefined)?.S3Key;
    const code = ['Lists the dataset ids', 'Validates one dataset', 'Lists the staged versions'].map(codeOf);
    expect(code.every((entry) => entry !== undefined)).toBe(true);
    const revision = deploymentRevision(synthesized.stacks.site.sourceRevision, code);
    const [starterId, starter] = byDescription('Starts the state machine once after a deployment') ?? [];
    expect(starter?.Properties).toMatchObject({ Runtime: 'nodejs24.x', Timeout: 300 });
    expect(run.Properties).toEqual({
      ServiceToken: { 'Fn::GetAtt': [starterId, 'Arn'] },
      StateMachineArn: { Ref: expect.stringMatching(/^WorkflowStateMachine/) },
      Revision: revision,
      Input: JSON.stringify({ trigger: 'deployment', revision }),
    });
    // The function may start the state machine, and nothing else but write its logs.
    const role = (starter?.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(statementsOfRole(role).map((statement) => actionsOf(statement))).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      ['states:StartExecution'],
    ]);
  });
});

describe('alarms', () => {
  it('a failed or timed-out run notifies the alarm topic', () => {
    const topic = only(resourcesOf(publishing, 'AWS::SNS::Topic'))[0];
    publishing.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'failed + timedOut' }),
        Match.objectLike({
          Id: 'failed',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: 'ExecutionsFailed', Namespace: 'AWS/States' }),
          }),
        }),
        Match.objectLike({
          Id: 'timedOut',
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsTimedOut' }) }),
        }),
      ]),
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topic }],
    });
  });

  it('a trigger in the dead-letter queue notifies the alarm topic', () => {
    const topic = only(resourcesOf(publishing, 'AWS::SNS::Topic'))[0];
    publishing.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
      AlarmActions: [{ Ref: topic }],
    });
  });

  it('the topic is TLS-only and outputs its ARN', () => {
    publishing.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    publishing.hasOutput('AlarmTopicArn', Match.anyValue());
    publishing.hasOutput('StateMachineArn', Match.anyValue());
  });
});

describe('least privilege', () => {
  it("list-datasets may only read the source data/ keys (and list them) and write the run's ids", () => {
    expect(s3PermissionsOf('WorkflowListDatasetsRole')).toEqual(
      [...reads(SOURCE_ARN, 'data/*'), ...puts(SOURCE_ARN, 'runs/items/*')].sort(),
    );
  });

  it("the state machine may read the run's ids and read and write the Map's results, nothing else in S3", () => {
    expect(s3PermissionsOf('WorkflowStateMachineRole')).toEqual(
      [
        ...reads(SOURCE_ARN, 'runs/items/*'),
        ...reads(SOURCE_ARN, 'runs/results/*'),
        ...puts(SOURCE_ARN, 'runs/results/*'),
        `s3:ListMultipartUploadParts ${SOURCE_ARN}/runs/results/*`,
      ].sort(),
    );
  });

  it('validate-and-publish may read its sources and create objects under datasets/ only', () => {
    expect(s3PermissionsOf('WorkflowValidateAndPublishRole')).toEqual(
      [
        ...Object.values(SOURCE_PREFIXES).flatMap((prefix) => reads(SOURCE_ARN, `${prefix}*`)),
        ...reads(SITE_ARN, 'catalog.json'),
        ...reads(SITE_ARN, 'datasets/*'),
        ...puts(SITE_ARN, 'datasets/*'),
      ].sort(),
    );
  });

  it("commit-catalog may read the sources, the Map's results and the tree, create dataset files, and replace the catalog and site files only", () => {
    // Exactly the keys core says its renderers write (lambda/core/site-keys.ts).
    const catalogFiles = [...SITE_KEY_PATTERNS];
    // `datasets/*` covers latest/ (mirrored after the commit) and the version folder of a re-based dataset;
    // the site bucket's policy keeps version folders create-only whatever the role may do.
    expect(s3PermissionsOf('WorkflowCommitCatalogRole')).toEqual(
      [
        ...Object.values(SOURCE_PREFIXES).flatMap((prefix) => reads(SOURCE_ARN, `${prefix}*`)),
        ...reads(SOURCE_ARN, 'runs/results/*'),
        ...reads(SITE_ARN, 'datasets/*'),
        ...puts(SITE_ARN, 'datasets/*'),
        ...catalogFiles.flatMap((keys) => [...reads(SITE_ARN, keys), ...puts(SITE_ARN, keys)]),
      ].sort(),
    );
  });

  it('each function writes only its own log group and has no managed policy', () => {
    for (const name of ['ListDatasets', 'ValidateAndPublish', 'CommitCatalog']) {
      const logs = statementsOfRole(`Workflow${name}Role`).filter((statement) =>
        actionsOf(statement)[0]?.startsWith('logs:'),
      );
      expect(logs).toEqual([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^Workflow${name}Logs`)), 'Arn'] },
        },
      ]);
      const roles = Object.entries(resourcesOf(publishing, 'AWS::IAM::Role')).filter(([id]) =>
        id.startsWith(`Workflow${name}Role`),
      );
      expect(roles).toHaveLength(1);
      expect(roles[0]?.[1].Properties).not.toHaveProperty('ManagedPolicyArns');
    }
  });

  it('no policy of the publishing stack allows s3:Delete*, and Resource "*" only where AWS requires it', () => {
    for (const policy of Object.values(resourcesOf(publishing, 'AWS::IAM::Policy'))) {
      for (const statement of (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement) {
        for (const action of actionsOf(statement)) expect(action).not.toMatch(/^s3:(Delete|\*)/);
        if (statement.Resource === '*') {
          // X-Ray and CloudWatch Logs delivery have no resource-level permissions (state machine role).
          for (const action of actionsOf(statement))
            expect(action).toMatch(
              /^(xray:|logs:(Create|Delete|Describe|Get|List|Put|Update)\w*(Delivery|Deliveries|LogGroups|ResourcePolic\w*)$)/,
            );
        }
      }
    }
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports nothing unacknowledged (synthesis would have thrown)', () => {
    const report = path.join(synthesized.assembly.directory, 'policy-validation-report.json');
    if (existsSync(report)) {
      const text = readFileSync(report, 'utf8');
      expect(JSON.parse(text)).not.toHaveProperty('pluginReports.0.violations.0');
    }
    expect(synthesized.assembly.stacks.map((stack) => stack.stackName).sort()).toEqual([
      'OpenDataPublishing',
      'OpenDataSite',
    ]);
  });

  it('every acknowledgement names one rule or finding and says why in a sentence', () => {
    const acknowledgements: { id: string; reason: string; at: string }[] = [];
    const visit = (construct: IConstruct): void => {
      for (const entry of construct.node.metadata) {
        if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          for (const [id, reason] of Object.entries(entry.data as Record<string, string>))
            acknowledgements.push({ id, reason, at: construct.node.path });
      }
      for (const child of construct.node.children) visit(child);
    };
    visit(synthesized.stacks.site);
    visit(synthesized.stacks.publishing);
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const acknowledgement of acknowledgements) {
      expect(acknowledgement.id).toMatch(/^(Annotation::)?AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(
        acknowledgement.reason.length,
        `${acknowledgement.at} ${acknowledgement.id}`,
      ).toBeGreaterThanOrEqual(40);
    }
    // Whole-rule IAM5 acknowledgements would hide wildcards added later: only single findings are acknowledged.
    expect(acknowledgements.filter((entry) => /AwsSolutions-IAM5$/.test(entry.id))).toEqual([]);
  });

  it('the publishing stack deploys after the site stack', () => {
    const publishingArtifact = synthesized.assembly.getStackByName('OpenDataPublishing');
    expect(publishingArtifact.dependencies.map((dependency) => dependency.id)).toContain('OpenDataSite');
  });
});
