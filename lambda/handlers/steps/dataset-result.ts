import type { StagedVersion } from '../../core/catalog.js';
import type { Issue } from '../../core/issue.js';

/** At most this many issues travel in a rejected result (the state's payload is limited to 256 KiB). */
export const MAX_RESULT_ISSUES = 20;

/**
 * What validate-and-publish returns for one dataset, one item of the Map
 * state's output. `failed` is made by the state machine when the step itself
 * failed after its retries (see `lib/publishing-workflow.ts`).
 */
export type DatasetResult =
  | { readonly id: string; readonly status: 'staged'; readonly staged: StagedVersion }
  | { readonly id: string; readonly status: 'unchanged'; readonly version: string }
  | {
      readonly id: string;
      readonly status: 'rejected';
      /** How many issues were found in all. */
      readonly issueCount: number;
      /** The first {@link MAX_RESULT_ISSUES} of them. */
      readonly issues: readonly Issue[];
      /** The file the CSV came from, e.g. `incoming/trade.csv` for a curator's upload. */
      readonly csv: string;
    }
  | { readonly id: string; readonly status: 'failed'; readonly error: string; readonly cause?: string };

/** An event a step cannot act on (a bug in the state machine or a hand-started run). */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
}
