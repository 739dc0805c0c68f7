import * as path from 'node:path';
import { Arn, ArnFormat, Duration, Names, RemovalPolicy, Size, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2 } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import {
  ENV,
  RUN_FILES,
  SOURCE_PREFIXES,
  THROTTLING_ERRORS,
  TRANSIENT_ERRORS,
} from '../lambda/handlers/deploy-contract.js';
import { CATALOG_KEY, DATASET_FILES_PATTERN, SITE_KEY_PATTERNS } from '../lambda/core/site-keys.js';
import { acknowledgeFinding, nagNameOf } from './nag-findings.js';
import { grantObjects } from './object-grants.js';
import { PipelineFunction, TWO_VCPUS_MEMORY_MB } from './pipeline-function.js';

export { THROTTLING_ERRORS, TRANSIENT_ERRORS };

/** Prefix of the state machine's log group: Step Functions delivers there without a resource policy. */
export const VENDED_LOGS_PREFIX = '/aws/vendedlogs/states/';

/** Properties of a {@link PublishingWorkflow}. */
export interface PublishingWorkflowProps {
  /** Where the curated files are read: `data/`, `schemas/`, `incoming/`. */
  readonly sourceBucket: s3.IBucket;
  /** Where the published tree is written. */
  readonly siteBucket: s3.IBucket;
  /** Absolute base URL of the site (trailing slash), used for download links in the catalog. */
  readonly siteUrl: string;
  /** Repository root: holds `lambda/` and `package-lock.json`. */
  readonly projectRoot: string;
  /**
   * How many datasets are validated and published at once.
   *
   * @default 8
   */
  readonly maxConcurrency?: number;
  /**
   * Memory of validate-and-publish, in MiB. Publishing streams through scratch files and needs
   * a few hundred MB whatever the dataset's size, so this is chosen for CPU, which Lambda gives
   * in proportion to memory: 1769 MiB is one full vCPU. Less would cost about as much per
   * dataset (a CPU-bound run takes longer in proportion) and bring large datasets nearer the
   * timeout. From 3538 MiB (two vCPUs) the function also writes a large table's Parquet file on a
   * second thread while it validates the rows.
   *
   * @default 1769
   */
  readonly datasetMemorySize?: number;
  /**
   * Scratch space (`/tmp`) of validate-and-publish. A publish writes the sorted rows, the
   * canonical CSV and every rendered version file there before uploading them: about six to
   * seven times the source CSV for a dataset's first version, so this bounds the largest CSV
   * (about 1.4 GiB with 10 GiB). Charged per GB-second of configured size above 512 MiB, a
   * small fraction of the memory price, so the default is Lambda's maximum: running out of space
   * fails the dataset, while unused space costs next to nothing.
   *
   * @default Size.gibibytes(10)
   */
  readonly datasetScratchSpace?: Size;
  /**
   * Time allowed for validating and publishing one dataset.
   *
   * @default Duration.minutes(10)
   */
  readonly datasetTimeout?: Duration;
  /**
   * Retention of the functions' and the state machine's logs.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The Distributed Map's item reader, without the grant CDK would add (`s3:GetObject`
 * on every key of the source bucket): the state machine's role is granted the
 * run files' prefix instead.
 */
class RunItemsReader extends sfn.S3JsonItemReader {
  override providePolicyStatements(): iam.PolicyStatement[] {
    return [];
  }
}

/**
 * The Distributed Map's result writer, without the grant CDK would add (put and
 * get on every key of the source bucket, `data/` included): the state
 * machine's role is granted the results prefix instead.
 */
class RunResultsWriter extends sfn.ResultWriterV2 {
  override providePolicyStatements(): iam.PolicyStatement[] {
    return [];
  }
}

/**
 * The publishing protocol as a Step Functions state machine: list the
 * datasets (into a file of the source bucket), validate and publish each in a
 * Distributed Map (a child execution per dataset, bounded concurrency, each
 * dataset's failure caught so the others go on, results written to S3), then
 * commit the catalog once. No state's payload grows with the number of
 * datasets. The commit fails the execution when any dataset was rejected or
 * failed, after listing the ones that were published.
 */
export class PublishingWorkflow extends Construct {
  readonly stateMachine: sfn.IStateMachine;
  readonly listDatasets: PipelineFunction;
  readonly validateAndPublish: PipelineFunction;
  readonly commitCatalog: PipelineFunction;

