import path from 'node:path';
import { Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { buildOpenDataApp } from '../../lib/open-data-app.js';
import { PipelineFunction } from '../../lib/pipeline-function.js';
import { PublishingAlarms } from '../../lib/publishing-alarms.js';
import { PublishingTriggers } from '../../lib/publishing-triggers.js';
import { PublishingWorkflow } from '../../lib/publishing-workflow.js';
import { SiteStack } from '../../lib/site-stack.js';
import { cdkJsonContext, PROJECT_ROOT, testApp } from './app-fixture.js';

// Constructs and variants synthesized without the pipeline's Lambdas: nothing here is bundled
// (the full app, bundled, is tested in open-data-app.test.ts).

const CERTIFICATE = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666';
const directories = {
  dataDirectory: path.join(PROJECT_ROOT, 'data'),
  schemasDirectory: path.join(PROJECT_ROOT, 'schemas'),
};

describe('SiteStack with a custom domain', () => {
  // The site stack has no function to bundle: synthesizing it alone is cheap.
  const app = testApp({
    context: cdkJsonContext(),
    builtinCloudFormationValidation: false,
  });
  const stack = new SiteStack(app, 'Site', {
    ...directories,
    domainName: 'data.example.org',
    certificateArn: CERTIFICATE,
    noncurrentVersionDays: 30,
    accessLogDays: 400,
  });
  const template = Template.fromStack(stack);

  it('serves the domain with its certificate and TLS 1.2 at least', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['data.example.org'],
        ViewerCertificate: {
          AcmCertificateArn: CERTIFICATE,
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        },
      }),
    });
  });

  it('outputs URLs on the custom domain', () => {
    template.hasOutput('SiteUrl', { Value: 'https://data.example.org/' });
    template.hasOutput('CatalogUrl', { Value: 'https://data.example.org/catalog.json' });
    expect(stack.siteUrl).toBe('https://data.example.org/');
  });

  it('keeps noncurrent versions and access logs as configured', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } })]),
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 400 })]) },
    });
  });
});

describe('SiteStack with source texts', () => {
  it('deploys them to sources/ beside data/ and schemas/, and a change to them is a new revision', () => {
    const app = testApp({
      context: cdkJsonContext(),
      builtinCloudFormationValidation: false,
    });
    const sources = path.join(PROJECT_ROOT, 'test', 'fixtures');
    const withTexts = new SiteStack(app, 'WithTexts', { ...directories, sourcesDirectory: sources });
    const without = new SiteStack(app, 'Without', directories);

    const deployed = (stack: Stack) =>
      Object.values(Template.fromStack(stack).findResources('Custom::CDKBucketDeployment')).map(
        (resource) =>
          (resource.Properties as { DestinationBucketKeyPrefix: string }).DestinationBucketKeyPrefix,
      );
    expect(deployed(withTexts).sort()).toEqual(['data/', 'schemas/', 'sources/']);
    expect(deployed(without).sort()).toEqual(['data/', 'schemas/']);
    expect(withTexts.sourceRevision).not.toBe(without.sourceRevision);
  });
});

describe('SiteStack props', () => {
  it('refuses a domain without a certificate', () => {
    // Prepare
    const app = testApp();

    // Act
    const create = () => new SiteStack(app, 'Site', { ...directories, domainName: 'data.example.org' });

    // Assess
    expect(create).toThrow('domainName and certificateArn must be given together');
  });
});

/** A stack with a trivial state machine: the triggers and alarms need nothing bundled. */
function stackWithStateMachine(): { stack: Stack; stateMachine: sfn.StateMachine; bucket: s3.Bucket } {
  // Nothing is bundled: only the templates are read.
  const stack = new Stack(testApp({ context: { [BUNDLING_STACKS]: [] } }), 'Test');
  const stateMachine = new sfn.StateMachine(stack, 'Machine', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Nothing')),
  });
  return { stack, stateMachine, bucket: new s3.Bucket(stack, 'Source', { eventBridgeEnabled: true }) };
}

describe('PublishingTriggers', () => {
  it('uses the configured schedule expression', () => {
    // Prepare
    const { stack, stateMachine, bucket } = stackWithStateMachine();

    // Act
    new PublishingTriggers(stack, 'Triggers', {
      stateMachine,
      sourceBucket: bucket,
      schedule: 'rate(6 hours)',
      deploymentRevision: 'abc',
      logRetention: logs.RetentionDays.ONE_WEEK,
      projectRoot: PROJECT_ROOT,
    });

    // Assess
    Template.fromStack(stack).hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(6 hours)',
    });
  });

  it('refuses something that is no schedule expression', () => {
    // Prepare
    const { stack, stateMachine, bucket } = stackWithStateMachine();

    // Act
    const create = () =>
      new PublishingTriggers(stack, 'Triggers', {
        stateMachine,
        sourceBucket: bucket,
        schedule: 'every day',
        deploymentRevision: 'abc',
        logRetention: logs.RetentionDays.ONE_WEEK,
        projectRoot: PROJECT_ROOT,
      });

    // Assess
    expect(create).toThrow('schedule must be rate(…), cron(…) or at(…), not "every day"');
  });
});

