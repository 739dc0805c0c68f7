import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { deploymentRevision } from './deployment-revision.js';
import { CfnOutput, Size, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { importBucket } from './imported-bucket.js';
import { PublishingAlarms } from './publishing-alarms.js';
import { PublishingTriggers } from './publishing-triggers.js';
import { PublishingWorkflow } from './publishing-workflow.js';

/** Properties of the {@link PublishingStack}. */
export interface PublishingStackProps extends StackProps {
  /** The curated inputs (`data/`, `schemas/`, `incoming/`), from the site stack. */
  readonly sourceBucket: s3.IBucket;
  /** The published tree, from the site stack. */
  readonly siteBucket: s3.IBucket;
  /** Base URL of the site, with a trailing slash. */
  readonly siteUrl: string;
  /** Changes whenever the deployed sources change (starts the run after deployment). */
  readonly sourceRevision: string;
  /** Repository root: holds `lambda/` and `package-lock.json`. */
  readonly projectRoot: string;
  /**
   * EventBridge Scheduler expression of the republishing run.
   *
   * @default - daily at 03:00 UTC (`cron(0 3 * * ? *)`)
   */
  readonly schedule?: string;
  /**
   * E-mail address notified by the alarms.
   *
   * @default - none; subscribe to the `AlarmTopicArn` output yourself
   */
  readonly alarmEmail?: string;
  /**
   * Retention of every log group of the pipeline.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Datasets validated and published at once.
   *
   * @default 8
   */
  readonly maxConcurrency?: number;
  /**
   * Scratch space (`/tmp`) of validate-and-publish, in MiB (512 to 10240).
   *
   * @default 10240
   */
  readonly datasetScratchMiB?: number;
}

/**
 * The stateless half: the Lambdas, the state machine, its triggers and its
 * alarms. It only holds references to the site stack's buckets, so it can be
 * redeployed, or destroyed and recreated, without touching any data.
 */
export class PublishingStack extends Stack {
  readonly workflow: PublishingWorkflow;
  readonly triggers: PublishingTriggers;
  readonly alarms: PublishingAlarms;

  constructor(scope: Construct, id: string, props: PublishingStackProps) {
    super(scope, id, props);
    const sourceBucket = importBucket(this, 'SourceBucket', props.sourceBucket);
    const siteBucket = importBucket(this, 'SiteBucket', props.siteBucket);
    this.workflow = new PublishingWorkflow(this, 'Workflow', {
      sourceBucket,
      siteBucket,
      siteUrl: props.siteUrl,
      projectRoot: props.projectRoot,
      ...(props.maxConcurrency === undefined ? {} : { maxConcurrency: props.maxConcurrency }),
      ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
      ...(props.datasetScratchMiB === undefined
        ? {}
        : { datasetScratchSpace: Size.mebibytes(props.datasetScratchMiB) }),
    });
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    // Each function's code asset key is its content hash, so new code gives a new revision.
    const functionCode = [
      this.workflow.listDatasets,
      this.workflow.validateAndPublish,
      this.workflow.commitCatalog,
    ].map(
      (pipelineFunction) =>
        (
          this.resolve((pipelineFunction.function.node.defaultChild as lambda.CfnFunction).code) as {
            s3Key?: unknown;
          }
        ).s3Key,
    );
    this.triggers = new PublishingTriggers(this, 'Triggers', {
      stateMachine: this.workflow.stateMachine,
      sourceBucket,
      deploymentRevision: deploymentRevision(props.sourceRevision, functionCode),
      logRetention,
      projectRoot: props.projectRoot,
      ...(props.schedule === undefined ? {} : { schedule: props.schedule }),
    });
    this.alarms = new PublishingAlarms(this, 'Alarms', {
      stateMachine: this.workflow.stateMachine,
      deadLetterQueue: this.triggers.deadLetterQueue,
      ...(props.alarmEmail === undefined ? {} : { email: props.alarmEmail }),
    });

    new CfnOutput(this, 'StateMachineArn', {
      description: 'Start a run by hand: aws stepfunctions start-execution --state-machine-arn <this>',
      value: this.workflow.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'SNS topic notified when a run fails or a trigger is lost',
      value: this.alarms.topic.topicArn,
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      description: 'Trigger events that could not start a run',
      value: this.triggers.deadLetterQueue.queueUrl,
    });
  }
}
