import type { StagedVersion } from '../../core/catalog.js';
import { OpenDataError } from '../../core/errors.js';
import { boundIssue, type Issue } from '../../core/issue.js';

/** At most this many issues travel in a rejected result. */
export const MAX_RESULT_ISSUES = 20;

/**
 * A rejected result takes at most this many bytes as JSON. The Map state's
 * whole output (one result per dataset) must stay under Step Functions' 256 KiB
 * payload limit, so one dataset may use only a slice of it; the full report is
 * in the step's log and in `opendata validate`.
 */
export const MAX_RESULT_BYTES = 32 * 1024;

/**
 * What validate-and-publish returns for one dataset, one item of the Map
 * state's output. `failed` is made by the state machine when the step itself
 * failed after its retries (see `lib/publishing-workflow.ts`).
 */
export type DatasetResult =
  | { readonly id: string; readonly status: 'staged'; readonly staged: StagedVersion }
  | { readonly id: string; readonly status: 'unchanged'; readonly version: string }
  | RejectedResult
  | { readonly id: string; readonly status: 'failed'; readonly error: string; readonly cause?: string };

/** A dataset that did not validate: the first of its issues, and how many were left out. */
export interface RejectedResult {
  readonly id: string;
  readonly status: 'rejected';
  /** How many issues were found in all. */
  readonly issueCount: number;
  /**
   * The first of them, each cut to its limits: at most {@link MAX_RESULT_ISSUES},
   * and only as many as keep the result within {@link MAX_RESULT_BYTES}.
   */
  readonly issues: readonly Issue[];
  /** Issues found but not listed (`issueCount` minus those listed). */
  readonly omittedIssues: number;
  /** The file the CSV came from, e.g. `incoming/trade.csv` for a curator's upload. */
  readonly csv: string;
}

/**
 * Builds the result of a rejected dataset from its issues (the first ones
 * found) and how many were found in all, listing as many as fit in
 * {@link MAX_RESULT_BYTES}.
 */
export function rejectedResult(
  id: string,
  csv: string,
  issues: readonly Issue[],
  issueCount: number,
): RejectedResult {
  const total = Math.max(issueCount, issues.length);
  const listed: Issue[] = [];
  // The result without issues, then each issue's JSON and its comma: exact to within a digit of omittedIssues.
  let bytes = utf8Bytes(
    JSON.stringify({ id, status: 'rejected', issueCount: total, issues: [], omittedIssues: total, csv }),
  );
  for (const issue of issues.slice(0, MAX_RESULT_ISSUES)) {
    const bounded = boundIssue(issue);
    const more = utf8Bytes(JSON.stringify(bounded)) + 1;
    if (bytes + more > MAX_RESULT_BYTES) break;
    listed.push(bounded);
    bytes += more;
  }
  return {
    id,
    status: 'rejected',
    issueCount: total,
    issues: listed,
    omittedIssues: total - listed.length,
    csv,
  };
}

function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}

/** An event a step cannot act on (a bug in the state machine or a hand-started run). */
export class InvalidEventError extends OpenDataError {
  override readonly name = 'InvalidEventError';
  readonly code = 'invalid-event';
}
