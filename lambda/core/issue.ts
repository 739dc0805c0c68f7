import { oneLine } from './errors.js';

/**
 * Every code an issue can carry, modelled on Frictionless error codes so that
 * a user can search for them. This list is the one place they are declared:
 * `schemas/validation-report.schema.json` lists the same codes, and a test
 * keeps the two equal.
 */
export const ISSUE_CODES = [
  'encoding-error',
  'parse-error',
  'blank-header',
  'duplicate-header',
  'missing-header',
  'extra-header',
  'header-order',
  'incorrect-header',
  'blank-row',
  'missing-cell',
  'extra-cell',
  'type-error',
  'constraint-error',
  'primary-key',
  'unique-error',
  'foreign-key',
  'rule-error',
  'limit-exceeded',
  'control-character',
  'formula-prefix',
  'quote-not-in-source',
  'value-not-in-quote',
  'schema-error',
  'descriptor-error',
  'file-missing',
  'invalid-id',
] as const;

/** One of {@link ISSUE_CODES}. */
export type IssueCode = (typeof ISSUE_CODES)[number];

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

/** Longest raw value kept in an issue's `value`, in characters. */
const MAX_VALUE_LENGTH = 80;
/** Longest `field` (a column name or JSON pointer), in characters. */
export const MAX_FIELD_CHARS = 200;
/** Longest message, in characters: long enough for any explanation, short enough that 1,000 stay small. */
export const MAX_MESSAGE_CHARS = 500;
/** How many values of a list (an `enum`, the expected columns) a message quotes before "and N more". */
const LISTED_VALUES = 5;

/** Shortens a raw value for reports so a 10 MB cell does not become a 10 MB message. */
export function displayValue(raw: string): string {
  return cut(raw, MAX_VALUE_LENGTH);
}

/**
 * Quotes the first few of `values` as JSON and counts the rest, so that a
 * 100,000-value `enum` costs a message a few dozen characters:
 * `"a", "b", "c", "d", "e" and 99995 more`.
 */
export function summarizeValues(values: readonly unknown[]): string {
  const shown = values
    .slice(0, LISTED_VALUES)
    .map((value) => (typeof value === 'string' ? JSON.stringify(displayValue(value)) : displayJson(value)));
  const rest = values.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(', ');
}

/** The same issue with its message, field and value cut to their limits (each cut says its full length). */
export function boundIssue(issue: Issue): Issue {
  const message = cut(issue.message, MAX_MESSAGE_CHARS);
  const field = issue.field === undefined ? undefined : cut(issue.field, MAX_FIELD_CHARS);
  const value = issue.value === undefined ? undefined : displayValue(issue.value);
  if (message === issue.message && field === issue.field && value === issue.value) return issue;
  return {
    ...issue,
    message,
    ...(field === undefined ? {} : { field }),
    ...(value === undefined ? {} : { value }),
  };
}

/**
 * `data/trade.csv:14:3: [type-error] value_musd: "12,5" is not a number`, on
 * one line: line breaks, control and bidirectional characters that came from
 * the input are shown as escapes, so a column name cannot rewrite a terminal.
 */
export function formatIssue(issue: Issue): string {
  // Line 0 is the whole file (a file missing, a name it may not have): no place in it to point at.
  const where = issue.line === 0 ? issue.file : `${issue.file}:${issue.line}:${issue.column}`;
  // The pointer "" (a JSON document as a whole) names nothing the file and place do not.
  const field = issue.field === undefined || issue.field === '' ? '' : `${issue.field}: `;
  return oneLine(`${where}: [${issue.code}] ${field}${issue.message}`);
}

/** `text` itself when short enough, else its first `max` characters, an ellipsis and its full length. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never end on the first half of a surrogate pair: the cut text must stay valid UTF-16.
  const end = isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end)}… (${text.length} chars)`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function displayJson(value: unknown): string {
  return cut(JSON.stringify(value) ?? String(value), MAX_VALUE_LENGTH);
}

/** A value that is either valid or comes with the issues that make it invalid. */
export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly Issue[] };

/** Reports list at most this many issues per dataset; the rest are counted as truncated. */
export const MAX_ISSUES = 1000;

/**
 * The issues a report lists take at most this many bytes as JSON; the rest
 * are counted. With every message, field and value already cut to its limit
 * (`boundIssue`), 1,000 issues would fit in about a megabyte; this keeps a
 * report, and what the CLI prints for it, well below.
 */
export const MAX_REPORT_BYTES = 256 * 1024;

/**
 * Collects issues up to {@link MAX_ISSUES} and {@link MAX_REPORT_BYTES}, each
 * cut to its limits (`boundIssue`), counting the rest, and counts the data
 * rows (lines after `headerLine`) that have an issue. Memory stays the same
 * however many issues a file has.
 */
export class IssueList {
  readonly items: Issue[] = [];
  /** Issues found, listed or not. */
  count = 0;
  /** Data rows with an issue (counted even past the list's limits). */
  invalidRows = 0;
  /** The line of the CSV header: issues on later lines of the CSV are about data rows. */
  headerLine = Number.POSITIVE_INFINITY;
  /** The CSV the rows are read from; issues in other files are not about rows. */
  readonly rowFile: string | undefined;
  #bytes = 0;
  #full = false;
  #lastRowLine = 0;

  constructor(rowFile?: string) {
    this.rowFile = rowFile;
  }

  get truncated(): boolean {
    return this.count > this.items.length;
  }

  add(...issues: Issue[]): void {
    for (const issue of issues) {
      this.count++;
      // Rows are read in order and each row's issues are added together, so a later line is a new row. An
      // issue found at the end of the table about an earlier row (a sum rule) is not counted a second time.
      if (issue.file === this.rowFile && issue.line > this.headerLine && issue.line > this.#lastRowLine) {
        this.invalidRows++;
        this.#lastRowLine = issue.line;
      }
      if (this.#full) continue;
      const bounded = boundIssue(issue);
      const bytes = utf8Bytes(JSON.stringify(bounded)) + 1;
      if (this.items.length >= MAX_ISSUES || this.#bytes + bytes > MAX_REPORT_BYTES) {
        // Later issues are only counted: the first ones are the ones a curator fixes first.
        this.#full = true;
        continue;
      }
      this.items.push(bounded);
      this.#bytes += bytes;
    }
  }
}

function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}
