import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/**
 * References a bucket of another stack through exports named
 * `<producer stack name>-<id>Arn` and `-<id>Name` (unique per deployment, as
 * stack names are), instead of CDK's generated `ExportsOutput…` names, so that
 * the references are readable in the console and cdk-nag findings on grants can
 * be acknowledged by name. A bucket of the same stack is returned as it is.
 */
export function importBucket(scope: Construct, id: string, bucket: s3.IBucket): s3.IBucket {
  const producer = Stack.of(bucket);
  if (producer === Stack.of(scope)) return bucket;
  const name = (attribute: string): string => `${producer.stackName}-${id}${attribute}`;
  return s3.Bucket.fromBucketAttributes(scope, id, {
    bucketArn: producer.exportValue(bucket.bucketArn, { name: name('Arn') }),
    bucketName: producer.exportValue(bucket.bucketName, { name: name('Name') }),
  });
}
