import { Validations, type Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { acknowledgeFinding } from './nag-findings.js';

/** cdk-nag's name for the managed policy CDK attaches to its own functions' roles. */
const BASIC_EXECUTION_ROLE =
  'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

/**
 * A singleton function CDK adds to a stack for one of its own custom
 * resources, found by its fixed construct id (or id prefix).
 */
export interface CdkProvidedFunction {
  readonly idPrefix: string;
  /** What it does for this app, quoted in every reason. */
  readonly does: string;
  /** Its IAM5 wildcard findings and why each is accepted. */
  readonly wildcards?: Readonly<Record<string, string>>;
  /** True when cdk-nag flags its runtime (CDK pins it). */
  readonly pinnedRuntime?: boolean;
}

/**
 * Acknowledges the findings on CDK's own custom-resource functions in
 * `stack`: their code, runtime and roles are CDK's, not ours. Call after the
 * construct that makes CDK add the function.
 */
export function acknowledgeCdkProvidedFunction(stack: Stack, provider: CdkProvidedFunction): void {
  const found = stack.node.children.filter((child) => child.node.id.startsWith(provider.idPrefix));
  if (found.length === 0)
    throw new Error(
      `no CDK-provided function with an id starting "${provider.idPrefix}" in ${stack.stackName}`,
    );
  for (const construct of found) acknowledgeProvider(construct, provider);
}

function acknowledgeProvider(construct: IConstruct, provider: CdkProvidedFunction): void {
  acknowledgeFinding(
    construct,
    'IAM4',
    BASIC_EXECUTION_ROLE,
    `CDK-provided function (${provider.does}): CDK attaches AWSLambdaBasicExecutionRole, which only lets it write its own logs, and offers no way to replace it.`,
  );
  for (const [finding, reason] of Object.entries(provider.wildcards ?? {}))
    acknowledgeFinding(construct, 'IAM5', finding, `CDK-provided function (${provider.does}): ${reason}`);
  if (provider.pinnedRuntime === true) {
    Validations.of(construct).acknowledge({
      id: 'AwsSolutions-L1',
      reason: `CDK-provided function (${provider.does}): its runtime is pinned by aws-cdk-lib and moves forward when aws-cdk-lib is upgraded.`,
    });
  }
}
