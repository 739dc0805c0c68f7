import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { ColumnRanges, StatsDocument } from './column-stats.js';
import { edtfOrderText } from './edtf-order.js';
import { escapeFormula } from './formula.js';
import type { PutBody, StreamedBody } from './object-store.js';
import type { RowSource } from './row-source.js';
import { CsvDigest } from './csv-digest.js';
import type { Column, Row } from './row-schema.js';
import { scratchBody, type ScratchDirectory, type ScratchFile } from './scratch.js';
import type { DatasetDefinition, ValidDataset } from './validate.js';

/** A dataset in its canonical form: the basis of its hash and of every published file. */
export interface CanonicalDataset {
  readonly dataset: ValidDataset;
  /** Rows sorted by primary key. */
  readonly rows: readonly Row[];
  /** UTF-8 CSV, LF line ends, RFC 4180 quoting, schema column order, primary-key row order. */
  readonly csv: Uint8Array;
  /** `sha256:<hex>` of the canonical CSV, schema and descriptor together. */
  readonly contentHash: string;
  /** `sha256:<hex>` of the schema alone. */
  readonly schemaHash: string;
  /** `sha256:<hex>` of the schema's rules, its annotations left out ({@link rulesOf}): a change here is a major version. */
  readonly rulesHash: string;
}

/**
 * Canonicalises a validated dataset held in memory and computes its content
 * hash. Publishing uses {@link canonicalizeTable}, which streams; both give the
 * same bytes and hashes.
 */
export function canonicalizeDataset(dataset: ValidDataset): CanonicalDataset {
  const rows = sortByPrimaryKey(dataset.rows, dataset.descriptor.primaryKey);
  const csv = new TextEncoder().encode(renderCsv(dataset.columns, rows));
  const contentHash = sha256Prefixed(contentHashPrefix(dataset), csv);
  return {
    dataset,
    rows,
    csv,
    contentHash,
    schemaHash: schemaHashOf(dataset),
    rulesHash: rulesHashOf(dataset),
  };
}

/** A dataset in canonical form, streamed: rows in a scratch file sorted by key, the CSV in another. */
export interface CanonicalTable {
  readonly definition: DatasetDefinition;
  /** Rows sorted by primary key. */
  readonly rows: RowSource;
  /** The canonical CSV (see {@link CanonicalDataset.csv}). */
  readonly csv: StreamedBody;
  readonly contentHash: string;
  readonly schemaHash: string;
  readonly rulesHash: string;
  /** The number and date columns' ranges, when they were taken as the rows were validated (one read fewer for `stats.json`). */
  readonly ranges?: ColumnRanges;
  /**
   * Version files already being written while the rows were validated, by format (the Parquet file, by a
   * worker thread): each gives its body, or `undefined` when the format's renderer must write it after all.
   */
  readonly prerendered?: Readonly<Record<string, Promise<PutBody | undefined>>>;
  /**
   * The column statistics, already taken while the rows were validated in key order, finished when
   * asked for (an unchanged version needs none); without them `stats.json`'s renderer takes them from
   * {@link rows}.
   */
  readonly stats?: () => Promise<StatsDocument | undefined>;
}

/**
 * Writes the canonical CSV of key-sorted rows to a scratch file, hashing it
 * on the way: the same bytes and hashes as {@link canonicalizeDataset}, with
 * one batch of rows in memory at a time. When validation already wrote the
 * CSV as the rows came (`written`, for input in key order), that file is
 * taken as it is and the rows are not read again.
 */
export async function canonicalizeTable(
  definition: DatasetDefinition,
  sortedRows: RowSource,
  scratch: ScratchDirectory,
  written?: WrittenCsv,
): Promise<CanonicalTable> {
  let writer = written;
  if (writer === undefined) {
    const writing = CanonicalCsvWriter.inScratch(definition, scratch);
    for await (const batch of sortedRows.open()) await writing.add(batch);
    writer = writing;
  }
  const { csv, contentHash } = await writer.close();
  return {
    definition,
    rows: sortedRows,
    csv,
    contentHash,
    schemaHash: schemaHashOf(definition),
    rulesHash: rulesHashOf(definition),
  };
}

