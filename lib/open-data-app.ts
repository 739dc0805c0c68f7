import * as path from 'node:path';
import type { Environment, Stage } from 'aws-cdk-lib';
import type { OpenDataConfig } from './app-config.js';
import { PublishingStack } from './publishing-stack.js';
import { SiteStack } from './site-stack.js';

/** Where the app finds its inputs and where it deploys. */
export interface OpenDataAppProps {
  /** Repository root: holds `data/`, `schemas/`, `lambda/` and `package-lock.json`. */
  readonly projectRoot: string;
  /** The deployment settings from context. */
  readonly config: OpenDataConfig;
  /**
   * Account and region of both stacks.
   *
   * @default - environment-agnostic stacks (resolved by `cdk deploy` from the AWS profile)
   */
  readonly env?: Environment;
}

/** The two stacks of a deployment. */
export interface OpenDataStacks {
  readonly site: SiteStack;
  readonly publishing: PublishingStack;
}

/**
 * Builds the deployment into `scope` (an `App` or a `Stage`): the stateful
 * `OpenDataSite` stack and the stateless `OpenDataPublishing` stack that
 * depends on it. Stack ids are the CloudFormation stack names and never change.
 */
export function buildOpenDataApp(scope: Stage, props: OpenDataAppProps): OpenDataStacks {
  const { config } = props;
  const env = props.env === undefined ? {} : { env: props.env };
  const site = new SiteStack(scope, 'OpenDataSite', {
    ...env,
    description: 'kz-az-open-data: source and site buckets, CloudFront distribution (stateful)',
    dataDirectory: path.join(props.projectRoot, 'data'),
    schemasDirectory: path.join(props.projectRoot, 'schemas'),
    ...(config.sourcesDirectory === undefined ? {} : { sourcesDirectory: config.sourcesDirectory }),
    ...(config.domainName === undefined ? {} : { domainName: config.domainName }),
    ...(config.certificateArn === undefined ? {} : { certificateArn: config.certificateArn }),
    ...(config.noncurrentVersionDays === undefined
      ? {}
      : { noncurrentVersionDays: config.noncurrentVersionDays }),
    ...(config.accessLogDays === undefined ? {} : { accessLogDays: config.accessLogDays }),
  });
  const publishing = new PublishingStack(scope, 'OpenDataPublishing', {
    ...env,
    description: 'kz-az-open-data: publishing Lambdas, state machine, schedule and alarms (stateless)',
    sourceBucket: site.sourceBucket,
    siteBucket: site.siteBucket,
    siteUrl: site.siteUrl,
    sourceRevision: site.sourceRevision,
    projectRoot: props.projectRoot,
    ...(config.schedule === undefined ? {} : { schedule: config.schedule }),
    ...(config.alarmEmail === undefined ? {} : { alarmEmail: config.alarmEmail }),
    ...(config.logRetention === undefined ? {} : { logRetention: config.logRetention }),
    ...(config.maxConcurrency === undefined ? {} : { maxConcurrency: config.maxConcurrency }),
    ...(config.datasetScratchMiB === undefined ? {} : { datasetScratchMiB: config.datasetScratchMiB }),
  });
  publishing.addStackDependency(
    site,
    'reads and writes the buckets, and its first run needs the deployed sources',
  );
  return { site, publishing };
}
