import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** Properties of {@link PublishingAlarms}. */
export interface PublishingAlarmsProps {
  /** The publishing state machine; a failed or timed-out execution raises the alarm. */
  readonly stateMachine: sfn.IStateMachine;
  /** Trigger events that could not start a run; any message raises the alarm. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * E-mail address subscribed to the alarm topic (the recipient confirms the subscription).
   *
   * @default - no subscription; subscribe to the topic yourself
   */
  readonly email?: string;
}

/**
 * Tells operators when publishing goes wrong: an SNS topic, and alarms on
 * failed or timed-out runs (a rejected dataset fails its run) and on trigger
 * events that landed in the dead-letter queue.
 */
export class PublishingAlarms extends Construct {
  readonly topic: sns.ITopic;
  readonly failedRuns: cloudwatch.Alarm;
  readonly undeliveredTriggers: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: PublishingAlarmsProps) {
    super(scope, id);
    const topic = new sns.Topic(this, 'Topic', { displayName: 'kz-az-open-data alarms', enforceSSL: true });
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry only the alarm name and state, no data. CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, so encryption would need a customer-managed KMS key for no confidentiality gain.',
    });
    // enforceSSL gives the topic a policy, and a topic policy replaces SNS's default one, which let
    // the account (and CloudWatch acting for it) publish: without this Allow every alarm would fire
    // into a topic that refuses it, silently. Scoped as CloudWatch's documentation asks, to alarms of
    // this account and region (not only ours, so an operator may point an alarm of their own here).
    const stack = Stack.of(this);
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        effect: iam.Effect.ALLOW,
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (props.email !== undefined) topic.addSubscription(new subscriptions.EmailSubscription(props.email));
    this.topic = topic;

    const period = Duration.minutes(5);
    const failed = new cloudwatch.MathExpression({
      label: 'Failed or timed-out runs',
      expression: 'failed + timedOut',
      usingMetrics: {
        failed: props.stateMachine.metricFailed({ period, statistic: cloudwatch.Stats.SUM }),
        timedOut: props.stateMachine.metricTimedOut({ period, statistic: cloudwatch.Stats.SUM }),
      },
      period,
    });
    this.failedRuns = failed.createAlarm(this, 'FailedRuns', {
      alarmDescription:
        'A publishing run failed: a dataset was rejected (its issues are in the commit step error and the validate-and-publish logs) or a step failed after its retries.',
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.undeliveredTriggers = props.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({ period, statistic: cloudwatch.Stats.MAXIMUM })
      .createAlarm(this, 'UndeliveredTriggers', {
        alarmDescription:
          'A schedule or upload event could not start a publishing run after its retries; the event is in the dead-letter queue.',
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    for (const alarm of [this.failedRuns, this.undeliveredTriggers])
      alarm.addAlarmAction(new actions.SnsAction(topic));
  }
}