  constructor(scope: Construct, id: string, props: PublishingWorkflowProps) {
    super(scope, id);
    // cdk.json predates this flag; without it DistributedMap renders the deprecated ResultWriter.
    this.node.setContext(STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);
    const maxConcurrency = props.maxConcurrency ?? 8;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 40)
      throw new Error(`PublishingWorkflow: maxConcurrency must be 1 to 40, not ${maxConcurrency}`);
    if (!Token.isUnresolved(props.siteUrl) && !props.siteUrl.endsWith('/'))
      throw new Error(`PublishingWorkflow: siteUrl must end with "/", not "${props.siteUrl}"`);
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const entry = (name: string): string => path.join(props.projectRoot, 'lambda', 'handlers', `${name}.ts`);
    const { sourceBucket, siteBucket } = props;

    this.listDatasets = new PipelineFunction(this, 'ListDatasets', {
      entry: entry('list-datasets'),
      projectRoot: props.projectRoot,
      description: 'Lists the dataset ids of a run (all, the given ones, or the uploaded one)',
      environment: { [ENV.sourceBucket]: sourceBucket.bucketName },
      memorySize: 256,
      timeout: Duration.minutes(1),
      logRetention,
    });
    grantObjects(this.listDatasets.role, [
      {
        bucket: sourceBucket,
        access: 'read',
        keys: `${SOURCE_PREFIXES.data}*`,
        why: 'lists the dataset descriptors',
      },
      {
        bucket: sourceBucket,
        access: 'put',
        keys: `${RUN_FILES.items}*`,
        why: "writes the run's dataset ids for the Distributed Map to read",
      },
    ]);

    const datasetMemorySize = props.datasetMemorySize ?? 1769;
    this.validateAndPublish = new PipelineFunction(this, 'ValidateAndPublish', {
      entry: entry('validate-and-publish'),
      projectRoot: props.projectRoot,
      description: 'Validates one dataset and writes its new version files (never the catalog)',
      environment: {
        [ENV.sourceBucket]: sourceBucket.bucketName,
        [ENV.siteBucket]: siteBucket.bucketName,
        [ENV.siteUrl]: props.siteUrl,
      },
      memorySize: datasetMemorySize,
      parquetWorker: datasetMemorySize >= TWO_VCPUS_MEMORY_MB,
      ephemeralStorageSize: props.datasetScratchSpace ?? Size.gibibytes(10),
      timeout: props.datasetTimeout ?? Duration.minutes(10),
      logRetention,
    });
    grantObjects(this.validateAndPublish.role, [
      ...Object.values(SOURCE_PREFIXES).map((prefix) => ({
        bucket: sourceBucket,
        access: 'read' as const,
        keys: `${prefix}*`,
        why: 'reads the CSV, descriptor and schema of the dataset it validates (and a curator upload)',
      })),
      // The catalog decides the version; the previous version's rows give the diff.
      { bucket: siteBucket, access: 'read', keys: CATALOG_KEY, why: 'reads the catalog' },
      {
        bucket: siteBucket,
        access: 'read',
        keys: DATASET_FILES_PATTERN,
        why: "reads the dataset's previous version to diff",
      },
      {
        bucket: siteBucket,
        access: 'put',
        keys: DATASET_FILES_PATTERN,
        why: "creates the dataset's version folder (create-only, If-None-Match)",
      },
    ]);

