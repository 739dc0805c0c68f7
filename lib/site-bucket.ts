import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { privateDataBucketProps } from './access-log-bucket.js';

/**
 * Object ARN pattern of the immutable version folders `datasets/<id>/<x.y.z>/<file>`. IAM
 * wildcards cannot say "digits", but only version folders have a `/` after two dots: `latest/`
 * files, dataset pages and catalog files never do.
 */
export const VERSIONED_OBJECTS_PATTERN = 'datasets/*/*.*.*/*';

/** Properties of a {@link SiteBucket}. */
export interface SiteBucketProps {
  /** Bucket receiving this bucket's S3 server access logs. */
  readonly accessLogBucket: s3.IBucket;
  /**
   * How long an overwritten object's previous version (of `latest/`, catalog, pages) is kept.
   *
   * @default Duration.days(90)
   */
  readonly noncurrentVersionRetention?: Duration;
}

/**
 * The private bucket holding the published tree. Only CloudFront reads it; the
 * pipeline writes it. Versioned, so every overwritten mutable file can be
 * recovered for `noncurrentVersionRetention`; the version folders can be
 * deleted by nobody while this policy stands.
 */
export class SiteBucket extends Construct {
  readonly bucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: SiteBucketProps) {
    super(scope, id);
    const noncurrent = props.noncurrentVersionRetention ?? Duration.days(90);
    if (noncurrent.toDays() < 1)
      throw new Error('SiteBucket: noncurrentVersionRetention must be at least one day');

    const bucket = new s3.Bucket(this, 'Bucket', {
      ...privateDataBucketProps(props.accessLogBucket, 'site'),
      lifecycleRules: [
        { noncurrentVersionExpiration: noncurrent },
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // S3 answers CORS preflights (OPTIONS) forwarded by CloudFront; the distribution's response
      // headers policy sets the same headers on every cached response.
      cors: [
        {
          allowedMethods: [s3.HttpMethods.GET, s3.HttpMethods.HEAD],
          allowedOrigins: ['*'],
          allowedHeaders: ['Range'],
          exposedHeaders: ['Content-Length', 'Content-Range', 'ETag', 'Accept-Ranges'],
          maxAge: 86400,
        },
      ],
    });
    // Immutability: a published version stays downloadable at its URL forever. Lifecycle rules are
    // not subject to bucket policies, and version folders are never overwritten, so nothing expires.
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyDeletingPublishedVersions',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        resources: [bucket.arnForObjects(VERSIONED_OBJECTS_PATTERN)],
      }),
    );
    // Create-only, enforced by S3 itself: a write into a version folder must carry If-None-Match,
    // so it can create a missing file but never replace a published one, whoever sends it.
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyUnconditionalWritesToPublishedVersions',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects(VERSIONED_OBJECTS_PATTERN)],
        conditions: { Null: { 's3:if-none-match': 'true' } },
      }),
    );
    this.bucket = bucket;
  }
}
