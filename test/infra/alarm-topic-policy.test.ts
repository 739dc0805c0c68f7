import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveReferences } from '../aws/s3-access.js';
import { PROJECT_ROOT, testApp } from './app-fixture.js';
import { PublishingAlarms } from '../../lib/publishing-alarms.js';
import { PublishingTriggers } from '../../lib/publishing-triggers.js';

// The alarm topic's synthesized policy, evaluated by an IAM policy simulator as SNS would evaluate
// it when CloudWatch publishes an alarm: a policy can read right and still refuse the one caller
// that matters.

const ACCOUNT = '111122223333';
const OTHER_ACCOUNT = '444455556666';
const REGION = 'eu-central-1';
const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:alarms`;

let topicPolicy: Record<string, unknown>;
let alarmArns: string[];

beforeAll(() => {
  const app = testApp({ context: { [BUNDLING_STACKS]: [] } });
  const stack = new Stack(app, 'Alarms', { env: { account: ACCOUNT, region: REGION } });
  const stateMachine = new sfn.StateMachine(stack, 'Machine', {
    definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Nothing')),
  });
  const { deadLetterQueue } = new PublishingTriggers(stack, 'Triggers', {
    stateMachine,
    sourceBucket: new s3.Bucket(stack, 'Source', { eventBridgeEnabled: true }),
    deploymentRevision: 'abc',
    logRetention: logs.RetentionDays.ONE_WEEK,
    projectRoot: PROJECT_ROOT,
  });
  new PublishingAlarms(stack, 'Alarms', { stateMachine, deadLetterQueue });
  const template = Template.fromStack(stack);

  const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
  expect(topics).toHaveLength(1);
  const policies = Object.values(template.findResources('AWS::SNS::TopicPolicy')) as {
    Properties: { PolicyDocument: unknown };
  }[];
  // SNS keeps one policy per topic: a second TopicPolicy would replace the first.
  expect(policies).toHaveLength(1);
  const refs = { [topics[0] as string]: TOPIC_ARN, 'AWS::Partition': 'aws' };
  topicPolicy = resolveReferences(policies[0]?.Properties.PolicyDocument, refs) as Record<string, unknown>;
  alarmArns = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).map(
    (id) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${id}`,
  );
  expect(alarmArns).toHaveLength(2);
});

/** What SNS decides when CloudWatch publishes an alarm of `sourceAccount` to the topic. */
async function cloudWatchPublishes(options: {
  readonly secureTransport: boolean;
  readonly sourceAccount: string;
  readonly sourceArn: string;
}): Promise<string> {
  const simulation: Simulation = {
    request: {
      principal: 'cloudwatch.amazonaws.com',
      action: 'sns:Publish',
      resource: { resource: TOPIC_ARN, accountId: ACCOUNT },
      contextVariables: {
        'aws:SecureTransport': String(options.secureTransport),
        'aws:SourceAccount': options.sourceAccount,
        'aws:SourceArn': options.sourceArn,
      },
    },
    identityPolicies: [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: topicPolicy,
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error') throw new Error(JSON.stringify(response.errors));
  return response.overallResult;
}

describe('the alarm topic policy, as IAM evaluates it', () => {
  it.each([0, 1])('lets CloudWatch publish alarm %i of the stack over TLS', async (index) => {
    const decision = await cloudWatchPublishes({
      secureTransport: true,
      sourceAccount: ACCOUNT,
      sourceArn: alarmArns[index] as string,
    });

    expect(decision).toBe('Allowed');
  });

  it('refuses a publish over plain HTTP', async () => {
    const decision = await cloudWatchPublishes({
      secureTransport: false,
      sourceAccount: ACCOUNT,
      sourceArn: alarmArns[0] as string,
    });

    expect(decision).toBe('ExplicitlyDenied');
  });

  it("refuses CloudWatch publishing another account's alarm (confused deputy)", async () => {
    const decision = await cloudWatchPublishes({
      secureTransport: true,
      sourceAccount: OTHER_ACCOUNT,
      sourceArn: `arn:aws:cloudwatch:${REGION}:${OTHER_ACCOUNT}:alarm:anything`,
    });

    expect(decision).not.toBe('Allowed');
  });

  it('refuses an alarm ARN of another account even when the source account claims ours', async () => {
    const decision = await cloudWatchPublishes({
      secureTransport: true,
      sourceAccount: ACCOUNT,
      sourceArn: `arn:aws:cloudwatch:${REGION}:${OTHER_ACCOUNT}:alarm:anything`,
    });

    expect(decision).not.toBe('Allowed');
  });
});
