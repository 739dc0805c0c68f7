import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * How cdk-nag names a resource in a finding id (`AwsSolutions-IAM5[Resource::…]`):
 * `Fn::GetAtt` as `<LogicalId.Attr>`, `Ref` as `<LogicalId>`, `Fn::ImportValue` as the
 * export name, `Fn::Join` joined, `Fn::Sub` placeholders as `<…>`. Mirrors cdk-nag's
 * own flattening so that an acknowledgement names exactly one finding.
 */
export function nagResourceName(resolved: unknown): string {
  if (typeof resolved === 'string') return resolved.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof resolved === 'object' && resolved !== null) {
    const node = resolved as Record<string, unknown>;
    const join = node['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1]))
      return (join[1] as unknown[]).map(nagResourceName).join(join[0]);
    if ('Fn::Sub' in node) return nagResourceName(node['Fn::Sub']);
    const getAtt = node['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${nagResourceName(getAtt[0])}.${nagResourceName(getAtt[1])}>`;
    if ('Fn::ImportValue' in node) return nagResourceName(node['Fn::ImportValue']);
    if ('Ref' in node) return `<${nagResourceName(node.Ref)}>`;
  }
  return JSON.stringify(resolved);
}

/** The cdk-nag name of an ARN (or other reference) as seen from `scope`'s stack. */
export function nagNameOf(scope: IConstruct, reference: string): string {
  return nagResourceName(Stack.of(scope).resolve(reference));
}

/**
 * Acknowledges one cdk-nag finding (`AwsSolutions-IAM5[Action::s3:List*]`) on
 * `scope` and everything under it. One finding per call: acknowledging a rule
 * as a whole would also hide any wildcard added later.
 */
export function acknowledgeFinding(scope: IConstruct, rule: string, finding: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-${rule}[${finding}]`, reason });
}