    this.commitCatalog = new PipelineFunction(this, 'CommitCatalog', {
      entry: entry('commit-catalog'),
      projectRoot: props.projectRoot,
      description:
        'Lists the staged versions in the catalog, last, re-basing overtaken ones; refreshes latest/ and the pages',
      environment: {
        [ENV.sourceBucket]: sourceBucket.bucketName,
        [ENV.siteBucket]: siteBucket.bucketName,
        [ENV.siteUrl]: props.siteUrl,
      },
      // A dataset overtaken by another run is validated and staged again here, like validate-and-publish does.
      memorySize: datasetMemorySize,
      parquetWorker: datasetMemorySize >= TWO_VCPUS_MEMORY_MB,
      ephemeralStorageSize: props.datasetScratchSpace ?? Size.gibibytes(10),
      timeout: props.datasetTimeout ?? Duration.minutes(10),
      logRetention,
    });
    grantObjects(this.commitCatalog.role, [
      ...Object.values(SOURCE_PREFIXES).map((prefix) => ({
        bucket: sourceBucket,
        access: 'read' as const,
        keys: `${prefix}*`,
        why: 'reads the site metadata, and the sources of a dataset it stages again after another run moved its head',
      })),
      {
        bucket: siteBucket,
        access: 'read',
        keys: DATASET_FILES_PATTERN,
        why: "reads each dataset's versions to mirror latest/, render the pages and feed, and diff a re-based version",
      },
      {
        bucket: siteBucket,
        access: 'put',
        keys: DATASET_FILES_PATTERN,
        why: 'mirrors the newest listed version into latest/, and creates the version folder of a re-based dataset (create-only, If-None-Match)',
      },
      {
        bucket: sourceBucket,
        access: 'read',
        keys: `${RUN_FILES.results}*`,
        why: "reads the datasets' results that the Distributed Map wrote",
      },
      // Core lists the keys its renderers write (plain data).
      ...SITE_KEY_PATTERNS.flatMap((keys) => [
        {
          bucket: siteBucket,
          access: 'read' as const,
          keys,
          why: 'reads the catalog and the site files it may replace',
        },
        {
          bucket: siteBucket,
          access: 'put' as const,
          keys,
          why: 'replaces the catalog (If-Match) and the site files rendered from it: one page and its charts per dataset',
        },
      ]),
    ]);

    const withRetries = <T extends sfn.TaskStateBase>(task: T): T => {
      task
        .addRetry({
          errors: [...THROTTLING_ERRORS],
          interval: Duration.seconds(2),
          backoffRate: 2,
          maxAttempts: 6,
          jitterStrategy: sfn.JitterType.FULL,
        })
        .addRetry({
          errors: [...TRANSIENT_ERRORS],
          interval: Duration.seconds(1),
          backoffRate: 2,
          maxAttempts: 3,
          jitterStrategy: sfn.JitterType.FULL,
        });
      return task;
    };

    // The list step's payload is the run's input and the execution name, which names the run's file.
    const list = withRetries(
      new tasks.LambdaInvoke(this, 'List datasets', {
        lambdaFunction: this.listDatasets.function,
        payload: sfn.TaskInput.fromObject({
          'execution.$': '$$.Execution.Name',
          'input.$': '$',
        }),
        payloadResponseOnly: true,
        resultSelector: { 'datasets.$': '$.datasets', 'itemsKey.$': '$.itemsKey' },
      }),
    );
    const publishOne = withRetries(
      new tasks.LambdaInvoke(this, 'Validate and publish dataset', {
        lambdaFunction: this.validateAndPublish.function,
        payload: sfn.TaskInput.fromObject({ 'id.$': '$.id' }),
        payloadResponseOnly: true,
      }),
    );
    // A dataset whose task failed for good becomes a result like any other, so the rest go on.
    const recordFailure = new sfn.Pass(this, 'Record dataset failure', {
      parameters: {
        'id.$': '$.id',
        status: 'failed',
        'error.$': '$.failure.Error',
        'cause.$': '$.failure.Cause',
      },
    });
    publishOne.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.failure' });
    // A Distributed Map: the ids are read from S3 and each dataset's result is written to S3, so
    // neither grows the state's payload (256 KiB), which an inline Map's results did past some 70
    // datasets, failing every run before its commit. Each dataset runs as a child execution;
    // one that fails even its catch (a States.Runtime or a timeout) is listed in FAILED_n.json, and
    // a 100% tolerance keeps it from failing the Map, so the commit still names it.
    const publishEach = new sfn.DistributedMap(this, 'Publish each dataset', {
      itemReader: new RunItemsReader({ bucket: sourceBucket, key: sfn.JsonPath.stringAt('$.itemsKey') }),
      itemSelector: { 'id.$': '$$.Map.Item.Value' },
      maxConcurrency,
      toleratedFailurePercentage: 100,
      resultWriterV2: new RunResultsWriter({
        bucket: sourceBucket,
        prefix: RUN_FILES.results.replace(/\/$/, ''),
      }),
      resultSelector: { 'resultWriterDetails.$': '$.ResultWriterDetails' },
      resultPath: '$.results',
    });
    publishEach.itemProcessor(publishOne);
    const commit = withRetries(
      new tasks.LambdaInvoke(this, 'Commit catalog', {
        lambdaFunction: this.commitCatalog.function,
        payload: sfn.TaskInput.fromObject({ 'resultWriterDetails.$': '$.results.resultWriterDetails' }),
        payloadResponseOnly: true,
      }),
    );

