import type { CellValue } from '../coerce.js';
import type { CsvProblem } from '../csv-records.js';
import type { DatasetDescriptor } from '../descriptor.js';
import type { Issue } from '../issue.js';
import type { DatasetLimits } from '../limits.js';
import type { DatasetResolver } from '../referenced-datasets.js';
import type { Column, RowSchema } from '../row-schema.js';
import type { SourceTexts } from '../source-texts.js';

/**
 * The contract every validation rule follows, in the shape of Frictionless's
 * `Check` (`validate_start`, `validate_row`, `validate_end`). `validate.ts`
 * reads the CSV and calls the checks of `checks/index.ts` in their order:
 *
 * 1. each check's factory once per table, with the {@link CheckContext}
 *    (the dataset's descriptor and columns, its limits, and the run's
 *    {@link RunContext}); a factory returns `undefined` when its rule does not
 *    apply to the dataset (no `unique` column, no foreign key declared);
 * 2. `validateStart` once the header row is read (async: the place to load
 *    what the rule compares against, such as another dataset's keys);
 * 3. `validateRow` for every data row, in file order, synchronously;
 * 4. `validateEnd` after the last row (async), also for a file without a
 *    header (then `validateStart` was never called).
 *
 * A check reports through `context.report`/`context.at`, never throws for bad
 * data, and keeps memory bounded: nothing per row unless its rule needs it.
 * Adding a rule is one module exporting a {@link CheckFactory}, listed in
 * `checks/index.ts`.
 */
export interface Check {
  validateStart?(table: TableStart): void | Promise<void>;
  validateRow?(row: RowState): void;
  validateEnd?(table: TableEnd): void | Promise<void>;
}

/** Builds a table's check, or `undefined` when the rule does not apply to this dataset. */
export type CheckFactory = (context: CheckContext) => Check | undefined;

/**
 * What one validation run shares between its datasets: what a check needs
 * beyond the dataset it is checking. The CLI's pipeline and the Lambda's
 * validate step each supply it from where they read sources. A check that
 * needs something new adds an optional member here and says what it does
 * when the member is absent (for example, record a `not-checked` outcome).
 */
export interface RunContext {
  /**
   * The other datasets foreign keys and rules refer to; absent: references to
   * other datasets are recorded as not checked (references within the
   * dataset itself are checked all the same).
   */
  readonly datasets?: DatasetResolver;
  /**
   * The source texts quotes are checked against (the provenance check);
   * absent: provenance is recorded as not checked.
   */
  readonly sourceTexts?: SourceTexts;
}

/** How a check sees the table it is checking, for the whole run of the table. */
export interface CheckContext {
  readonly id: string;
  /** The CSV as users name it (`data/trade.csv`). */
  readonly file: string;
  /** The descriptor as users name it (`data/trade.dataset.json`). */
  readonly descriptorFile: string;
  readonly descriptor: DatasetDescriptor;
  readonly columns: readonly Column[];
  readonly schema: RowSchema;
  readonly limits: DatasetLimits;
  readonly run: RunContext;
  /**
   * True on the second reading of a table (see {@link restart}); the issues
   * of the first reading were dropped.
   */
  readonly rereading: boolean;
  /** Adds an issue to the dataset's report (which caps and counts them). */
  report(issue: Issue): void;
  /** Adds an issue at `line` and `column` of the CSV. */
  at(line: number, column: number, rest: IssueDetails): void;
  /** Adds an issue about the descriptor's member at `pointer`, located at the line it is written on. */
  atDescriptor(pointer: string, rest: Omit<IssueDetails, 'field'>): void;
  /** How many issues the table has so far, from every check. */
  issueCount(): number;
  /**
   * Asks for the table to be read again from its first line with new checks
   * and no issues, `rereading` true (once: a second request is ignored). The
   * primary-key check asks for it when a file turns out not to be in key
   * order, to remember every key instead of only the previous row's. The
   * current row is the last one of the first reading.
   */
  restart(): void;
  /** Records the outcome of a check in the report (`checks` in validation.json). */
  record(outcome: CheckOutcome): void;
}

/** An issue without the place it is in, which {@link CheckContext.at} adds. */
export type IssueDetails = Omit<Issue, 'file' | 'line' | 'column'>;

/**
 * What a check states about the dataset as a whole, beside its issues: that a
 * declared rule held, failed as a known conflict of the source, or could not
 * be checked (and why). Listed in the report's `checks`.
 */
export interface CheckOutcome {
  /** The check's name (`rule`, `foreign-key`, `provenance`, …). */
  readonly check: string;
  /** What it was about, when the check has several (a rule's id). */
  readonly subject?: string;
  readonly status: 'passed' | 'failed' | 'conflict' | 'not-checked';
  readonly message: string;
}

/** The table once its header is read. */
export interface TableStart {
  readonly header: readonly string[];
  readonly line: number;
  /** Quoting problems in the header record. */
  readonly problems: readonly CsvProblem[];
  /** Where each schema column's cells are in a record (0-based), for the columns the header has. */
  readonly positions: ReadonlyMap<string, number>;
}

/** The table once read. */
export interface TableEnd {
  /** Absent when the file had no header row (it was empty, or unreadable from its first line). */
  readonly header?: readonly string[];
  /** Data rows read. */
  readonly rows: number;
  /** False when reading stopped before the end of the file (an encoding error, a limit, a record too wide). */
  readonly readWhole: boolean;
  /**
   * False when the header showed that no row reads as cells (a ;- or tab-separated file, or one that starts
   * with Excel's "sep=" line): the header check said so once, and no row was handed to the checks.
   */
  readonly rowsChecked: boolean;
}

/**
 * One data row as the checks before this one left it. Checks run in the
 * order of `checks/index.ts`: the cells check fills `values`, so checks after
 * it read typed values.
 */
export interface RowState {
  readonly line: number;
  /** The record's cells, as read. */
  readonly fields: readonly string[];
  /** Quoting problems the CSV reader found in the record. */
  readonly problems: readonly CsvProblem[];
  /**
   * True when every byte of the file read up to this record is ASCII and none is a control character
   * other than tab, line feed and carriage return (see `PlainTextWatch`): then no cell of the row holds
   * a character the cell-text check refuses.
   */
  readonly plainText: boolean;
  /** The header of the table, for naming cells by position. */
  readonly header: readonly string[];
  /** The raw cell of a schema column, or `undefined` when the row has no cell for it. */
  cell(name: string): string | undefined;
  /** The 1-based column of a schema column's cell in the file (where an issue about it points). */
  columnOf(name: string): number;
  /** Typed values of the accepted cells, by column name; an empty cell is a missing key. */
  readonly values: Record<string, CellValue>;
  /** Columns whose cell has an issue already: later checks leave them alone. */
  readonly badCells: CellMarks;
  /** True once a check has decided that the row is not checked further (a blank row, a quoting error). */
  readonly skipped: boolean;
  /** Stops the checks after this one from looking at the row; it is not published either. */
  skip(): void;
  /**
   * Replaces the record's cells for the checks after this one, when a check
   * knows how the record was misread (the row-shape check joins a number
   * that an unquoted decimal comma split in two).
   */
  reshape(fields: readonly string[]): void;
}

/** A set of column names, as {@link RowState.badCells} holds them (most rows have none). */
export interface CellMarks {
  has(name: string): boolean;
  add(name: string): void;
  readonly size: number;
}
