import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { AccessLogBucket } from './access-log-bucket.js';
import { SiteBucket } from './site-bucket.js';
import { SiteDistribution } from './site-distribution.js';
import { SourceBucket } from './source-bucket.js';

/** Properties of the {@link SiteStack}. */
export interface SiteStackProps extends StackProps {
  /** Local folder deployed to the source bucket's `data/` (the repository's `data/`). */
  readonly dataDirectory: string;
  /** Local folder deployed to the source bucket's `schemas/` (the repository's `schemas/`). */
  readonly schemasDirectory: string;
  /**
   * Local folder of source texts deployed to the source bucket's `sources/`.
   *
   * @default - none: the Lambdas record "provenance not checked" in each report
   */
  readonly sourcesDirectory?: string;
  /**
   * Custom domain of the site; needs `certificateArn`.
   *
   * @default - the distribution's `*.cloudfront.net` name
   */
  readonly domainName?: string;
  /**
   * ACM certificate (in us-east-1) covering `domainName`.
   *
   * @default - none; required with `domainName`
   */
  readonly certificateArn?: string;
  /**
   * Days a replaced object version is kept in the site bucket.
   *
   * @default 90
   */
  readonly noncurrentVersionDays?: number;
  /**
   * Days S3 and CloudFront access logs are kept.
   *
   * @default 365
   */
  readonly accessLogDays?: number;
}

/**
 * The stateful half of the deployment: the source and site buckets, their
 * access logs and the CloudFront distribution in front of the site bucket.
 * Kept apart from the compute so that redeploying the pipeline never touches
 * the data (and the distribution, which writes the site bucket's policy for
 * origin access control, lives with the bucket to avoid a cross-stack cycle).
 */
export class SiteStack extends Stack {
  readonly sourceBucket: s3.IBucket;
  readonly siteBucket: s3.IBucket;
  readonly distribution: cloudfront.IDistribution;
  /** `https://<domain>/`, with a trailing slash. */
  readonly siteUrl: string;
  /** Changes exactly when the deployed `data/` or `schemas/` change. */
  readonly sourceRevision: string;

  constructor(scope: Construct, id: string, props: SiteStackProps) {
    super(scope, id, props);
    if ((props.domainName === undefined) !== (props.certificateArn === undefined))
      throw new Error('SiteStack: domainName and certificateArn must be given together');

    const logs = new AccessLogBucket(this, 'AccessLogs', {
      ...(props.accessLogDays === undefined ? {} : { retention: Duration.days(props.accessLogDays) }),
    });
    const source = new SourceBucket(this, 'Source', {
      dataDirectory: props.dataDirectory,
      schemasDirectory: props.schemasDirectory,
      ...(props.sourcesDirectory === undefined ? {} : { sourcesDirectory: props.sourcesDirectory }),
      accessLogBucket: logs.bucket,
    });
    const site = new SiteBucket(this, 'Site', {
      accessLogBucket: logs.bucket,
      ...(props.noncurrentVersionDays === undefined
        ? {}
        : { noncurrentVersionRetention: Duration.days(props.noncurrentVersionDays) }),
    });
    const delivery = new SiteDistribution(this, 'Delivery', {
      siteBucket: site.bucket,
      accessLogBucket: logs.bucket,
      ...(props.domainName === undefined || props.certificateArn === undefined
        ? {}
        : {
            domain: {
              domainName: props.domainName,
              certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
            },
          }),
    });

    this.sourceBucket = source.bucket;
    this.siteBucket = site.bucket;
    this.distribution = delivery.distribution;
    this.siteUrl = delivery.siteUrl;
    this.sourceRevision = source.revision;

    new CfnOutput(this, 'SiteUrl', { description: 'Base URL of the published tree', value: this.siteUrl });
    new CfnOutput(this, 'CatalogUrl', {
      description: 'The machine-readable catalog',
      value: `${this.siteUrl}catalog.json`,
    });
    new CfnOutput(this, 'SourceBucketName', {
      description: 'Curators upload corrected CSVs to s3://<this bucket>/incoming/<id>.csv',
      value: this.sourceBucket.bucketName,
    });
    new CfnOutput(this, 'DistributionDomainName', {
      description: 'Point a custom domain (CNAME or alias) here',
      value: this.distribution.distributionDomainName,
    });
  }
}
