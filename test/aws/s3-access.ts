/**
 * S3 requests as IAM sees them: recorded from the S3 clients of the pipeline's
 * steps while they run against moto, then evaluated by an IAM policy simulator
 * (@cloud-copilot/iam-simulate) against the synthesized role policy of the
 * caller and the synthesized policy of the bucket, as S3 would evaluate them
 * in a deployment. moto itself checks no policy, so without this a run proves
 * nothing about permissions.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { S3Client } from '@aws-sdk/client-s3';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { buildOpenDataApp } from '../../lib/open-data-app.js';
import { cdkJsonContext, PROJECT_ROOT, testApp } from '../infra/app-fixture.js';

/** Who sends a request: a pipeline function, or Step Functions for the Distributed Map. */
export type Caller = 'list-datasets' | 'validate-and-publish' | 'commit-catalog' | 'state-machine';

/** The bucket a request goes to, as the stacks name them. */
export type BucketKind = 'source' | 'site';

/** One request as IAM authorises it: one action on one resource, with the condition keys S3 sets. */
export interface S3Request {
  readonly caller: Caller;
  /** The SDK command it came from (`PutObjectCommand`), or `404 check` for S3's implied listing. */
  readonly command: string;
  readonly action: string;
  readonly bucket: string;
  /** The object key; absent for a bucket action (`s3:ListBucket`). */
  readonly key?: string;
  /** `s3:prefix` of a listing. */
  readonly prefix?: string;
  /** `s3:if-none-match`: the `If-None-Match` header of a write that carries one. */
  readonly ifNoneMatch?: string;
  /** `s3:ObjectCreationOperation`: whether the request itself can create an object. */
  readonly objectCreation?: boolean;
  /** `aws:SecureTransport`. */
  readonly secureTransport: boolean;
}

type Input = Readonly<Record<string, unknown>>;
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * The IAM requests of one S3 command. A command the pipeline is not known to send throws, so a
 * new kind of request cannot slip past the evaluation.
 */
export function iamRequestsOf(caller: Caller, command: string, input: Input): S3Request[] {
  const bucket = text(input.Bucket) ?? '';
  const key = text(input.Key);
  // Lambda's clients use S3's regional HTTPS endpoint (no endpoint is configured in a deployment).
  const base = { caller, command, bucket, secureTransport: true } as const;
  const object = (action: string, extra: Partial<S3Request> = {}): S3Request => ({
    ...base,
    action,
    ...(key === undefined ? {} : { key }),
    ...extra,
  });
  const condition = (): Partial<S3Request> => {
    const ifNoneMatch = text(input.IfNoneMatch);
    return ifNoneMatch === undefined ? {} : { ifNoneMatch };
  };
  switch (command) {
    case 'GetObjectCommand':
    case 'HeadObjectCommand':
      return [object('s3:GetObject')];
    case 'PutObjectCommand':
    case 'CompleteMultipartUploadCommand':
      return [object('s3:PutObject', { objectCreation: true, ...condition() })];
    // Neither can carry If-None-Match; S3 marks them as not creating an object.
    case 'CreateMultipartUploadCommand':
    case 'UploadPartCommand':
      return [object('s3:PutObject', { objectCreation: false })];
    case 'AbortMultipartUploadCommand':
      return [object('s3:AbortMultipartUpload')];
    case 'ListPartsCommand':
      return [object('s3:ListMultipartUploadParts')];
    case 'DeleteObjectCommand':
      return [object('s3:DeleteObject')];
    case 'CopyObjectCommand':
    case 'UploadPartCopyCommand': {
      const source = decodeURIComponent(text(input.CopySource) ?? '');
      const slash = source.indexOf('/');
      // A part copied into a multipart upload creates no object: its CompleteMultipartUpload does.
      const creation =
        command === 'CopyObjectCommand'
          ? { objectCreation: true, ...condition() }
          : { objectCreation: false };
      return [
        object('s3:PutObject', creation),
        {
          ...base,
          action: 's3:GetObject',
          bucket: source.slice(0, slash),
          key: source.slice(slash + 1),
        },
      ];
    }
    case 'ListObjectsV2Command': {
      const prefix = text(input.Prefix);
      return [{ ...base, action: 's3:ListBucket', ...(prefix === undefined ? {} : { prefix }) }];
    }
    default:
      throw new Error(`s3-access: no IAM mapping for ${command}; add one before the pipeline sends it`);
  }
}

