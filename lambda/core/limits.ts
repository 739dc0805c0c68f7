import { OpenDataError } from './errors.js';

/** Per-dataset safety limits on the CSV, set in the descriptor's `limits`. */
export interface DatasetLimits {
  /** Largest CSV file, in bytes. */
  readonly maxFileBytes: number;
  /** Most data rows (header excluded). */
  readonly maxRows: number;
  /** Longest cell, in UTF-16 code units. */
  readonly maxFieldLength: number;
  /** Most fields in one record. */
  readonly maxColumns: number;
  /**
   * Longest record, in UTF-16 code units of its text in the file: its quotes and commas counted, its line
   * break not.
   */
  readonly maxRecordLength: number;
  /**
   * Fewest data rows: a file of a header alone (or of nothing but) is refused, since it is far more
   * often a failed or cut export than an empty dataset, and a version can never be taken back.
   */
  readonly minRows: number;
}

/** Safe defaults: far above the curated datasets, well below what would exhaust a Lambda's memory. */
export const DEFAULT_LIMITS: DatasetLimits = {
  maxFileBytes: 2 * 1024 ** 3,
  maxRows: 50_000_000,
  maxFieldLength: 1024 ** 2,
  maxColumns: 1000,
  /**
   * 64 MiB. A record is parsed as one string, and while it arrives the reader holds up to a quarter more
   * text after it; V8 makes no string longer than 2^29 - 24 code units (about 512 Mi), which the cell and
   * field limits alone do not keep a record under (1000 cells of 1 MiB): a record of 541 cells of 10^6
   * characters failed as a bug (`RangeError: Invalid string length`, after 5.5 s and 1.2 GB). A record is
   * held several times over while it is checked and published (its text, its fields, the row), so the
   * default leaves room far below that bound, and far above a curated record (under 2 KB): with the CLI's
   * flags, validating a record of 64 cells of 10^6 characters took 1.4-3.1 s and 238 MB peak RSS.
   */
  maxRecordLength: 64 * 1024 ** 2,
  minRows: 1,
};

/**
 * The most a descriptor may raise a limit to: the `maximum` of each in the descriptor schema
 * (`schemas/dataset.schema.json`, checked before the CSV is opened). The limits protect the pipeline
 * from the dataset, and a descriptor is as untrusted as its CSV (SECURITY.md), so it may lower a limit
 * but not lift it past a bound set here; a dataset that needs more needs the ceiling raised here, after
 * measuring. `maxFileBytes` has none: a larger file costs time and scratch space, and running out of
 * either fails the dataset visibly (docs/deploy.md), while memory does not grow with the bytes once
 * rows, cells and columns are bounded.
 */
export const LIMIT_CEILINGS = {
  /**
   * The default. A file not in primary-key order is read a second time keeping every key, so memory
   * grows with the rows; the default was chosen below what would exhaust a Lambda's memory, and no
   * more has been measured.
   */
  maxRows: DEFAULT_LIMITS.maxRows,
  /**
   * 16 MiB, 16 times the default: a chosen bound, not the most the pipeline survives. A cell is held
   * whole (in its record's text, as its field, in the cell checks); with the CLI's flags validate took
   * 5.2 s and 150 MB peak RSS for a 16 MiB cell and 6.4 s and 239 MB for a 64 MiB one (which also passed
   * in a 128 MB heap). Publishing cells this long (canonical CSV, Parquet, pages) was not measured.
   */
  maxFieldLength: 16 * 1024 ** 2,
  /**
   * The default, which is also the most properties a row schema may have
   * (`SCHEMA_LIMITS.maxProperties`): every header cell must be a column of the schema (`extra-header`
   * is an error), so a wider record can never be valid, and reading one costs memory for nothing.
   */
  maxColumns: DEFAULT_LIMITS.maxColumns,
  /**
   * The default: a record is held whole, several times over, and no longer one has been measured (see
   * {@link DEFAULT_LIMITS}). It bounds a record where the field and cell ceilings alone would allow 1000
   * cells of 16 MiB.
   */
  maxRecordLength: DEFAULT_LIMITS.maxRecordLength,
} as const satisfies Partial<DatasetLimits>;

/** The limits in force for a dataset: the descriptor's overrides on top of the defaults. */
export function resolveLimits(overrides: Partial<DatasetLimits> | undefined): DatasetLimits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/**
 * Fixed limits on a dataset's JSON files (row schema and descriptor), which
 * a descriptor cannot raise: they protect the validator that reads those very
 * files. Each is far above what a real schema needs and low enough that a
 * hostile file fails fast, with a `limit-exceeded` issue naming the file and
 * the JSON pointer, instead of exhausting memory or the stack. Checked in
 * `json-limits.ts` before any schema is compiled.
 */
export const SCHEMA_LIMITS = {
  /**
   * Largest row schema file, in bytes (UTF-8). A 100,000-value `enum` of short
   * codes is about 1 MiB; ajv's compiled code and the published copies of the
   * schema grow with it.
   */
  maxSchemaBytes: 2 * 1024 ** 2,
  /** Largest descriptor file, in bytes (UTF-8): a description of a few pages is a few tens of KiB. */
  maxDescriptorBytes: 1024 ** 2,
  /**
   * Deepest nesting of objects and arrays in either file (the document itself
   * is level 1). Recursive code that later reads the schema (ajv, canonical
   * JSON, the published copies) overflows the stack somewhere past a few
   * thousand levels; a row schema needs fewer than ten.
   */
  maxDepth: 64,
  /**
   * Most keys in one object of a schema or descriptor, e.g. `properties`: the
   * default column limit. Compiling 1,000 patterned columns takes seconds and
   * 10,000 took about 30 s and 250 MB of heap, so a wider table needs this
   * raised here after measuring, not just `limits.maxColumns`.
   */
  maxProperties: 1000,
  /** Most values in one `enum`, e.g. every code of a registry. */
  maxEnumValues: 100_000,
  /** Longest `pattern` (or `patternProperties` key), in characters; RE2 bounds the rest of its cost. */
  maxPatternLength: 1000,
  /**
   * Most subschemas checking one row can evaluate, each `$ref` and `$dynamicRef` counted every
   * time it is followed and an applicator to every property once per column (`schema-cost.ts`),
   * checked in `row-schema.ts` before compiling. Nested `allOf`s that each refer twice to the
   * definition before double the count with every level: 40 levels in 2 KB were 2^42
   * evaluations a row, and 25 levels (2^27) took 0.33 s a row. The project's schemas count 5 to
   * 102; 1,000 columns each with an `allOf` reference, an `anyOf` of five patterns and
   * `if`/`then`/`else` count 18,002. At this limit a row of trivial subschemas takes about 0.5 ms.
   */
  maxRowEvaluations: 100_000,
} as const;

/** The byte stream passed a limit; `line` is where reading had got to. */
export class FileTooLargeError extends OpenDataError {
  override readonly name = 'FileTooLargeError';
  readonly code = 'file-too-large';
  constructor(readonly maxFileBytes: number) {
    super(
      `the file is larger than the limit of ${maxFileBytes} bytes (raise limits.maxFileBytes in the descriptor if this is intended)`,
    );
  }
}

/** Passes bytes through, throwing {@link FileTooLargeError} as soon as more than `maxBytes` have gone by. */
export async function* limitBytes(
  chunks: AsyncIterable<Uint8Array>,
  maxBytes: number,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new FileTooLargeError(maxBytes);
    yield chunk;
  }
}
