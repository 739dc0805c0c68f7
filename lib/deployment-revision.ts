import { createHash } from 'node:crypto';

/**
 * Identifies what a deployment delivered: the curated sources and the code of
 * the functions. The run after deployment is keyed on it, so it happens after
 * every deployment that changes either (new data, or new renderers to apply).
 */
export function deploymentRevision(sourceRevision: string, functionCode: readonly unknown[]): string {
  // functionCode: each function's code asset key (its content hash).
  return createHash('sha256')
    .update(JSON.stringify([sourceRevision, functionCode]))
    .digest('hex')
    .slice(0, 32);
}