    // The one physical name of the stack, because AWS asks for it: a log group named
    // /aws/vendedlogs/… needs no CloudWatch Logs resource policy for Step Functions to deliver to
    // it, where any other name gets a statement added to the account's resource policy, which is
    // limited to 5,120 characters per region and fails a deployment once full. Unique per stack
    // and construct path, so two deployments in one account do not collide.
    const stateMachineLogs = new logs.LogGroup(this, 'StateMachineLogs', {
      logGroupName: `${VENDED_LOGS_PREFIX}${Names.uniqueResourceName(this, { maxLength: 200, separator: '-' })}`,
      retention: logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Validates and publishes every dataset in parallel, then commits the catalog',
      definitionBody: sfn.DefinitionBody.fromChainable(list.next(publishEach).next(commit)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.hours(2),
      tracingEnabled: true,
      logs: { destination: stateMachineLogs, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    grantObjects(stateMachine.role, [
      {
        bucket: sourceBucket,
        access: 'read',
        keys: `${RUN_FILES.items}*`,
        why: "reads the run's dataset ids (the Distributed Map's ItemReader)",
      },
      {
        bucket: sourceBucket,
        access: 'read',
        keys: `${RUN_FILES.results}*`,
        why: 'reads back its result files (the ResultWriter)',
      },
      {
        bucket: sourceBucket,
        access: 'put',
        keys: `${RUN_FILES.results}*`,
        why: "writes the datasets' results (the Distributed Map's ResultWriter)",
      },
    ]);
    // The ResultWriter uploads its files in parts; these are the four actions Step Functions
    // documents for it (s3:PutObject, GetObject, ListMultipartUploadParts, AbortMultipartUpload).
    stateMachine.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListMultipartUploadParts'],
        resources: [sourceBucket.arnForObjects(`${RUN_FILES.results}*`)],
      }),
    );
    for (const fn of [this.listDatasets, this.validateAndPublish, this.commitCatalog]) {
      acknowledgeFinding(
        stateMachine.role,
        'IAM5',
        `Resource::${nagNameOf(stateMachine, fn.function.functionArn)}:*`,
        `Generated by LambdaInvoke: lambda:InvokeFunction on the versions and aliases of ${fn.node.id} only.`,
      );
    }
    // CDK's grants for a Distributed Map: the child executions are executions of this state machine.
    const executions = (suffix: string): string =>
      nagNameOf(
        stateMachine,
        Stack.of(this).formatArn({
          service: 'states',
          resource: 'execution',
          resourceName: `${Arn.split(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName}${suffix}`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      );
    const distributedMapPolicy = stateMachine.node.findChild('DistributedMapPolicy');
    acknowledgeFinding(
      distributedMapPolicy,
      'IAM5',
      `Resource::${executions(':*')}`,
      "Generated by DistributedMap: states:DescribeExecution and StopExecution on this state machine's executions only (the Map's child executions, whose names are not known in advance).",
    );
    acknowledgeFinding(
      distributedMapPolicy,
      'IAM5',
      `Resource::${executions('/*:*')}`,
      "Generated by DistributedMap: states:RedriveExecution on the Map Runs of this state machine's executions only.",
    );
    acknowledgeFinding(
      stateMachine.role,
      'IAM5',
      'Resource::*',
      'Generated by CDK for tracing and logging: xray:PutTraceSegments/PutTelemetryRecords/GetSampling* and the CloudWatch Logs delivery actions (logs:CreateLogDelivery, DescribeLogGroups, …) do not support resource-level permissions, so AWS requires Resource "*" for them.',
    );
    this.stateMachine = stateMachine;
  }
}