/** A canonical CSV already written (as the rows were validated), to be finished: its body and content hash. */
export interface WrittenCsv {
  close(): Promise<{ readonly csv: StreamedBody; readonly contentHash: string }>;
}

/**
 * The canonical CSV and the content hash, written a batch of key-sorted rows
 * at a time into a scratch file (created with the first batch). Fed by
 * {@link canonicalizeTable} from sorted rows, or during validation while the
 * input is in key order (see `RowSorter`'s `inOrder`), which saves a read of
 * the rows. The file and content hashes are taken as the bytes are written.
 */
export class CanonicalCsvWriter {
  readonly #digest: CsvDigest;
  #file: Promise<ScratchFile> | undefined;
  #bytes = 0;

  /**
   * @param contentPrefix what the content hash covers before the CSV ({@link contentHashPrefix})
   * @param create makes the empty scratch file, created without a digest of its own, as the header is written
   */
  constructor(
    private readonly columns: readonly Column[],
    contentPrefix: string,
    private readonly create: () => Promise<ScratchFile>,
  ) {
    this.#digest = new CsvDigest(contentPrefix);
  }

  /** A writer of `definition`'s CSV into a new file of `scratch`. */
  static inScratch(definition: DatasetDefinition, scratch: ScratchDirectory): CanonicalCsvWriter {
    return new CanonicalCsvWriter(definition.columns, contentHashPrefix(definition), () =>
      scratch.createFile(`${definition.id}.csv`, { digest: false }),
    );
  }

  /** Appends the rows' lines; they must follow the rows added before in key order. */
  async add(rows: readonly Row[]): Promise<void> {
    if (rows.length > 0) await this.#write(csvLines(this.columns, rows));
  }

  /** The finished CSV (a header alone when no row was added) and the content hash, taken as it was written. */
  async close(): Promise<{ csv: StreamedBody; contentHash: string }> {
    const file = await this.#open();
    await file.end();
    const taken = this.#digest.digest();
    return { csv: scratchBody(file.path, this.#bytes, taken.sha256), contentHash: taken.contentHash };
  }

  #open(): Promise<ScratchFile> {
    this.#file ??= (async () => {
      const file = await this.create();
      await this.#append(file, Buffer.from(csvHeader(this.columns), 'utf8'));
      return file;
    })();
    return this.#file;
  }

  async #write(text: string): Promise<void> {
    await this.#append(await this.#open(), Buffer.from(text, 'utf8'));
  }

  async #append(file: ScratchFile, bytes: Buffer): Promise<void> {
    this.#digest.update(bytes);
    this.#bytes += bytes.byteLength;
    await file.write(bytes);
  }
}

/**
 * What the content hash covers before the CSV: the schema and descriptor,
 * canonical JSON, and a line break. The descriptor's `changeMessage` is left
 * out: it says why the next version changes, and is no content of its own
 * (editing it alone must not publish a version).
 */
export function contentHashPrefix(definition: DatasetDefinition): string {
  const descriptor = Object.fromEntries(
    Object.entries(definition.descriptor).filter(([member]) => member !== 'changeMessage'),
  );
  return `${canonicalJson({ schema: definition.schema, descriptor })}\n`;
}

function schemaHashOf(definition: DatasetDefinition): string {
  return sha256Prefixed(canonicalJson(definition.schema));
}

function rulesHashOf(definition: DatasetDefinition): string {
  return sha256Prefixed(canonicalJson(rulesOf(definition.schema)));
}

/**
 * Keywords that say what a value means and check nothing: a change to them alone is no change of rules.
 * (`default` fills nothing here: rows are validated as they are.)
 */
const ANNOTATIONS = new Set([
  'title',
  'description',
  '$comment',
  'examples',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
]);
/** Keywords whose array is a set: its order checks nothing. */
const UNORDERED = new Set(['required', 'enum', 'allOf', 'anyOf', 'oneOf']);
/** Keywords whose value is a schema, or an array of schemas. */
const SUBSCHEMA = new Set([
  'additionalItems',
  'additionalProperties',
  'allOf',
  'anyOf',
  'contains',
  'else',
  'if',
  'items',
  'not',
  'oneOf',
  'prefixItems',
  'propertyNames',
  'then',
  'unevaluatedItems',
  'unevaluatedProperties',
]);
/** Keywords whose value maps names (of columns, of definitions) to schemas. */
const NAMED_SUBSCHEMAS = new Set([
  '$defs',
  'definitions',
  'dependencies',
  'dependentSchemas',
  'patternProperties',
  'properties',
]);

