import {
  CHECKS,
  type CellMarks,
  type Check,
  type CheckContext,
  type CheckOutcome,
  type RowState,
  type RunContext,
} from './checks/index.js';
import { PlainTextWatch } from './checks/cell-text.js';
import { layoutHeader } from './checks/header.js';
import {
  CellTooLongError,
  readCsvRecordBatches,
  RecordTooLongError,
  TooManyFieldsError,
  type CsvProblem,
} from './csv-records.js';
import { checkDescriptor, type DatasetDescriptor } from './descriptor.js';
import { locateNearest } from './json-locate.js';
import { IssueList, type Issue, type IssueCode, type Result } from './issue.js';
import { parseJsonDocument } from './json-document.js';
import { checkJsonShape, checkJsonSize, type JsonDocumentLimits } from './json-limits.js';
import { RowSchemaScope, type Column, type Row, type RowSchema } from './row-schema.js';
import { RowValues } from './row-values.js';
import { FileTooLargeError, limitBytes, resolveLimits, SCHEMA_LIMITS } from './limits.js';
import { decodeUtf8Strict, InvalidUtf8Error } from './utf8.js';

export { MAX_ISSUES, MAX_REPORT_BYTES } from './issue.js';

/** The three files of one dataset as the adapter found them; `file` fields are the paths shown to users. */
export interface DatasetSource {
  readonly id: string;
  readonly csv: { readonly file: string; readonly open: () => AsyncIterable<Uint8Array> };
  readonly schema: { readonly file: string; readonly text: string };
  readonly descriptor: { readonly file: string; readonly text: string };
}

/** Everything validation learnt about one dataset: the issues, and the typed rows when there are none. */
export interface DatasetReport {
  readonly id: string;
  readonly valid: boolean;
  /** Data rows read (the header excluded). */
  readonly rows: number;
  /** Data rows with at least one issue; every other row read was accepted. */
  readonly invalidRows: number;
  readonly files: { readonly csv: string; readonly schema: string; readonly descriptor: string };
  readonly issues: readonly Issue[];
  /** True when more issues were found than are listed. */
  readonly truncated: boolean;
  /**
   * How many issues were found in all, when that is more than are listed
   * (`truncated`): the list stops at {@link MAX_ISSUES} issues or
   * {@link MAX_REPORT_BYTES} bytes, whichever comes first.
   */
  readonly issueCount?: number;
  /** What checks state about the dataset beside its issues (a rule held, a known conflict, not checked). */
  readonly checks?: readonly CheckOutcome[];
}

/** What a dataset is, apart from its rows: descriptor, schema and the columns it defines. */
export interface DatasetDefinition {
  readonly id: string;
  readonly descriptor: DatasetDescriptor;
  /** The dataset's JSON Schema as written by the curator. */
  readonly schema: Readonly<Record<string, unknown>>;
  readonly columns: readonly Column[];
}

/** A dataset that passed validation with its rows in memory (small tables and tests). */
export interface ValidDataset extends DatasetDefinition {
  /** Typed rows in file order. */
  readonly rows: readonly Row[];
}

export interface Validation {
  readonly report: DatasetReport;
  /** Present when the report has no issues. */
  readonly definition?: DatasetDefinition;
  /** Present only when the report has no issues and rows were kept. */
  readonly dataset?: ValidDataset;
}

/** How validation hands over rows: kept in memory, streamed to a consumer, or not at all. */
export interface ValidateOptions {
  /** Keep the typed rows and return them as `dataset` (default true, unless `sinkRows` is given). */
  readonly keepRows?: boolean;
  /**
   * Gives the consumer of the rows, once the schema and descriptor are known
   * to be valid. It receives each batch of accepted rows, in file order, as they
   * are read; only when the report ends without issues do they form the
   * dataset's rows (and after the first issue none are handed over).
   */
  readonly sinkRows?: (definition: DatasetDefinition) => RowSink;
  /** What the run shares between datasets, for checks that look beyond one table (see `checks/check.ts`). */
  readonly run?: RunContext;
  /** Told how many data rows have been read so far, after each batch (a progress display). */
  readonly onRows?: (rows: number) => void;
}

/** Takes rows a batch at a time (a spill file, a sorter). */
export interface RowSink {
  add(rows: readonly Row[]): Promise<void>;
}

