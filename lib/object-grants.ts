import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { acknowledgeFinding, nagNameOf } from './nag-findings.js';

/** One grant of a pipeline role: read or create objects whose keys match `keys`. */
export interface ObjectGrant {
  readonly bucket: s3.IBucket;
  /**
   * `read`: `s3:GetObject` (GET and HEAD) on the keys, and `s3:ListBucket` with `s3:prefix`
   * limited to the keys. `put`: `s3:PutObject` (a `PutObject`, a `CopyObject`'s target, and the
   * three requests of a multipart upload) and `s3:AbortMultipartUpload` on the keys; never delete.
   */
  readonly access: 'read' | 'put';
  /** Object key pattern, e.g. `data/*` or `catalog.json`. */
  readonly keys: string;
  /** Why the role needs it; becomes the reason of the acknowledgement of a wildcard key. */
  readonly why: string;
}

/**
 * The object actions of each access. Narrower than CDK's `grantRead` and `grantPut`, whose
 * action groups (`s3:GetObject*`, `s3:GetBucket*`, `s3:List*`, `s3:PutObjectRetention`,
 * `s3:PutObjectLegalHold`, the tagging puts) include requests the store never makes; the
 * requests the functions make in the tests are evaluated against these statements by an IAM
 * policy simulator (test/aws/s3-access.ts).
 */
export const OBJECT_ACTIONS: Readonly<Record<ObjectGrant['access'], readonly string[]>> = {
  read: ['s3:GetObject'],
  // The store's multipart upload aborts itself when a part or the completion fails.
  put: ['s3:PutObject', 's3:AbortMultipartUpload'],
};

/**
 * Adds each grant to the role's policy and acknowledges exactly the cdk-nag wildcard
 * findings it produces (a key pattern with `*`), each with its reason.
 *
 * Reading also allows `s3:ListBucket`, with `s3:prefix` limited to the same keys: without it,
 * S3 answers a missing key with 403 instead of 404, so the store could not tell "absent" from
 * "forbidden". S3 authorises that 404 as a listing whose prefix is the requested key, so the
 * condition covers it, and a listing of any other prefix is refused.
 */
export function grantObjects(role: iam.IRole, grants: readonly ObjectGrant[]): void {
  const findings = new Map<string, string>();
  for (const grant of grants) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...OBJECT_ACTIONS[grant.access]],
        resources: [grant.bucket.arnForObjects(grant.keys)],
      }),
    );
    if (grant.access === 'read')
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [grant.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [grant.keys] } },
        }),
      );
    if (grant.keys.includes('*')) {
      const finding = `Resource::${nagNameOf(role, grant.bucket.bucketArn)}/${grant.keys}`;
      const purpose = findings.get(finding)?.replace(/\.$/, '');
      findings.set(
        finding,
        purpose === undefined
          ? `Scoped to the object keys ${grant.keys} of one bucket: the function ${grant.why}.`
          : `${purpose}, and ${grant.why}.`,
      );
    }
  }
  for (const [finding, reason] of findings) acknowledgeFinding(role, 'IAM5', finding, reason);
}