/**
 * A JSON Schema with its annotations ({@link ANNOTATIONS}) left out wherever a schema stands and its
 * sets ({@link UNORDERED}) in one order, so that a new title or description, or `required` listed in
 * another order, is not a new rule. A column named `title` is kept: the names under
 * `properties` are columns, not keywords. Values of other keywords (`enum`, `const`, custom ones) are
 * kept as they are.
 */
export function rulesOf(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null) return schema;
  if (Array.isArray(schema)) return schema.map(rulesOf);
  const rules: [string, unknown][] = [];
  for (const [keyword, value] of Object.entries(schema)) {
    if (ANNOTATIONS.has(keyword)) continue;
    if (UNORDERED.has(keyword) && Array.isArray(value))
      rules.push([
        keyword,
        (SUBSCHEMA.has(keyword) ? value.map(rulesOf) : value)
          .map((item) => ({ item, key: canonicalJson(item) }))
          .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
          .map(({ item }) => item),
      ]);
    else if (SUBSCHEMA.has(keyword)) rules.push([keyword, rulesOf(value)]);
    else if (
      NAMED_SUBSCHEMAS.has(keyword) &&
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value)
    )
      rules.push([
        keyword,
        Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, rulesOf(sub)])),
      ]);
    else rules.push([keyword, value]);
  }
  return Object.fromEntries(rules);
}

/** RFC 8785 JSON canonical form: the same value always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be represented as JSON');
  return text;
}

/**
 * Renders rows as CSV text in column order; absent cells are empty. Text that
 * a spreadsheet would run as a formula is escaped. Ends with a line break.
 */
export function renderCsv(columns: readonly Column[], rows: readonly Row[]): string {
  return csvHeader(columns) + csvLines(columns, rows);
}

/** The canonical CSV's header line, with its line break. */
export function csvHeader(columns: readonly Column[]): string {
  return `${columns.map((column) => csvField(column.name)).join(',')}\n`;
}

/** Canonical CSV lines of some rows, each ending with a line break (empty for no rows). */
export function csvLines(columns: readonly Column[], rows: readonly Row[]): string {
  if (rows.length === 0) return '';
  let render = LINE_RENDERERS.get(columns);
  if (render === undefined) LINE_RENDERERS.set(columns, (render = compileCsvLines(columns)));
  return render(rows);
}

/** Renders rows of one list of columns as {@link csvLines} does. */
type CsvLinesRenderer = (rows: readonly Row[]) => string;

/**
 * Each list of columns' renderer, compiled once: a table's columns are one array from its definition on,
 * so a publish compiles one, however many batches it renders.
 */
const LINE_RENDERERS = new WeakMap<readonly Column[], CsvLinesRenderer>();

/**
 * A renderer of rows of `columns` as canonical CSV lines, compiled into a function that reads each
 * column by a constant name: V8 then caches each read at its own place in the code, where one
 * `row[name]` read for every column sees eleven names and falls back to a generic lookup (2 × 10^5 trade
 * rows: 0.69–0.74 of the time). Each line is joined from its cells, and the lines
 * joined once, ending with an empty one for the last line break: every string made is flat and made
 * once, where appending cell by cell made a chain of partial strings that the encoder then copied. The
 * names are written into the source as JSON string literals, which quote any character, so no column
 * name can become code.
 */
function compileCsvLines(columns: readonly Column[]): CsvLinesRenderer {
  const cells = columns.map(
    (column, index) =>
      `line[${index}] = ${column.type === 'string' ? 'textCell' : 'otherCell'}(row[${JSON.stringify(column.name)}]);`,
  );
  // A table without columns still gets one (empty) line per row, as papaparse wrote it.
  const source = `return function csvLines(rows) {
    const line = new Array(${columns.length});
    const lines = new Array(rows.length + 1);
    for (let at = 0; at < rows.length; at++) {
      const row = rows[at];
      ${cells.join('\n      ')}
      lines[at] = line.join(',');
    }
    lines[rows.length] = '';
    return lines.join('\\n');
  };`;
  return new Function('textCell', 'otherCell', source)(textCell, otherCell) as CsvLinesRenderer;
}