const SCHEMA_DOCUMENT: JsonDocumentLimits = {
  maxBytes: SCHEMA_LIMITS.maxSchemaBytes,
  maxDepth: SCHEMA_LIMITS.maxDepth,
  maxProperties: SCHEMA_LIMITS.maxProperties,
};
const DESCRIPTOR_DOCUMENT: JsonDocumentLimits = {
  maxBytes: SCHEMA_LIMITS.maxDescriptorBytes,
  maxDepth: SCHEMA_LIMITS.maxDepth,
  maxProperties: SCHEMA_LIMITS.maxProperties,
};

/**
 * Validates one dataset: descriptor and schema first, then the CSV streamed
 * record by record (strict UTF-8, within the dataset's limits) through the
 * checks of `checks/index.ts`, each a rule of its own: header, row shape,
 * cell text, formula prefixes, types and schema constraints, primary key.
 * Every issue is collected, none is thrown.
 *
 * The row schema is compiled in an ajv instance of its own, recorded in
 * `scope` (one per validation run, so that a second dataset reusing an `$id`
 * is told); the descriptor is checked in the pipeline's own instance, which no
 * row schema can reach.
 *
 * With `keepRows: false` (checking only, as `opendata validate` does) no row
 * is kept: memory holds one batch of records and what the checks keep (the
 * previous row's key, or every key of a file out of key order), and no
 * `dataset` is returned.
 */
export async function validateDataset(
  source: DatasetSource,
  scope: RowSchemaScope = new RowSchemaScope(),
  options: ValidateOptions = {},
): Promise<Validation> {
  const keepRows = options.keepRows ?? options.sinkRows === undefined;
  let issues = new IssueList(source.csv.file);
  let outcomes: CheckOutcome[] = [];
  const files = { csv: source.csv.file, schema: source.schema.file, descriptor: source.descriptor.file };
  const report = (rows: number): DatasetReport => ({
    id: source.id,
    valid: issues.count === 0,
    rows,
    invalidRows: issues.invalidRows,
    files,
    issues: issues.items,
    truncated: issues.truncated,
    ...(issues.truncated ? { issueCount: issues.count } : {}),
    ...(outcomes.length > 0 ? { checks: outcomes } : {}),
  });

  const schemaJson = parseLimitedJson(source.schema, 'schema-error', SCHEMA_DOCUMENT);
  const rowSchema = schemaJson.ok ? scope.compile(schemaJson.value, source.schema.file) : schemaJson;
  if (!rowSchema.ok) issues.add(...rowSchema.issues.map((issue) => locatedIn(source.schema, issue)));

  const descriptorJson = parseLimitedJson(source.descriptor, 'descriptor-error', DESCRIPTOR_DOCUMENT);
  const descriptor = descriptorJson.ok
    ? checkDescriptor(
        descriptorJson.value,
        source.id,
        rowSchema.ok ? rowSchema.value.columns : undefined,
        source.descriptor.file,
      )
    : descriptorJson;
  if (!descriptor.ok) issues.add(...descriptor.issues.map((issue) => locatedIn(source.descriptor, issue)));

  if (!rowSchema.ok || !descriptor.ok || !schemaJson.ok) return { report: report(0) };

  const definition: DatasetDefinition = {
    id: source.id,
    descriptor: descriptor.value,
    schema: schemaJson.value as Record<string, unknown>,
    columns: rowSchema.value.columns,
  };
  const read = (rereading: boolean) =>
    readTable(source, definition, rowSchema.value, {
      issues,
      outcomes,
      run: options.run ?? {},
      rereading,
      keepRows,
      sink: options.sinkRows?.(definition),
      onRows: options.onRows,
    });
  let table = await read(false);
  if (table.restart) {
    // A check (the primary key, on a file out of key order) asked for a second reading with fresh checks.
    issues = new IssueList(source.csv.file);
    outcomes = [];
    table = await read(true);
  }
  if (issues.count > 0) return { report: report(table.rowCount) };
  return {
    report: report(table.rowCount),
    definition,
    ...(keepRows ? { dataset: { ...definition, rows: table.rows } } : {}),
  };
}

/** Where one reading of a table sends what it finds, and how it hands rows over. */
interface Reading {
  readonly issues: IssueList;
  readonly outcomes: CheckOutcome[];
  readonly run: RunContext;
  readonly rereading: boolean;
  readonly keepRows: boolean;
  readonly sink: RowSink | undefined;
  readonly onRows: ((rows: number) => void) | undefined;
}

