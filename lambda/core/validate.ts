import { compareKeys } from './canonical.js';
import { coerceCell } from './coerce.js';
import { readCsvRecordBatches } from './csv-records.js';
import { checkDescriptor, type DatasetDescriptor } from './descriptor.js';
import {
  boundIssue,
  displayValue,
  summarizeValues,
  type Issue,
  type IssueCode,
  type Result,
} from './issue.js';
import { parseJsonDocument } from './json-document.js';
import { checkJsonShape, checkJsonSize, type JsonDocumentLimits } from './json-limits.js';
import { columnOfError, RowSchemaScope, type Column, type Row, type RowSchema } from './row-schema.js';
import { FORMULA_PREFIX } from './formula.js';
import { FileTooLargeError, limitBytes, resolveLimits, SCHEMA_LIMITS, type DatasetLimits } from './limits.js';
import { columnNameProblem, describeCharacter, forbiddenCharacter } from './text-rules.js';
import { decodeUtf8Strict, InvalidUtf8Error } from './utf8.js';

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
}

/** Takes rows a batch at a time (a spill file, a sorter). */
export interface RowSink {
  add(rows: readonly Row[]): Promise<void>;
}

/** Reports list at most this many issues per dataset; the rest are counted as truncated. */
export const MAX_ISSUES = 1000;

/**
 * The issues a report lists take at most this many bytes as JSON; the rest
 * are counted. With every message, field and value already cut to its limit
 * (`boundIssue`), 1,000 issues would fit in about a megabyte; this keeps a
 * report, and what the CLI prints for it, well below.
 */
export const MAX_REPORT_BYTES = 256 * 1024;

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
 * record by record — strict UTF-8, header against the schema, each cell
 * coerced by its column type, each row against the compiled schema, and
 * primary-key uniqueness. Every issue is collected, none is thrown.
 *
 * The row schema is compiled in an ajv instance of its own, recorded in
 * `scope` (one per validation run, so that a second dataset reusing an `$id`
 * is told); the descriptor is checked in the pipeline's own instance, which no
 * row schema can reach.
 *
 * With `keepRows: false` (checking only, as `opendata validate` does) no row
 * is kept: memory holds one batch of records and the primary keys seen, and
 * no `dataset` is returned.
 */
export async function validateDataset(
  source: DatasetSource,
  scope: RowSchemaScope = new RowSchemaScope(),
  options: ValidateOptions = {},
): Promise<Validation> {
  const keepRows = options.keepRows ?? options.sinkRows === undefined;
  let issues = new IssueList();
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
  });

  const schemaJson = parseLimitedJson(source.schema, 'schema-error', SCHEMA_DOCUMENT);
  const rowSchema = schemaJson.ok ? scope.compile(schemaJson.value, source.schema.file) : schemaJson;
  if (!rowSchema.ok) issues.add(...rowSchema.issues);

  const descriptorJson = parseLimitedJson(source.descriptor, 'descriptor-error', DESCRIPTOR_DOCUMENT);
  const descriptor = descriptorJson.ok
    ? checkDescriptor(
        descriptorJson.value,
        source.id,
        rowSchema.ok ? rowSchema.value.columns : undefined,
        source.descriptor.file,
      )
    : descriptorJson;
  if (!descriptor.ok) issues.add(...descriptor.issues);

  if (!rowSchema.ok || !descriptor.ok || !schemaJson.ok) return { report: report(0) };

  const definition: DatasetDefinition = {
    id: source.id,
    descriptor: descriptor.value,
    schema: schemaJson.value as Record<string, unknown>,
    columns: rowSchema.value.columns,
  };
  const limits = resolveLimits(descriptor.value.limits);
  const read = (keyOrder: KeyOrder) =>
    readTable(
      source.csv,
      rowSchema.value,
      descriptor.value.primaryKey,
      limits,
      issues,
      keepRows,
      options.sinkRows?.(definition),
      keyOrder,
    );
  // Files in key order (the usual case) are checked for repeated keys against the previous row alone, so no
  // key is kept; a file found out of order is read again from the start, remembering every key.
  let table = await read('ordered');
  if (table.outOfOrder) {
    issues = new IssueList();
    table = await read('any');
  }
  if (issues.count > 0) return { report: report(table.rowCount) };
  return {
    report: report(table.rowCount),
    definition,
    ...(keepRows ? { dataset: { ...definition, rows: table.rows } } : {}),
  };
}