/*
 * The canonical CSV was first written by papaparse 5.7.1's `unparse` with
 * `{ newline: '\n', quotes: false, header: false }`, and its bytes feed the
 * content hash: one byte written differently would republish every dataset.
 * So the serializer below keeps exactly papaparse's rules with those options,
 * and no others (the property test in canonical-csv.test.ts compares the two):
 *
 * - fields are joined by `,` and every line ends with `\n` (papaparse put it
 *   between rows, and the last one was added after its output); a row of one
 *   empty field is an empty line, as the empty string is never quoted;
 * - a field is quoted when it contains `"`, `,`, `\r`, `\n` or a byte order
 *   mark (U+FEFF, anywhere), or when it starts or ends with a space (U+0020
 *   only: a tab or another space character does not count);
 * - inside quotes a `"` is doubled, and nothing else changes.
 *
 * papaparse's own formula escaping was off; cells of text columns go through
 * `escapeFormula` before the quoting rules, as they did before, and the
 * header's column names through the quoting rules alone.
 */
const NEEDS_QUOTES = /[",\r\n\uFEFF]|^ | $/;

function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A cell of a text column: absent is empty, text that would run as a formula is escaped. */
function textCell(value: string | number | boolean | undefined): string {
  return value === undefined ? '' : csvField(escapeFormula(String(value)));
}

/** A cell of any other column (number, integer, boolean, date). */
function otherCell(value: string | number | boolean | undefined): string {
  // A number or boolean is written as String(value): digits, `.`, `e`, `+`, `-`, `NaN`, `Infinity`,
  // `true` or `false`, none of which is ever quoted, so the check is skipped.
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === undefined ? '' : csvField(value);
}

/** Orders rows by the primary key's typed values, as {@link compareKeys} compares them. */
export function sortByPrimaryKey(rows: readonly Row[], primaryKey: readonly string[]): Row[] {
  return [...rows].sort((a, b) => compareRowKeys(a, b, primaryKey));
}

/**
 * Compares two primary-key tuples in publication order: numbers numerically,
 * text by code point, except that an EDTF date with a season sorts at the
 * season's place in its year ({@link edtfOrderText}). Values of different
 * types are never equal, as when the rows are matched by their keys' JSON:
 * numbers come before other values, and the others go by type name. Only a
 * key column whose type changed since the previous version mixes them, and
 * then the previous rows (say "9" and "10") must not be matched with some
 * of the new ones (9) and not others (10).
 */
export function compareKeys(a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; i < a.length; i++) {
    const order = compareKeyValues(a[i], b[i]);
    if (order !== 0) return order;
  }
  return 0;
}

/**
 * Compares two rows by the primary key `names`, as {@link compareKeys} compares their key tuples,
 * without making the tuples (a check of a million rows' order made two arrays a row for it).
 */
export function compareRowKeys(a: Row, b: Row, names: readonly string[]): number {
  for (const name of names) {
    const order = compareKeyValues(a[name], b[name]);
    if (order !== 0) return order;
  }
  return 0;
}

/** One column of {@link compareKeys}: the order of two values of a key. */
function compareKeyValues(x: unknown, y: unknown): number {
  if (x === y) return 0;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (typeof x !== typeof y) {
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return typeof x < typeof y ? -1 : 1;
  }
  const sx = String(x);
  const sy = String(y);
  const ox = edtfOrderText(sx);
  const oy = edtfOrderText(sy);
  if (ox !== oy) return ox < oy ? -1 : 1;
  return sx < sy ? -1 : sx > sy ? 1 : 0;
}

/** SHA-256 of the given parts, as lowercase hex. */
export function sha256Hex(...parts: (Uint8Array | string)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

/** `sha256:<hex>`, the form used by Frictionless `hash` and the catalog's content hashes. */
export function sha256Prefixed(...parts: (Uint8Array | string)[]): string {
  return `sha256:${sha256Hex(...parts)}`;
}