/**
 * Reads the CSV once, calling every check's hooks (see `checks/check.ts`).
 * The reader itself enforces only what stops reading: strict UTF-8, the file
 * size, the number of rows and of fields in a record.
 */
async function readTable(
  source: DatasetSource,
  definition: DatasetDefinition,
  schema: RowSchema,
  reading: Reading,
): Promise<{ rows: Row[]; rowCount: number; restart: boolean }> {
  const { issues, keepRows, sink } = reading;
  const csv = source.csv;
  const limits = resolveLimits(definition.descriptor.limits);
  const rows: Row[] = [];
  let accepted: Row[] = [];
  let restart = false;
  const at = (line: number, column: number, rest: Omit<Issue, 'file' | 'line' | 'column'>): void => {
    issues.add({ file: csv.file, line, column, ...rest });
  };
  const context: CheckContext = {
    id: definition.id,
    file: csv.file,
    descriptorFile: source.descriptor.file,
    descriptor: definition.descriptor,
    columns: definition.columns,
    schema,
    limits,
    run: reading.run,
    rereading: reading.rereading,
    report: (issue) => issues.add(issue),
    at,
    atDescriptor: (pointer, rest) =>
      issues.add(
        locatedIn(source.descriptor, {
          file: source.descriptor.file,
          line: 1,
          column: 1,
          field: pointer,
          ...rest,
        }),
      ),
    issueCount: () => issues.count,
    restart: () => {
      if (!reading.rereading) restart = true;
    },
    record: (outcome) => reading.outcomes.push(outcome),
  };
  const checks: Check[] = [];
  for (const factory of CHECKS) {
    const check = factory(context);
    if (check !== undefined) checks.push(check);
  }
  // Each row goes through the checks that look at rows, called as plain functions: one call site reading a
  // `validateRow` member of ten kinds of check object was a lookup V8 could not cache.
  const rowChecks = checks.flatMap((check) =>
    check.validateRow === undefined ? [] : [check.validateRow.bind(check)],
  );
  let header: readonly string[] | undefined;
  let positions: ReadonlyMap<string, number> = new Map();
  let readRows = false;
  let rowCount = 0;

  let line = 1;
  let readWhole = true;
  const text = new PlainTextWatch();
  try {
    reading: for await (const batch of readCsvRecordBatches(
      decodeUtf8Strict(text.watch(limitBytes(csv.open(), limits.maxFileBytes))),
      // A record with more fields than limits.maxColumns stops reading (TooManyFieldsError): none comes here.
      {
        maxFieldLength: limits.maxFieldLength,
        maxColumns: limits.maxColumns,
        maxRecordLength: limits.maxRecordLength,
      },
    )) {
      for (const record of batch) {
        line = record.line;
        if (header === undefined) {
          header = record.fields;
          issues.headerLine = record.line;
          const layout = layoutHeader(header, definition.columns);
          positions = layout.positions;
          // A ;- or tab-separated file reads as one cell a row, and one that starts with Excel's "sep=" line has
          // its header as a row: the header check says so once, instead of every row.
          readRows = layout.otherSeparator === undefined && !layout.separatorLine;
          const start = { header, line: record.line, problems: record.problems, positions };
          for (const check of checks) await check.validateStart?.(start);
          continue;
        }
        rowCount++;
        if (rowCount > limits.maxRows) {
          at(record.line, 1, {
            code: 'limit-exceeded',
            message: `more than ${limits.maxRows} data rows (limits.maxRows); reading stopped here`,
          });
          rowCount--;
          readWhole = false;
          break reading;
        }
        if (!readRows) continue;
        // The records of a batch come from bytes the watch has seen: `plain` speaks for them.
        const row = new TableRow(record.line, record.fields, record.problems, text.plain, header, positions);
        for (const validateRow of rowChecks) {
          validateRow(row);
          if (restart) break reading;
          if (row.skipped) break;
        }
        const complete = !row.skipped && row.badCells.size === 0;
        if (complete && keepRows) rows.push(row.values);
        // Once an issue is found the rows can never be published: stop handing them over.
        if (complete && sink !== undefined && issues.count === 0) accepted.push(row.values);
      }
      if (accepted.length > 0 && sink !== undefined) {
        await sink.add(accepted);
        accepted = [];
      }
      reading.onRows?.(rowCount);
    }
  } catch (error) {
    readWhole = false;
    if (error instanceof InvalidUtf8Error) {
      // The cell the byte breaks into, once the header is read: a byte in the header names no column.
      const field =
        header === undefined || error.fieldIndex === undefined ? undefined : header[error.fieldIndex];
      at(error.line, error.column, {
        code: 'encoding-error',
        ...(field === undefined ? {} : { field }),
        message: error.message,
      });
    } else if (error instanceof FileTooLargeError) {
      at(line, 1, { code: 'limit-exceeded', message: error.message });
    } else if (error instanceof TooManyFieldsError) {
      at(error.line, error.maxColumns + 1, { code: 'limit-exceeded', message: error.message });
    } else if (error instanceof CellTooLongError || error instanceof RecordTooLongError) {
      const field = header?.[error.fieldIndex];
      at(error.line, error.fieldIndex + 1, {
        code: 'limit-exceeded',
        ...(field === undefined ? {} : { field }),
        message: error.message,
      });
    } else {
      throw error;
    }
  }
  if (!restart) {
    const end = {
      ...(header === undefined ? {} : { header }),
      rows: rowCount,
      readWhole,
      rowsChecked: readRows,
    };
    for (const check of checks) await check.validateEnd?.(end);
  }
  return { rows, rowCount, restart };
}