describe('PublishingAlarms', () => {
  it('subscribes the alarm e-mail address to the topic', () => {
    // Prepare
    const { stack, stateMachine } = stackWithStateMachine();
    const { deadLetterQueue } = new PublishingTriggers(stack, 'Triggers', {
      stateMachine,
      sourceBucket: new s3.Bucket(stack, 'Other'),
      deploymentRevision: 'abc',
      logRetention: logs.RetentionDays.ONE_WEEK,
      projectRoot: PROJECT_ROOT,
    });

    // Act
    new PublishingAlarms(stack, 'Alarms', { stateMachine, deadLetterQueue, email: 'ops@example.org' });

    // Assess
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.org',
      TopicArn: { Ref: Match.stringLikeRegexp('^AlarmsTopic') },
    });
  });
});

describe('construct props are checked before anything is built', () => {
  it.each([0, 41, 2.5])('PublishingWorkflow refuses maxConcurrency %s', (maxConcurrency) => {
    // Prepare
    const { stack, bucket } = stackWithStateMachine();

    // Act
    const create = () =>
      new PublishingWorkflow(stack, 'Workflow', {
        sourceBucket: bucket,
        siteBucket: bucket,
        siteUrl: 'https://data.example.org/',
        projectRoot: PROJECT_ROOT,
        maxConcurrency,
      });

    // Assess
    expect(create).toThrow(`maxConcurrency must be 1 to 40, not ${maxConcurrency}`);
  });

  it('PublishingWorkflow refuses a site URL without a trailing slash', () => {
    // Prepare
    const { stack, bucket } = stackWithStateMachine();

    // Act
    const create = () =>
      new PublishingWorkflow(stack, 'Workflow', {
        sourceBucket: bucket,
        siteBucket: bucket,
        siteUrl: 'https://data.example.org',
        projectRoot: PROJECT_ROOT,
      });

    // Assess
    expect(create).toThrow('siteUrl must end with "/"');
  });

  it('PipelineFunction refuses memory Lambda does not offer', () => {
    // Prepare
    const { stack } = stackWithStateMachine();

    // Act
    const create = () =>
      new PipelineFunction(stack, 'Fn', {
        entry: `${PROJECT_ROOT}/lambda/handlers/list-datasets.ts`,
        projectRoot: PROJECT_ROOT,
        description: 'test',
        environment: {},
        memorySize: 64,
      });

    // Assess
    expect(create).toThrow('memorySize must be 128 to 10240 MiB, not 64');
  });

  it.each([
    [Size.mebibytes(256), '256 MiB'],
    [Size.gibibytes(20), '20480 MiB'],
    [Size.kibibytes(600 * 1024 + 512), '600.5 MiB'],
  ])('PipelineFunction refuses ephemeral storage Lambda does not offer (%s)', (size, shown) => {
    // Prepare
    const { stack } = stackWithStateMachine();

    // Act
    const create = () =>
      new PipelineFunction(stack, 'Fn', {
        entry: `${PROJECT_ROOT}/lambda/handlers/list-datasets.ts`,
        projectRoot: PROJECT_ROOT,
        description: 'test',
        environment: {},
        ephemeralStorageSize: size,
      });

    // Assess
    expect(create).toThrow(`ephemeralStorageSize must be 512 to 10240 MiB in whole MiB, not ${shown}`);
  });
});

describe('the app with a scratch space from context', () => {
  it("gives validate-and-publish and commit (which re-bases) that /tmp size, and leaves list-datasets Lambda's default", () => {
    // Prepare: the stacks are built with bundling skipped, so nothing is bundled.
    const app = testApp({
      context: { ...cdkJsonContext(), [BUNDLING_STACKS]: [] },
      builtinCloudFormationValidation: false,
    });

    // Act
    const { publishing } = buildOpenDataApp(app, {
      projectRoot: PROJECT_ROOT,
      config: { datasetScratchMiB: 2048 },
    });

    // Assess
    const functions = Template.fromStack(publishing).findResources('AWS::Lambda::Function');
    const storage = Object.fromEntries(
      Object.entries(functions)
        .filter(([id]) => id.startsWith('Workflow'))
        .map(([id, resource]) => [
          id.replace(/Function[0-9A-F]{8}$/, ''),
          (resource as { Properties: { EphemeralStorage?: unknown } }).Properties.EphemeralStorage,
        ]),
    );
    expect(storage).toEqual({
      WorkflowListDatasets: undefined,
      WorkflowValidateAndPublish: { Size: 2048 },
      WorkflowCommitCatalog: { Size: 2048 },
    });
  });
});
