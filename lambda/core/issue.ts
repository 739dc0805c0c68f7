/**
 * Validation findings as plain data, modelled on Frictionless error codes so
 * that a user can search for them.
 */
export type IssueCode =
  | 'encoding-error'
  | 'parse-error'
  | 'blank-header'
  | 'duplicate-header'
  | 'missing-header'
  | 'extra-header'
  | 'header-order'
  | 'blank-row'
  | 'missing-cell'
  | 'extra-cell'
  | 'type-error'
  | 'constraint-error'
  | 'primary-key'
  | 'limit-exceeded'
  | 'control-character'
  | 'formula-prefix'
  | 'schema-error'
  | 'descriptor-error'
  | 'file-missing'
  | 'invalid-id';

/**
 * One problem found in a dataset's files. `line` and `column` are 1-based and
 * point into `file`; `line` is 0 where the problem concerns the whole file.
 */
export interface Issue {
  readonly code: IssueCode;
  /** Path of the file the issue is in, as the user named it (e.g. `data/trade.csv`). */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The column (CSV) or JSON pointer (descriptor, schema) concerned, if any. */
  readonly field?: string;
  /** The offending raw value, if any, truncated for display. */
  readonly value?: string;
  readonly message: string;
}

const MAX_VALUE_LENGTH = 80;

/** Shortens a raw value for reports so a 10 MB cell does not become a 10 MB message. */
export function displayValue(raw: string): string {
  return raw.length <= MAX_VALUE_LENGTH ? raw : `${raw.slice(0, MAX_VALUE_LENGTH)}… (${raw.length} chars)`;
}

/** `data/trade.csv:14:3: [type-error] value_musd: "12,5" is not a number` */
export function formatIssue(issue: Issue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  const field = issue.field === undefined ? '' : `${issue.field}: `;
  return `${where}: [${issue.code}] ${field}${issue.message}`;
}

/** A value that is either valid or comes with the issues that make it invalid. */
export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly Issue[] };
