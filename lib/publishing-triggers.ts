import * as path from 'node:path';
import { CustomResource, Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { RunAfterDeploymentProperties } from '../lambda/handlers/steps/run-after-deployment.js';
import { PipelineFunction } from './pipeline-function.js';
import { scheduleExpressionProblem } from './schedule-expression.js';
import { SOURCE_PREFIXES } from '../lambda/handlers/deploy-contract.js';

/** Every day at 03:00 UTC. */
export const DEFAULT_SCHEDULE = 'cron(0 3 * * ? *)';
/** Key pattern of a curator upload that starts a run for that dataset. */
export const UPLOAD_KEY_PATTERN = `${SOURCE_PREFIXES.incoming}*.csv`;
/** How often EventBridge retries starting a run before the event goes to the dead-letter queue. */
export const START_RETRY_ATTEMPTS = 5;
/** How long EventBridge keeps trying to start a run. */
export const START_MAX_EVENT_AGE = Duration.hours(2);

/** Properties of {@link PublishingTriggers}. */
export interface PublishingTriggersProps {
  /** The state machine every trigger starts. */
  readonly stateMachine: sfn.IStateMachine;
  /** The source bucket (EventBridge notifications enabled); uploads to `incoming/*.csv` start a run. */
  readonly sourceBucket: s3.IBucket;
  /**
   * EventBridge Scheduler expression of the republishing run.
   *
   * @default DEFAULT_SCHEDULE (daily at 03:00 UTC)
   */
  readonly schedule?: string;
  /**
   * Changes whenever a deployment changes the sources or the functions' code; the run after
   * deployment happens when it does (see `deploymentRevision`).
   */
  readonly deploymentRevision: string;
  /** Retention of the log group of the after-deployment custom resource's function. */
  readonly logRetention: logs.RetentionDays;
  /** Repository root: holds `lambda/` and `package-lock.json` (the after-deployment function's code). */
  readonly projectRoot: string;
}

/**
 * What starts the state machine: a schedule (EventBridge Scheduler, retried,
 * with a dead-letter queue), a curator's upload of `incoming/<id>.csv` (an
 * EventBridge rule on the source bucket's Object Created events, for that
 * dataset only), and a deployment that changed the sources (once, by a custom
 * resource). Every execution input says which trigger it came from.
 */
export class PublishingTriggers extends Construct {
  /** Trigger events that could not start a run after every retry. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly schedule: scheduler.ISchedule;
  readonly uploadRule: events.IRule;

  constructor(scope: Construct, id: string, props: PublishingTriggersProps) {
    super(scope, id);
    const expression = props.schedule ?? DEFAULT_SCHEDULE;
    const problem = scheduleExpressionProblem(expression);
    if (problem !== undefined)
      throw new Error(
        `PublishingTriggers: schedule must be rate(…), cron(…) or at(…), not "${expression}": ${problem}`,
      );

    const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the schedule and the upload rule; its messages are read by an operator, never consumed by a program that could fail.',
    });
    this.deadLetterQueue = deadLetterQueue;

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Republishes every dataset',
      schedule: scheduler.ScheduleExpression.expression(expression),
      target: new schedulerTargets.StepFunctionsStartExecution(props.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({ trigger: 'schedule' }),
        deadLetterQueue,
        retryAttempts: START_RETRY_ATTEMPTS,
        maxEventAge: START_MAX_EVENT_AGE,
      }),
    });

    this.uploadRule = new events.Rule(this, 'UploadRule', {
      description: `Publishes the dataset a curator uploaded to ${UPLOAD_KEY_PATTERN}`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.sourceBucket.bucketName] },
          object: { key: events.Match.wildcard(UPLOAD_KEY_PATTERN) },
        },
      },
      targets: [
        new eventsTargets.SfnStateMachine(props.stateMachine, {
          input: events.RuleTargetInput.fromObject({
            trigger: 'upload',
            key: events.EventField.fromPath('$.detail.object.key'),
          }),
          deadLetterQueue,
          retryAttempts: START_RETRY_ATTEMPTS,
          maxEventAge: START_MAX_EVENT_AGE,
        }),
      ],
    });

    // The run after a deployment: a custom resource backed directly by a function that starts the
    // state machine, retrying with backoff while IAM makes its new permission effective (on a first
    // deployment, StartExecution can be refused for some seconds, which would roll the stack back).
    const starter = new PipelineFunction(this, 'RunAfterDeploymentFunction', {
      entry: path.join(props.projectRoot, 'lambda', 'handlers', 'run-after-deployment.ts'),
      projectRoot: props.projectRoot,
      description: 'Starts the state machine once after a deployment that changed the sources or the code',
      environment: {},
      memorySize: 256,
      // Room for the retries (about three minutes) and the answer to CloudFormation.
      timeout: Duration.minutes(5),
      logRetention: props.logRetention,
      runtimeModules: ['@aws-sdk/client-sfn'],
    });
    props.stateMachine.grantStartExecution(starter.role);
    const properties: RunAfterDeploymentProperties = {
      StateMachineArn: props.stateMachine.stateMachineArn,
      Revision: props.deploymentRevision,
      Input: JSON.stringify({ trigger: 'deployment', revision: props.deploymentRevision }),
    };
    // New properties per deployment revision: CloudFormation sends an Update exactly when sources or code changed.
    new CustomResource(this, 'RunAfterDeployment', {
      serviceToken: starter.function.functionArn,
      resourceType: 'Custom::RunAfterDeployment',
      properties: { ...properties },
    });
  }
}