async function readTable(
  csv: DatasetSource['csv'],
  schema: RowSchema,
  primaryKey: readonly string[],
  limits: DatasetLimits,
  issues: IssueList,
  keepRows: boolean,
  sink: RowSink | undefined,
  keyOrder: KeyOrder,
): Promise<{ rows: Row[]; rowCount: number; outOfOrder: boolean }> {
  const rows: Row[] = [];
  let accepted: Row[] = [];
  const keyLines = new Map<string, number>();
  let last: { key: unknown[]; line: number } | undefined;
  let outOfOrder = false;
  let header: readonly string[] | undefined;
  let rowCount = 0;
  const at = (line: number, column: number, rest: Omit<Issue, 'file' | 'line' | 'column'>): Issue => ({
    file: csv.file,
    line,
    column,
    ...rest,
  });

  let line = 1;
  try {
    reading: for await (const batch of readCsvRecordBatches(
      decodeUtf8Strict(limitBytes(csv.open(), limits.maxFileBytes)),
    )) {
      for (const record of batch) {
        line = record.line;
        if (record.fields.length > limits.maxColumns) {
          issues.add(
            at(record.line, limits.maxColumns + 1, {
              code: 'limit-exceeded',
              message: `record has ${record.fields.length} fields, more than the limit of ${limits.maxColumns} (limits.maxColumns)`,
            }),
          );
          if (header === undefined) break reading; // without a usable header no row can be read
          rowCount++;
          continue;
        }
        if (header === undefined) {
          header = record.fields;
          issues.headerLine = record.line;
          issues.add(
            ...checkHeaderCells(record.fields, limits).map((issue) => at(record.line, issue.column, issue)),
          );
          const headerIssues = checkHeader(record.fields, schema.columns).map((issue) =>
            at(record.line, issue.column, issue),
          );
          issues.add(...headerIssues);
          for (const problem of record.problems) {
            issues.add(
              at(record.line, problem.fieldIndex + 1, { code: 'parse-error', message: problem.message }),
            );
          }
          continue;
        }
        rowCount++;
        if (rowCount > limits.maxRows) {
          issues.add(
            at(record.line, 1, {
              code: 'limit-exceeded',
              message: `more than ${limits.maxRows} data rows (limits.maxRows); reading stopped here`,
            }),
          );
          rowCount--;
          break reading;
        }
        if (issues.headerBroken) continue; // column positions are unknown: fix the header first
        const read = readRow(record.line, record.fields, record.problems, header, schema, limits, at, issues);
        if (read === undefined) continue;
        const { row, complete } = read;
        // A row with a bad cell elsewhere still claims its key, so a later duplicate is reported too.
        if (primaryKey.some((name) => row[name] === undefined)) continue;
        let firstLine: number | undefined;
        if (keyOrder === 'ordered') {
          const key = primaryKey.map((name) => row[name]);
          const order = last === undefined ? 1 : compareKeys(key, last.key);
          if (order < 0) {
            outOfOrder = true;
            break reading;
          }
          if (order === 0) firstLine = last?.line;
          else last = { key, line: record.line };
        } else {
          const key = JSON.stringify(primaryKey.map((name) => row[name]));
          firstLine = keyLines.get(key);
          if (firstLine === undefined) keyLines.set(key, record.line);
        }
        if (firstLine !== undefined) {
          const keyText = primaryKey.map((name) => `${name}=${String(row[name])}`).join(', ');
          issues.add(
            at(record.line, header.indexOf(primaryKey[0] ?? '') + 1, {
              code: 'primary-key',
              field: primaryKey.join('+'),
              value: displayValue(keyText),
              message: `primary key ${keyText} repeats the row on line ${firstLine}`,
            }),
          );
        }
        if (complete && keepRows) rows.push(row);
        // Once an issue is found the rows can never be published: stop handing them over.
        if (complete && sink !== undefined && issues.count === 0) accepted.push(row);
      }
      if (accepted.length > 0 && sink !== undefined) {
        await sink.add(accepted);
        accepted = [];
      }
    }
  } catch (error) {
    if (error instanceof InvalidUtf8Error) {
      issues.add(at(error.line, error.column, { code: 'encoding-error', message: error.message }));
    } else if (error instanceof FileTooLargeError) {
      issues.add(at(line, 1, { code: 'limit-exceeded', message: error.message }));
    } else {
      throw error;
    }
  }
  if (header === undefined && issues.count === 0) {
    const expected = schema.columns.map((column) => column.name);
    issues.add(
      at(1, 1, {
        code: 'missing-header',
        message: `the file is empty: expected a header row of the columns ${summarizeValues(expected)}`,
      }),
    );
  }
  return { rows, rowCount, outOfOrder };
}

