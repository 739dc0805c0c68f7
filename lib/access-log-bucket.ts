import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Properties of an {@link AccessLogBucket}. */
export interface AccessLogBucketProps {
  /**
   * How long S3 server access logs and CloudFront standard logs are kept.
   *
   * @default Duration.days(365)
   */
  readonly retention?: Duration;
}

/**
 * A private bucket receiving the S3 server access logs of the source and site
 * buckets and the CloudFront standard logs, expired after `retention`.
 */
export class AccessLogBucket extends Construct {
  /** The log bucket: S3 logs under `s3/<bucket>/`, CloudFront logs under `cloudfront/`. */
  readonly bucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps = {}) {
    super(scope, id);
    const retention = props.retention ?? Duration.days(365);
    if (retention.toDays() < 1) throw new Error(`AccessLogBucket: retention must be at least one day`);

    const bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // CloudFront standard logging still delivers through an object ACL, so ACLs stay enabled here
      // (and only here); S3 server access logging is authorised by the bucket policy CDK adds.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [
        { expiration: retention, noncurrentVersionExpiration: Duration.days(1) },
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the access-log bucket itself: logging its own accesses into itself would log every log delivery, without end.',
    });
    this.bucket = bucket;
  }
}

/**
 * The baseline every data bucket shares: versioned, SSE-S3, TLS only, Block
 * Public Access, ACLs disabled, server access logs into `accessLogBucket`
 * under `s3/<name>/`, retained when the stack is deleted.
 */
export function privateDataBucketProps(accessLogBucket: s3.IBucket, name: string): s3.BucketProps {
  return {
    versioned: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: accessLogBucket,
    serverAccessLogsPrefix: `s3/${name}/`,
    removalPolicy: RemovalPolicy.RETAIN,
  };
}
