import { createHash } from 'node:crypto';
import { Duration, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { acknowledgeCdkProvidedFunction } from './cdk-provided-functions.js';
import { nagNameOf } from './nag-findings.js';
import { privateDataBucketProps } from './access-log-bucket.js';
import { RUN_FILES, SOURCE_PREFIXES } from '../lambda/handlers/deploy-contract.js';

/** Days a run's working files (`runs/`) are kept in the source bucket. */
export const RUN_FILE_DAYS = 30;

export { SOURCE_PREFIXES };

/** Properties of a {@link SourceBucket}. */
export interface SourceBucketProps {
  /** Local folder deployed to `data/` (the repository's `data/`). */
  readonly dataDirectory: string;
  /** Local folder deployed to `schemas/` (the repository's `schemas/`). */
  readonly schemasDirectory: string;
  /**
   * Local folder deployed to `sources/`: the source texts quotes are checked against.
   *
   * @default - none: nothing is deployed to `sources/`, and provenance is not checked
   */
  readonly sourcesDirectory?: string;
  /** Bucket receiving this bucket's S3 server access logs. */
  readonly accessLogBucket: s3.IBucket;
}

/**
 * The private bucket the pipeline reads its inputs from. Each deployment
 * mirrors the repository's `data/` and `schemas/` into it (removing files
 * deleted from the repository, within those two prefixes only); curators
 * upload to `incoming/`, which no deployment touches; each run keeps its working
 * files under `runs/` for {@link RUN_FILE_DAYS} days. Object-created events go
 * to EventBridge so that an upload can start a run.
 */
export class SourceBucket extends Construct {
  readonly bucket: s3.IBucket;
  /**
   * Changes exactly when the deployed `data/` or `schemas/` contents change (a
   * hash of both asset hashes), so a custom resource keyed on it runs once per
   * changed deployment. A plain string, known at synthesis time.
   */
  readonly revision: string;

  constructor(scope: Construct, id: string, props: SourceBucketProps) {
    super(scope, id);
    const bucket = new s3.Bucket(this, 'Bucket', {
      ...privateDataBucketProps(props.accessLogBucket, 'source'),
      eventBridgeEnabled: true,
      // Curators' clients (`aws s3 cp` above 8 MB, the console, desktop tools) and the deployment's
      // `aws s3 sync` upload large files in parts, and an interrupted upload leaves its parts
      // behind, billed as storage. A week rather than the site bucket's day: some desktop clients
      // resume an interrupted multipart upload when the transfer is restarted, which for a person
      // may be after a weekend; a week of a few abandoned CSV parts costs next to nothing.
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(7) },
        // A run's working files (its dataset ids and the Map's results) are needed only while it
        // runs; a month leaves time to look into a failed run. Versioning would otherwise keep
        // every run's files for ever, as noncurrent versions.
        {
          prefix: RUN_FILES.root,
          expiration: Duration.days(RUN_FILE_DAYS),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
    });

    const data = new Asset(this, 'DataAsset', { path: props.dataDirectory });
    const schemas = new Asset(this, 'SchemasAsset', { path: props.schemasDirectory });
    const deploy = (deploymentId: string, asset: Asset, prefix: string): s3deploy.BucketDeployment =>
      new s3deploy.BucketDeployment(this, deploymentId, {
        sources: [s3deploy.Source.bucket(asset.bucket, asset.s3ObjectKey)],
        destinationBucket: bucket,
        destinationKeyPrefix: prefix,
        // Mirror the repository: a dataset removed from it is no longer republished. Its published
        // versions stay, and the source bucket is versioned, so nothing is lost.
        prune: true,
        retainOnDelete: true,
      });
    deploy('DeployData', data, SOURCE_PREFIXES.data);
    deploy('DeploySchemas', schemas, SOURCE_PREFIXES.schemas);
    const sources =
      props.sourcesDirectory === undefined
        ? undefined
        : new Asset(this, 'SourcesAsset', { path: props.sourcesDirectory });
    if (sources !== undefined) deploy('DeploySources', sources, SOURCE_PREFIXES.sources);
    const stack = Stack.of(this);
    acknowledgeCdkProvidedFunction(stack, {
      idPrefix: 'Custom::CDKBucketDeployment',
      does: 'BucketDeployment copies the repository data/ and schemas/ (and the source texts, to sources/, when configured) into the source bucket during a deployment',
      wildcards: {
        'Action::s3:GetObject*': 'reads the zipped data/, schemas/ and sources/ assets',
        'Action::s3:GetBucket*': 'bucket metadata needed by aws s3 sync',
        'Action::s3:List*': 'aws s3 sync lists source and destination',
        'Action::s3:Abort*': 'cleans up interrupted multipart uploads',
        'Action::s3:DeleteObject*':
          'prunes files deleted from the repository, within data/, schemas/ and sources/ of the (versioned, so recoverable) source bucket only; never the site bucket',
        [`Resource::${nagNameOf(stack, data.bucket.bucketArn)}/*`]:
          'CDK asset bucket: the zipped data/, schemas/ and sources/ assets are read from it',
        [`Resource::${nagNameOf(stack, bucket.bucketArn)}/*`]:
          'writes data/, schemas/ and sources/ (the destination prefixes) of the source bucket',
      },
      pinnedRuntime: true,
    });
    acknowledgeCdkProvidedFunction(stack, {
      idPrefix: 'BucketNotificationsHandler',
      does: "turns on the source bucket's EventBridge notifications during a deployment",
    });
    this.revision = createHash('sha256')
      .update(
        `${data.assetHash}\n${schemas.assetHash}${sources === undefined ? '' : `\n${sources.assetHash}`}`,
      )
      .digest('hex')
      .slice(0, 16);
    this.bucket = bucket;
  }
}