/** Whether the rows may be assumed in primary-key order until one shows otherwise. */
type KeyOrder = 'ordered' | 'any';

/** Compares the header with the schema's columns; each problem names the column and where it is. */
function checkHeader(header: readonly string[], columns: readonly Column[]): Omit<Issue, 'file' | 'line'>[] {
  const problems: Omit<Issue, 'file' | 'line'>[] = [];
  const expected = columns.map((column) => column.name);
  const seen = new Map<string, number>();
  header.forEach((name, index) => {
    const column = index + 1;
    if (name.trim() === '') {
      problems.push({ code: 'blank-header', column, message: `header cell ${column} is blank` });
      return;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push({
        code: 'duplicate-header',
        column,
        field: name,
        message: `repeats the header of column ${first}`,
      });
      return;
    }
    seen.set(name, column);
    if (!expected.includes(name)) {
      problems.push({
        code: 'extra-header',
        column,
        field: name,
        message: `is not a column of the schema (expected one of: ${summarizeValues(expected)})`,
      });
    }
  });
  expected.forEach((name, index) => {
    if (!seen.has(name)) {
      problems.push({
        code: 'missing-header',
        column: index + 1,
        field: name,
        message: `column is missing from the header (expected at position ${index + 1})`,
      });
    }
  });
  if (problems.length === 0) {
    const moved = expected.findIndex((name, index) => header[index] !== name);
    if (moved !== -1) {
      const name = expected[moved] ?? '';
      problems.push({
        code: 'header-order',
        column: seen.get(name) ?? 0,
        field: name,
        message: `is in position ${seen.get(name)} but the schema puts it at ${moved + 1} (expected order: ${summarizeValues(expected)})`,
      });
    }
  }
  return problems;
}

function readRow(
  line: number,
  fields: readonly string[],
  problems: readonly { fieldIndex: number; message: string }[],
  header: readonly string[],
  schema: RowSchema,
  limits: DatasetLimits,
  at: (line: number, column: number, rest: Omit<Issue, 'file' | 'line' | 'column'>) => Issue,
  issues: IssueList,
): { row: Row; complete: boolean } | undefined {
  if (problems.length > 0) {
    for (const problem of problems) {
      issues.add(
        at(line, problem.fieldIndex + 1, {
          code: 'parse-error',
          field: header[problem.fieldIndex],
          message: problem.message,
        }),
      );
    }
    return undefined;
  }
  if (fields.length === 1 && fields[0] === '' && header.length > 1) {
    issues.add(at(line, 1, { code: 'blank-row', message: 'blank line: remove it or fill in the row' }));
    return undefined;
  }
  if (fields.length < header.length) {
    const column = fields.length + 1;
    issues.add(
      at(line, column, {
        code: 'missing-cell',
        field: header[fields.length],
        message: `row has ${fields.length} cells but the header has ${header.length}`,
      }),
    );
    return undefined;
  }
  if (fields.length > header.length) {
    issues.add(
      at(line, header.length + 1, {
        code: 'extra-cell',
        value: displayValue(fields[header.length] ?? ''),
        message: `row has ${fields.length} cells but the header has ${header.length}`,
      }),
    );
    return undefined;
  }
  // A prototype-free object: a column named __proto__ or constructor is just a column.
  const row = Object.create(null) as Record<string, string | number | boolean>;
  const badCells = new Set<string>();
  for (const issue of checkCells(fields, limits)) {
    const name = header[issue.column - 1] ?? '';
    badCells.add(name);
    issues.add(at(line, issue.column, { ...issue, field: name }));
  }
  schema.columns.forEach((column, index) => {
    if (badCells.has(column.name)) return;
    const raw = fields[index] ?? '';
    const cell = coerceCell(raw, column.type);
    if (cell.kind === 'value') {
      if (column.type === 'string' && FORMULA_PREFIX.test(raw) && column.schema.allowFormulaPrefix !== true) {
        badCells.add(column.name);
        issues.add(
          at(line, index + 1, {
            code: 'formula-prefix',
            field: column.name,
            value: displayValue(raw),
            message: `text starts with ${JSON.stringify(raw[0])}, which spreadsheets run as a formula; rewrite it, or set "allowFormulaPrefix": true on the column if it is intended`,
          }),
        );
        return;
      }
      row[column.name] = cell.value;
    } else if (cell.kind === 'invalid') {
      badCells.add(column.name);
      issues.add(
        at(line, index + 1, {
          code: 'type-error',
          field: column.name,
          value: displayValue(raw),
          message: cell.message,
        }),
      );
    }
  });
  if (!schema.validate(row)) {
    for (const error of schema.validate.errors ?? []) {
      if (error.keyword === 'if') continue; // the failing `then` branch is reported on its own
      const field = columnOfError(error);
      if (field !== undefined && badCells.has(field)) continue;
      const index = schema.columns.findIndex((column) => column.name === field);
      const raw = index === -1 ? undefined : fields[index];
      issues.add(
        at(line, index + 1 || 1, {
          code: 'constraint-error',
          ...(field === undefined ? {} : { field }),
          ...(raw === undefined || raw === '' ? {} : { value: displayValue(raw) }),
          message: constraintMessage(error.keyword, error.message, error.params, raw),
        }),
      );
    }
  }
  return { row, complete: badCells.size === 0 };
}