const statusOf = (error: unknown): number | undefined =>
  (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * Records, into `log`, every request `client` sends, as IAM requests of `caller`. A read of a
 * missing key that S3 answers with 404 is also recorded as the listing S3 checks before it
 * says 404 rather than 403 (`s3:ListBucket` with the key as `s3:prefix`).
 */
export function recordS3Requests(client: S3Client, caller: Caller, log: S3Request[]): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context as { commandName?: string }).commandName ?? 'unknown';
      const input = args.input as Input;
      log.push(...iamRequestsOf(caller, command, input));
      try {
        return await next(args);
      } catch (error) {
        if (statusOf(error) === 404 && (command === 'GetObjectCommand' || command === 'HeadObjectCommand'))
          log.push({
            caller,
            command: '404 check',
            action: 's3:ListBucket',
            bucket: text(input.Bucket) ?? '',
            prefix: text(input.Key) ?? '',
            secureTransport: true,
          });
        throw error;
      }
    },
    { step: 'initialize', name: 'recordS3Requests' },
  );
}

/** An IAM policy document. */
export type PolicyDocument = Readonly<Record<string, unknown>>;

/** The synthesized policies that decide S3 requests. */
export interface AccessPolicies {
  /** Each caller's role policies. */
  readonly roles: Readonly<Record<Caller, readonly PolicyDocument[]>>;
  /** Each bucket's policy. */
  readonly buckets: Readonly<Record<BucketKind, PolicyDocument>>;
}

/** Account and bucket names the templates are resolved with. */
export const DEPLOYED = {
  account: '111122223333',
  region: 'eu-central-1',
  buckets: { source: 'opendata-source', site: 'opendata-site' },
} as const satisfies { buckets: Record<BucketKind, string> } & Record<string, unknown>;

/**
 * Replaces CloudFormation references in a synthesized document by the values they take in a
 * deployment: `Ref` by `refs[name]`, `Fn::GetAtt` by `refs["<id>.<attribute>"]`,
 * `Fn::ImportValue` by `refs[export name]`. A reference without a value throws, unless
 * `placeholder` gives one (for references that decide nothing, such as log group ARNs).
 */
export function resolveReferences(
  value: unknown,
  refs: Readonly<Record<string, string>>,
  placeholder?: (reference: string) => string,
): unknown {
  const lookup = (reference: string): string => {
    const resolved = refs[reference] ?? placeholder?.(reference);
    if (resolved === undefined) throw new Error(`no value for ${reference}`);
    return resolved;
  };
  if (Array.isArray(value)) return value.map((item) => resolveReferences(item, refs, placeholder));
  if (typeof value !== 'object' || value === null) return value;
  const node = value as Record<string, unknown>;
  if (typeof node.Ref === 'string') return lookup(node.Ref);
  const getAtt = node['Fn::GetAtt'] as [string, string] | undefined;
  if (getAtt !== undefined) return lookup(`${getAtt[0]}.${getAtt[1]}`);
  if (typeof node['Fn::ImportValue'] === 'string') return lookup(node['Fn::ImportValue']);
  const join = node['Fn::Join'] as [string, unknown[]] | undefined;
  if (join !== undefined)
    return join[1].map((part) => resolveReferences(part, refs, placeholder)).join(join[0]);
  return Object.fromEntries(
    Object.entries(node).map(([key, item]) => [key, resolveReferences(item, refs, placeholder)]),
  );
}

const logicalId = (construct: IConstruct): string =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

/**
 * The role policies of the three functions and the state machine, and the policies of the two
 * buckets, from the app as `cdk synth` builds it (no bundling: only policies are read).
 */
