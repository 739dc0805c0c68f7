import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { acknowledgeFinding, nagNameOf } from './nag-findings.js';

/** One `grant*` of a pipeline role: read or create objects whose keys match `keys`. */
export interface ObjectGrant {
  readonly bucket: s3.IBucket;
  /** `read` is `grantRead` (get, and list the bucket); `put` is `grantPut` (create or replace, never delete). */
  readonly access: 'read' | 'put';
  /** Object key pattern, e.g. `data/*` or `catalog.json`. */
  readonly keys: string;
  /** Why the role needs it; becomes the reason of the acknowledgement of a wildcard key. */
  readonly why: string;
}

/** The wildcard action groups CDK's `grantRead` and `grantPut` use, and what they amount to. */
const ACTION_GROUPS: Readonly<Record<ObjectGrant['access'], Readonly<Record<string, string>>>> = {
  read: {
    's3:GetObject*':
      'grantRead: GetObject and its variants (version, tagging, attributes), on the granted keys only',
    's3:GetBucket*': 'grantRead: bucket metadata (location, versioning), needed by the SDK; no object access',
    's3:List*':
      'grantRead: ListBucket, without which S3 answers 403 instead of 404 for a missing key, so the store could not tell "absent" from "forbidden"',
  },
  put: {
    's3:Abort*': 'grantPut: AbortMultipartUpload, to clean up an interrupted upload of a granted key',
  },
};

/**
 * Applies each grant with the bucket's own `grant*` method and acknowledges
 * exactly the cdk-nag wildcard findings those grants produce, each with its reason.
 */
export function grantObjects(role: iam.IRole, grants: readonly ObjectGrant[]): void {
  const findings = new Map<string, string>();
  for (const grant of grants) {
    if (grant.access === 'read') grant.bucket.grantRead(role, grant.keys);
    else grant.bucket.grantPut(role, grant.keys);
    for (const [action, reason] of Object.entries(ACTION_GROUPS[grant.access]))
      findings.set(`Action::${action}`, reason);
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
