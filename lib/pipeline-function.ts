import * as path from 'node:path';
import { PARQUET_WORKER_BUNDLING } from '../lambda/core/parquet-worker-bundling.js';
import { NODE_BUNDLING } from '../lambda/core/node-bundling.js';
import { RASTER_BUNDLING } from '../lambda/core/site/chart-png-bundling.js';
import { CREDENTIALS_MODULE, EXEC_WRAPPER, SERVICE_NAME } from '../lambda/handlers/deploy-contract.js';
import { Duration, RemovalPolicy, type Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { shellWord } from '../lambda/core/shell-word.js';

/** The Node.js runtime of every pipeline function (the newest Lambda offers). */
export const PIPELINE_RUNTIME = lambda.Runtime.NODEJS_24_X;
/** The `service` field of every structured log line. */
export { SERVICE_NAME };

/** Properties of a {@link PipelineFunction}. */
export interface PipelineFunctionProps {
  /** Absolute path of the handler's TypeScript entry file (exports `handler`). */
  readonly entry: string;
  /** Directory holding `package-lock.json` and the code the entry imports (the repository root). */
  readonly projectRoot: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** Environment variables the handler reads at start-up. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Memory in MiB (Lambda gives CPU in proportion).
   *
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Size of the function's `/tmp` (Lambda's ephemeral storage), from 512 MiB to 10 GiB in whole
   * MiB. Lambda charges for what is configured above 512 MiB, per GB-second, whether used or not.
   *
   * @default - 512 MiB, Lambda's default, at no charge
   */
  readonly ephemeralStorageSize?: Size;
  /**
   * Maximum run time of one invocation.
   *
   * @default Duration.minutes(1)
   */
  readonly timeout?: Duration;
  /**
   * Retention of the function's own log group.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Modules left out of the bundle because the Lambda runtime provides them (its AWS SDK v3).
   *
   * @default - none: every dependency is bundled
   */
  readonly runtimeModules?: readonly string[];
  /**
   * Ships the Parquet worker's bundle beside the handler's, so that a publish writes a large table's
   * Parquet file on a second thread while it validates the rows (see `lambda/core/parquet-worker.ts`).
   * Worth it only with two vCPUs or more ({@link TWO_VCPUS_MEMORY_MB}): on one, the thread shares the
   * CPU the rest of the publish needs, and adds its own memory.
   *
   * @default false
   */
  readonly parquetWorker?: boolean;
}

/** The memory at which Lambda gives a function the equivalent of two vCPUs (1,769 MB per vCPU). */
export const TWO_VCPUS_MEMORY_MB = 2 * 1769;

/**
 * One pipeline Lambda as the project runs them all: a `NodejsFunction`
 * bundled by the local esbuild (never Docker) into one ESM file with every
 * dependency inside (the AWS SDK too, so S3 conditional writes use the SDK
 * version the store was tested with), on ARM64 and the current Node.js
 * runtime, logging JSON to its own log group with a retention. Lambda starts
 * its node through `lambda/handlers/heap-wrapper.sh`, shipped in the bundle,
 * which gives V8 the CLI's heap flags (a 1 MiB young generation, an old one
 * that grows by half of what is live). Its role starts empty
 * except for writing that log group; callers add `grant*`s.
 */
export class PipelineFunction extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.ILogGroup;
  readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const memorySize = props.memorySize ?? 512;
    if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10240)
      throw new Error(`PipelineFunction ${id}: memorySize must be 128 to 10240 MiB, not ${memorySize}`);
    const storageMiB = props.ephemeralStorageSize?.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    if (storageMiB !== undefined && (!Number.isInteger(storageMiB) || storageMiB < 512 || storageMiB > 10240))
      throw new Error(
        `PipelineFunction ${id}: ephemeralStorageSize must be 512 to 10240 MiB in whole MiB, not ${storageMiB} MiB`,
      );

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // An explicit role keeps AWSLambdaBasicExecutionRole (which may write any log group) off it.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${id}: ${props.description}`,
    });
    this.logGroup.grantWrite(role);
    this.role = role;

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      description: props.description,
      runtime: PIPELINE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      ...(props.ephemeralStorageSize === undefined
        ? {}
        : { ephemeralStorageSize: props.ephemeralStorageSize }),
      timeout: props.timeout ?? Duration.minutes(1),
      role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        // Heap flags in NODE_OPTIONS lose to the ones the runtime's bootstrap puts on node's command line.
        [EXEC_WRAPPER.variable]: `${EXEC_WRAPPER.taskRoot}/${EXEC_WRAPPER.file}`,
      },
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.ESM,
        target: BUNDLE_TARGET,
        mainFields: [...NODE_BUNDLING.mainFields],
        // Some bundled CommonJS dependencies call require() for Node built-ins.
        banner: NODE_BUNDLING.banner,
        externalModules: [...(props.runtimeModules ?? [])],
        // The chart PNG renderer's WebAssembly and fonts, copied beside the bundle (see chart-png-bundling.ts).
        loader: { ...RASTER_BUNDLING.loader },
        define: { ...RASTER_BUNDLING.define },
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The role's credentials from the environment, without the SDK's chain of other sources (resolved from projectRoot).
        esbuildArgs: { '--alias': [`${CREDENTIALS_MODULE.replaces}=${CREDENTIALS_MODULE.file}`] },
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // Lambda refuses a wrapper that is not executable; the asset's zip keeps the mode.
          afterBundling: (inputDir, outputDir) => {
            const wrapper = shellWord(path.join(outputDir, EXEC_WRAPPER.file));
            const source = shellWord(path.join(inputDir, 'lambda', 'handlers', EXEC_WRAPPER.file));
            return [
              `cp ${source} ${wrapper}`,
              `chmod 755 ${wrapper}`,
              ...(props.parquetWorker === true ? [parquetWorkerBundling(inputDir, outputDir)] : []),
            ];
          },
        },
      },
    });
    this.function.node.addDependency(this.logGroup);
  }
}

/** What the bundles are built for: the runtime's Node.js ({@link PIPELINE_RUNTIME}). */
const BUNDLE_TARGET = 'node24';

/**
 * The command that bundles the Parquet worker beside the handler's bundle, with the local esbuild and
 * the handler's own settings (see {@link PARQUET_WORKER_BUNDLING}).
 */
function parquetWorkerBundling(inputDir: string, outputDir: string): string {
  return [
    shellWord(path.join(inputDir, 'node_modules', '.bin', 'esbuild')),
    shellWord(path.join(inputDir, PARQUET_WORKER_BUNDLING.entry)),
    '--bundle',
    '--platform=node',
    '--format=esm',
    `--target=${BUNDLE_TARGET}`,
    `--main-fields=${NODE_BUNDLING.mainFields.join(',')}`,
    '--minify',
    '--sourcemap',
    '--sources-content=false',
    '--log-level=warning',
    shellWord(`--banner:js=${NODE_BUNDLING.banner}`),
    shellWord(`--outfile=${path.join(outputDir, PARQUET_WORKER_BUNDLING.file)}`),
  ].join(' ');
}