export function synthesizedAccessPolicies(): AccessPolicies {
  const app = testApp({
    context: { ...cdkJsonContext(), [BUNDLING_STACKS]: [] },
    builtinCloudFormationValidation: false,
  });
  const { site, publishing } = buildOpenDataApp(app, { projectRoot: PROJECT_ROOT, config: {} });
  const { source, site: siteName } = DEPLOYED.buckets;
  const refs: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::AccountId': DEPLOYED.account,
    'AWS::Region': DEPLOYED.region,
    'AWS::URLSuffix': 'amazonaws.com',
    [`${site.stackName}-SourceBucketArn`]: `arn:aws:s3:::${source}`,
    [`${site.stackName}-SourceBucketName`]: source,
    [`${site.stackName}-SiteBucketArn`]: `arn:aws:s3:::${siteName}`,
    [`${site.stackName}-SiteBucketName`]: siteName,
    [logicalId(site.sourceBucket)]: source,
    [`${logicalId(site.sourceBucket)}.Arn`]: `arn:aws:s3:::${source}`,
    [logicalId(site.siteBucket)]: siteName,
    [`${logicalId(site.siteBucket)}.Arn`]: `arn:aws:s3:::${siteName}`,
  };
  // Lambda, log group and distribution ARNs appear in the policies but decide no S3 request.
  const placeholder = (reference: string): string => `arn:aws:unresolved:::${reference}`;

  const publishingTemplate = Template.fromStack(publishing);
  const policiesOfRole = (role: IConstruct): PolicyDocument[] => {
    const id = logicalId(role);
    const policies = Object.values(publishingTemplate.findResources('AWS::IAM::Policy')).filter((policy) =>
      (policy.Properties.Roles as unknown[]).some((entry) => (entry as { Ref?: string }).Ref === id),
    );
    if (policies.length === 0) throw new Error(`no policy for role ${id}`);
    return policies.map(
      (policy) => resolveReferences(policy.Properties.PolicyDocument, refs, placeholder) as PolicyDocument,
    );
  };
  const { workflow } = publishing;
  const stateMachineRole = (workflow.stateMachine as sfn.StateMachine).role;

  const siteTemplate = Template.fromStack(site);
  const bucketPolicy = (bucket: IConstruct): PolicyDocument => {
    const id = logicalId(bucket);
    const policies = Object.values(siteTemplate.findResources('AWS::S3::BucketPolicy')).filter(
      (policy) => (policy.Properties.Bucket as { Ref?: string }).Ref === id,
    );
    if (policies.length !== 1)
      throw new Error(`expected one bucket policy for ${id}, found ${policies.length}`);
    return resolveReferences(policies[0]?.Properties.PolicyDocument, refs, placeholder) as PolicyDocument;
  };

  return {
    roles: {
      'list-datasets': policiesOfRole(workflow.listDatasets.role),
      'validate-and-publish': policiesOfRole(workflow.validateAndPublish.role),
      'commit-catalog': policiesOfRole(workflow.commitCatalog.role),
      'state-machine': policiesOfRole(stateMachineRole),
    },
    buckets: { source: bucketPolicy(site.sourceBucket), site: bucketPolicy(site.siteBucket) },
  };
}

/** What IAM decides. */
export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/**
 * What S3 decides for `request` in a deployment: its bucket (a test bucket's name, mapped by
 * `kinds`) becomes the deployed bucket, its caller the caller's role, and the simulator
 * evaluates the role's policies and the bucket's policy together, as for a request within one
 * account.
 */
export async function decide(
  request: S3Request,
  policies: AccessPolicies,
  kinds: Readonly<Record<string, BucketKind>>,
): Promise<Decision> {
  const kind = kinds[request.bucket];
  if (kind === undefined) throw new Error(`s3-access: bucket ${request.bucket} is neither source nor site`);
  const bucket = DEPLOYED.buckets[kind];
  const contextVariables: Record<string, string> = {
    'aws:SecureTransport': String(request.secureTransport),
  };
  if (request.prefix !== undefined) contextVariables['s3:prefix'] = request.prefix;
  if (request.ifNoneMatch !== undefined) contextVariables['s3:if-none-match'] = request.ifNoneMatch;
  if (request.objectCreation !== undefined)
    contextVariables['s3:ObjectCreationOperation'] = String(request.objectCreation);
  const simulation: Simulation = {
    request: {
      principal: `arn:aws:iam::${DEPLOYED.account}:role/${request.caller}`,
      action: request.action,
      resource: {
        resource:
          request.key === undefined ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${request.key}`,
        accountId: DEPLOYED.account,
      },
      contextVariables,
    },
    identityPolicies: policies.roles[request.caller].map((policy, index) => ({
      name: `${request.caller}-${index}`,
      policy,
    })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: policies.buckets[kind],
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error')
    throw new Error(
      `s3-access: the simulator refused ${describeRequest(request)}: ${JSON.stringify(response.errors)}`,
    );
  return response.overallResult as Decision;
}

/** One line naming a request, for failure messages. */
export function describeRequest(request: S3Request): string {
  const conditions = [
    request.prefix === undefined ? '' : ` prefix=${request.prefix}`,
    request.ifNoneMatch === undefined ? '' : ` If-None-Match=${request.ifNoneMatch}`,
    request.objectCreation === undefined ? '' : ` creates=${request.objectCreation}`,
    request.secureTransport ? '' : ' without TLS',
  ].join('');
  return `${request.caller} ${request.action} ${request.bucket}/${request.key ?? ''}${conditions} (${request.command})`;
}

/**
 * The decision for each distinct request of `requests` that is not `Allowed`, as lines naming
 * the request; an empty list means S3 would allow every one of them in a deployment.
 */
export async function refusedRequests(
  requests: readonly S3Request[],
  policies: AccessPolicies,
  kinds: Readonly<Record<string, BucketKind>>,
): Promise<string[]> {
  const distinct = new Map(requests.map((request) => [describeRequest(request), request]));
  const refused: string[] = [];
  for (const [line, request] of distinct) {
    const decision = await decide(request, policies, kinds);
    if (decision !== 'Allowed') refused.push(`${decision}: ${line}`);
  }
  return refused;
}