/** Checks that hold for every cell whatever its column: length limit, control and bidi characters. */
function checkCells(fields: readonly string[], limits: DatasetLimits): Omit<Issue, 'file' | 'line'>[] {
  const problems: Omit<Issue, 'file' | 'line'>[] = [];
  fields.forEach((raw, index) => {
    const column = index + 1;
    const tooLong = lengthProblem(raw, column, limits);
    if (tooLong !== undefined) {
      problems.push(tooLong);
      return;
    }
    const found = forbiddenCharacter(raw, 'cell');
    if (found !== undefined) {
      problems.push({
        code: 'control-character',
        column,
        value: displayValue(raw),
        message: `contains ${describeCharacter(found.char)} at position ${found.index + 1}; control and bidirectional formatting characters are not allowed in data, remove it`,
      });
    }
  });
  return problems;
}

/**
 * The header's cells are column names: besides the length limit, each is held
 * to the rules of schema column names (one line, no control or bidirectional
 * formatting character, no formula prefix), since it is written into the
 * published CSV's header, where no `allowFormulaPrefix` applies.
 */
function checkHeaderCells(fields: readonly string[], limits: DatasetLimits): Omit<Issue, 'file' | 'line'>[] {
  const problems: Omit<Issue, 'file' | 'line'>[] = [];
  fields.forEach((raw, index) => {
    const column = index + 1;
    const problem = lengthProblem(raw, column, limits) ?? nameProblem(raw, column);
    if (problem !== undefined) problems.push(problem);
  });
  return problems;
}

function nameProblem(name: string, column: number): Omit<Issue, 'file' | 'line'> | undefined {
  const problem = columnNameProblem(name);
  if (problem === undefined) return undefined;
  return { code: problem.code, column, value: displayValue(name), message: problem.message };
}

function lengthProblem(
  raw: string,
  column: number,
  limits: DatasetLimits,
): Omit<Issue, 'file' | 'line'> | undefined {
  if (raw.length <= limits.maxFieldLength) return undefined;
  return {
    code: 'limit-exceeded',
    column,
    value: displayValue(raw),
    message: `cell is ${raw.length} characters long, more than the limit of ${limits.maxFieldLength} (limits.maxFieldLength)`,
  };
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

function constraintMessage(
  keyword: string,
  message: string | undefined,
  params: Record<string, unknown>,
  raw: string | undefined,
): string {
  const shown = raw === undefined || raw === '' ? '' : `${JSON.stringify(displayValue(raw))} `;
  switch (keyword) {
    case 'required':
      return 'is required but the cell is empty';
    case 'enum':
      return `${shown}is not one of ${summarizeValues(params.allowedValues as unknown[])}`;
    default:
      return `${shown}${message ?? 'violates the schema'}`;
  }
}

/**
 * Collects issues up to {@link MAX_ISSUES} and {@link MAX_REPORT_BYTES}, each
 * cut to its limits (`boundIssue`), counting the rest; remembers whether the
 * header itself is broken and how many rows have an issue. Memory stays the
 * same however many issues a file has.
 */
class IssueList {
  readonly items: Issue[] = [];
  /** Issues found, listed or not. */
  count = 0;
  /** Data rows with an issue (counted even past the list's limits). */
  invalidRows = 0;
  headerBroken = false;
  headerLine = Number.POSITIVE_INFINITY;
  #bytes = 0;
  #full = false;
  #lastRowLine = 0;

  get truncated(): boolean {
    return this.count > this.items.length;
  }

  add(...issues: Issue[]): void {
    for (const issue of issues) {
      this.count++;
      if (issue.code.endsWith('-header') || issue.code === 'header-order') this.headerBroken = true;
      // Rows are read in order and each row's issues are added together, so a new line is a new row.
      if (issue.line > this.headerLine && issue.line !== this.#lastRowLine) {
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
