import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { VERSIONED_FILES_PATTERN } from '../lambda/core/site-keys.js';
import { privateDataBucketProps } from './access-log-bucket.js';

/** Object key pattern of the immutable version folders (see core's key layout). */
export const VERSIONED_OBJECTS_PATTERN = VERSIONED_FILES_PATTERN;

/**
 * When the bucket policy denies an `s3:PutObject` request into a version folder: when it has no
 * `If-None-Match` header and it may create the object. S3 authorises starting a multipart upload,
 * sending its parts and completing it all as `s3:PutObject`, but only CompleteMultipartUpload
 * (like PutObject) can carry `If-None-Match`; CreateMultipartUpload, UploadPart and UploadPartCopy
 * cannot, and S3 sets `s3:ObjectCreationOperation` to false on them so that a policy can exempt
 * them. Denying on the header alone would refuse every multipart upload at its first request.
 * The parts become an object only through CompleteMultipartUpload, which is still denied without
 * `If-None-Match`, so no request can replace a published file. `BoolIfExists`: a request that
 * lacks the key counts as creating, so the statement fails closed. Source: "Enforce conditional
 * writes on Amazon S3 buckets", S3 User Guide.
 */
const CREATE_ONLY_CONDITIONS = {
  Null: { 's3:if-none-match': 'true' },
  BoolIfExists: { 's3:ObjectCreationOperation': 'true' },
} as const;

/** Days after which S3 aborts a multipart upload never completed or aborted, and deletes its parts. */
const INCOMPLETE_UPLOAD_DAYS = Duration.days(1);

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
        // Only the pipeline writes here, and no upload outlives the Lambda invocation (15 minutes at
        // most) or the CLI process that started it: a day-old one is orphaned, for instance after an
        // abort that itself failed. One day is the shortest S3 allows.
        { abortIncompleteMultipartUploadAfter: INCOMPLETE_UPLOAD_DAYS },
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
    // Create-only, enforced by S3 itself: a request that creates an object in a version folder
    // must carry If-None-Match, so it can create a missing file but never replace a published one,
    // whoever sends it. See CREATE_ONLY_CONDITIONS for how multipart uploads stay possible.
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyUnconditionalWritesToPublishedVersions',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects(VERSIONED_OBJECTS_PATTERN)],
        conditions: CREATE_ONLY_CONDITIONS,
      }),
    );
    this.bucket = bucket;
  }
}