/** The columns of a row marked bad, made only when the first one is (most rows have none). */
class BadCells implements CellMarks {
  #names: Set<string> | undefined;

  has(name: string): boolean {
    return this.#names !== undefined && this.#names.has(name);
  }

  add(name: string): void {
    (this.#names ??= new Set()).add(name);
  }

  get size(): number {
    return this.#names?.size ?? 0;
  }
}

/** One data row as the checks see it (see {@link RowState}). */
class TableRow implements RowState {
  readonly values = new RowValues();
  readonly badCells = new BadCells();
  skipped = false;

  constructor(
    readonly line: number,
    public fields: readonly string[],
    readonly problems: readonly CsvProblem[],
    readonly plainText: boolean,
    readonly header: readonly string[],
    readonly positions: ReadonlyMap<string, number>,
  ) {}

  cell(name: string): string | undefined {
    const position = this.positions.get(name);
    return position === undefined ? undefined : this.fields[position];
  }

  columnOf(name: string): number {
    const position = this.positions.get(name);
    return position === undefined ? 1 : position + 1;
  }

  skip(): void {
    this.skipped = true;
  }

  reshape(fields: readonly string[]): void {
    this.fields = fields;
  }
}

/**
 * Records in `scope` the `$id`s of the row schema of a dataset a run passes over, as validating it would
 * (see {@link RowSchemaScope.reserve}): the schema read as {@link validateDataset} reads it, and nothing
 * claimed from one that would not compile.
 */
export function reserveRowSchemaIds(source: DatasetSource, scope: RowSchemaScope): void {
  const parsed = parseLimitedJson(source.schema, 'schema-error', SCHEMA_DOCUMENT);
  if (parsed.ok) scope.reserve(parsed.value, source.schema.file);
}

/**
 * An issue about a JSON document's member, pointed at the line where the
 * member is written (the checks of a parsed document know only its pointer).
 */
export function locatedIn(document: { readonly file: string; readonly text: string }, issue: Issue): Issue {
  if (
    issue.file !== document.file ||
    issue.field?.startsWith('/') !== true ||
    issue.line !== 1 ||
    issue.column !== 1
  )
    return issue;
  return { ...issue, ...locateNearest(document.text, issue.field) };
}

/**
 * Parses a schema or descriptor after checking its size, then checks its
 * nesting and object sizes before anything else reads it (see `SCHEMA_LIMITS`).
 */
function parseLimitedJson(
  document: { readonly file: string; readonly text: string },
  code: IssueCode,
  limits: JsonDocumentLimits,
): Result<unknown> {
  const tooLarge = checkJsonSize(document.text, document.file, limits);
  if (tooLarge !== undefined) return { ok: false, issues: [tooLarge] };
  const parsed = parseJsonDocument(document.text, document.file, code);
  if (!parsed.ok) return parsed;
  const misshapen = checkJsonShape(parsed.value, document.file, limits);
  return misshapen === undefined ? parsed : { ok: false, issues: [misshapen] };
}
