import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { ColumnType } from './coerce.js';
import type { Issue, Result } from './issue.js';
import { pointerSegment, isJsonObject } from './json-limits.js';
import { SCHEMA_LIMITS } from './limits.js';
import { compileLinearPattern, linearRegExp, UnsupportedPatternError } from './linear-regexp.js';
import { PIPELINE_SCHEMA_IDS } from './pipeline-schemas.js';
import { rowEvaluationCount, SATURATED } from './schema-cost.js';
import { didYouMean } from './suggest.js';
import { columnNameProblem } from './text-rules.js';
import { messageOf, OpenDataError } from './errors.js';

/** One column of a dataset, in the order the schema's `properties` list it. */
export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  readonly required: boolean;
  /** The column's own JSON Schema (constraints such as `enum`, `minimum`, `pattern`). */
  readonly schema: Readonly<Record<string, unknown>>;
}

/** A row as published: typed values keyed by column name; absent cells are missing keys. */
export type Row = Readonly<Record<string, string | number | boolean>>;

/** A dataset's JSON Schema, compiled once and ready to check rows. */
export interface RowSchema {
  readonly columns: readonly Column[];
  /** Checks a row's typed values, which hold only the declared columns (see `asRowCheck`). */
  readonly validate: ValidateFunction<Row>;
  /** The schema's file, for an issue about the schema found while checking rows. */
  readonly file: string;
}

/**
 * What is said of a schema that applies itself to the same row without end: a `$ref` or
 * `$dynamicRef` leading back to a schema above it (`"$ref": "#"`) never reaches a value it has not
 * seen, so checking a row overflows the stack. A row schema has no nested values to recurse into.
 */
export const SELF_REFERENCE_MESSAGE =
  'the schema applies itself to the same row without end (a $ref or $dynamicRef leading back to a schema above it, such as "$ref": "#"); a row has no nested values to recurse into, so refer only to $defs that do not lead back';

/** Whether `error` is the stack overflow a self-applying schema causes (V8's RangeError for it). */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/** The JSON Schema types a column may declare (a date is a string with a format). */
const COLUMN_TYPE_NAMES = ['integer', 'number', 'boolean', 'string'];

/** A row of every column with a value of its type, to try a compiled schema on before any real row. */
function probeRow(columns: readonly Column[]): Record<string, string | number | boolean> {
  const sample = { string: 'a', integer: 1, number: 1, boolean: true, date: '2000-01-01' } as const;
  return Object.fromEntries(columns.map((column) => [column.name, sample[column.type]]));
}

/**
 * Creates the ajv instance one row schema is compiled in: draft 2020-12,
 * strict, all errors, formats, and RE2 for `pattern` and `patternProperties`
 * (linear time, see `linear-regexp.ts`). Every row schema gets a fresh one,
 * so nothing it declares (an `$id`, a `$ref` target) is visible to another
 * dataset or to the pipeline's own schemas.
 */
function createRowAjv(options: { validateSchema?: boolean; tracksEvaluated?: boolean } = {}): Ajv2020 {
  const { tracksEvaluated = true, ...ajvOptions } = options;
  const ajv = new Ajv2020({
    ...ajvOptions,
    strict: true,
    allErrors: true,
    // No optimising pass over the generated code: it halved the compile time of trade's schema in a fresh
    // process (the meta-schema check of a curator's schema stays), and the compiled check ran as fast.
    code: { regExp: linearRegExp, optimize: false },
    // `multipleOf` compared within 1e-9 of a whole number of steps: a step written in decimals (0.01) is not
    // exact in binary floating point, and 0.07 / 0.01 is 7.000000000000001, which a plain check refuses.
    multipleOfPrecision: 9,
    // An `enum` longer than this is checked by a loop over the values rather than one expression per value,
    // so a 100,000-value enum does not become a 100,000-term function.
    loopEnum: 64,
  });
  addFormats.default(ajv);
  // Annotation only: lets a text column hold cells starting with = + - @ (see startsWithFormulaPrefix in formula.ts).
  ajv.addKeyword({ keyword: 'allowFormulaPrefix', schemaType: 'boolean' });
  // Ajv2020 always generates code that records which properties each subschema evaluated, for
  // `unevaluatedProperties` and `unevaluatedItems`, and reads no other keyword's verdict from it; a
  // schema without them is checked as it would be with the record, without its objects made on every row.
  if (!tracksEvaluated) (ajv.opts as { unevaluated?: boolean }).unevaluated = false;
  return ajv;
}

/**
 * Whether a schema, as JSON text, may hold `unevaluatedProperties` or `unevaluatedItems`: a property of either name
 * anywhere in it, or the text of one in any string (an `enum` value, a description), which is more than
 * the keywords but never less.
 */
function mayUseUnevaluated(schemaText: string): boolean {
  return schemaText.includes('unevaluatedProperties') || schemaText.includes('unevaluatedItems');
}

/** The meta-schema a row schema is checked against when it names no other `$schema`. */
const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

/**
 * Checks row schemas against the draft 2020-12 meta-schema, in an instance set up as every row
 * schema's own. Compiling the meta-schema is most of the work of compiling a small row schema, so
 * it is compiled here once per process instead of once per dataset. Checking a schema adds
 * nothing to this instance: no dataset's `$id` or `$ref` reaches it.
 */
let metaSchemaChecker: Ajv2020 | undefined;

/**
 * Compiles a row schema in an ajv instance of its own, after checking it against its meta-schema
 * (the shared checker for draft 2020-12; its own instance for any other `$schema`). Throws as
 * ajv's `compile` does; for draft 2020-12, a schema the meta-schema refuses throws a
 * {@link MetaSchemaError}, which keeps ajv's errors to say each where it is.
 */
function compileInOwnAjv(schema: Record<string, unknown>): ValidateFunction<Row> {
  const text = JSON.stringify(schema);
  const known = compiledRowChecks.get(text);
  if (known !== undefined) {
    // The most recently used last: the first is the one to let go of.
    compiledRowChecks.delete(text);
    compiledRowChecks.set(text, known);
    return known;
  }
  const tracksEvaluated = mayUseUnevaluated(text);
  let validate: ValidateFunction<Row>;
  if (schema.$schema !== undefined && schema.$schema !== DRAFT_2020_12)
    validate = createRowAjv({ tracksEvaluated }).compile<Row>(asRowCheck(schema));
  else {
    const checker = (metaSchemaChecker ??= createRowAjv());
    if (!checker.validateSchema(schema)) throw new MetaSchemaError(checker.errors ?? []);
    validate = createRowAjv({ validateSchema: false, tracksEvaluated }).compile<Row>(asRowCheck(schema));
  }
  compiledRowChecks.set(text, validate);
  if (compiledRowChecks.size > COMPILED_ROW_CHECKS) {
    const oldest = compiledRowChecks.keys().next().value;
    if (oldest !== undefined) compiledRowChecks.delete(oldest);
  }
  return validate;
}

/** A row schema that breaks the draft 2020-12 meta-schema, with ajv's errors, each at the member concerned. */
class MetaSchemaError extends OpenDataError {
  override readonly name = 'MetaSchemaError';
  readonly code = 'schema-error';
  constructor(readonly errors: readonly ErrorObject[]) {
    super(
      `schema is invalid: ${errors.map((error) => `${error.instancePath} ${error.message ?? ''}`).join(', ')}`,
    );
  }
}

/**
 * Row schemas compiled in this process, by their JSON text, which is all a compiled check depends on:
 * a warm Lambda function publishing on a schedule, or a process running one publish after another (the
 * tests), compiles a schema once, not once a run (about 36 ms for trade's, most of a small dataset's validation). Only a
 * schema that compiled is kept, in an ajv instance of its own as before; what a run checks before
 * compiling (the schema's shape, its `$id`s against the run's other schemas) is checked every run. The
 * least recently used is dropped past {@link COMPILED_ROW_CHECKS}.
 */
const compiledRowChecks = new Map<string, ValidateFunction<Row>>();

/** How many compiled row schemas a process keeps (see {@link compiledRowChecks}). */
const COMPILED_ROW_CHECKS = 16;

/**
 * The row schema as it is compiled: without its top-level `"additionalProperties": false`, which a row's
 * values can never fail, since the cells check sets only the columns the schema's `properties` declare
 * (a column the schema does not know is the header check's `extra-header`). Checking it cost a loop over every value's name
 * on every row, about 16 ns of 300 a trade row. Every other keyword, nested ones included, is kept.
 */
function asRowCheck(schema: Record<string, unknown>): Record<string, unknown> {
  const { additionalProperties, ...rest } = schema;
  if (additionalProperties !== false) throw new Error('a row schema must forbid additional properties');
  return rest;
}

/**
 * The row schemas of one validation run (one `opendata validate`, one
 * publish): remembers which file declared each `$id`, so that two datasets
 * declaring the same one, or one declaring a pipeline schema's, are told so.
 * Each schema is still compiled in an ajv instance of its own.
 */
export class RowSchemaScope {
  readonly #claimed = new Map<string, string>();

  /** Compiles `schema` (read from `file`) in a fresh ajv instance; see {@link compileRowSchema}. */
  compile(schema: unknown, file: string): Result<RowSchema> {
    return compileRowSchema(schema, file, this);
  }

  /**
   * Records the `$id`s the row schema `schema` (read from `file`) declares, as {@link compile} would, for a
   * dataset the run passes over: a dataset checked alone (`publish <id>`, one function of the state
   * machine's map) is refused for an `$id` a dataset before it declares, as a run of every dataset would
   * refuse it. A schema that would not compile claims nothing, as in that run; it is not compiled here.
   */
  reserve(schema: unknown, file: string): void {
    const checked = checkRowSchema(schema, file);
    if (checked.ok) this.claim(checked.value.ids, file);
  }

  /** Records the `$id`s `file` declares, returning an issue for each already taken. */
  claim(ids: readonly { id: string; pointer: string }[], file: string): Issue[] {
    const issues: Issue[] = [];
    for (const { id, pointer } of ids) {
      const owner = PIPELINE_SCHEMA_IDS.has(id) ? 'a schema of the pipeline itself' : this.#claimed.get(id);
      if (owner !== undefined && owner !== file) {
        issues.push(
          schemaIssue(
            file,
            pointer,
            `"${id}" is already the $id of ${owner}; give this schema an $id of its own`,
          ),
        );
      }
    }
    if (issues.length === 0) for (const { id } of ids) this.#claimed.set(id, file);
    return issues;
  }
}

/**
 * Compiles a dataset's row schema (draft 2020-12, strict mode) and derives its
 * columns. The schema must describe an object whose `properties` each declare
 * one of `integer`, `number`, `boolean`, `string` or `string` with
 * `format: date`, and must forbid additional properties. Column names follow
 * the rules of CSV headers (no formula prefix, no control or bidirectional
 * formatting characters); `enum`s and patterns are held to `SCHEMA_LIMITS`,
 * and every pattern must compile with RE2. The caller has checked the file's
 * size and nesting (`json-limits.ts`).
 */
export function compileRowSchema(
  schema: unknown,
  file: string,
  scope: RowSchemaScope = new RowSchemaScope(),
): Result<RowSchema> {
  const checked = checkRowSchema(schema, file);
  if (!checked.ok) return checked;
  const { root, columns, ids, cycle } = checked.value;
  const taken = scope.claim(ids, file);
  if (taken.length > 0) return { ok: false, issues: taken };
  const issues: Issue[] = [];
  const problem = (pointer: string, message: string): void => {
    issues.push(schemaIssue(file, pointer, message));
  };
  try {
    const validate = compileInOwnAjv(root);
    // A schema that applies itself without end overflows the stack on the first row it checks, which
    // would end the whole run; tried here on two rows, and caught again row by row (checks/cells.ts) for
    // a cycle only some values reach.
    for (const probe of [{}, probeRow(columns)]) {
      try {
        validate(probe);
      } catch (error) {
        if (!isStackOverflow(error)) throw error;
        problem('', SELF_REFERENCE_MESSAGE);
        return { ok: false, issues };
      }
    }
    return { ok: true, value: { columns, validate, file } };
  } catch (error) {
    // ajv overflows the stack compiling a $ref that leads back to itself with nothing between
    // (`"$defs": {"a": {"$ref": "#/$defs/a"}}`); the count above has met that cycle.
    if (isStackOverflow(error) && cycle) {
      problem('', SELF_REFERENCE_MESSAGE);
      return { ok: false, issues };
    }
    if (error instanceof MetaSchemaError) {
      // Each at the member it is about, as the keyword says it ("must be array"), once.
      const said = new Set<string>();
      for (const each of error.errors) {
        const text = `${each.instancePath}\u0000${each.message ?? ''}`;
        if (each.keyword === 'if' || said.has(text)) continue;
        said.add(text);
        problem(each.instancePath, `${each.message ?? 'is invalid'}, so the schema does not compile`);
      }
      return { ok: false, issues };
    }
    const message = messageOf(error);
    // ajv's strict mode names a required member no subschema declares by the subschema's URL: told at its
    // "required", as a missing column is told at the top-level one.
    const required =
      /^strict mode: required property "(.*)" is not defined at "[^"#]*#([^"]*)" \(strictRequired\)$/.exec(
        message,
      );
    if (required !== null) {
      const [, name = '', at = ''] = required;
      const names = Object.keys(isJsonObject(root.properties) ? root.properties : {});
      problem(
        `${at}/required`,
        names.includes(name)
          ? `"${name}" is required but this subschema's "properties" does not declare it: add "${name}": {} to them, so the schema compiles`
          : `"${name}" is required but is not a column of the schema${didYouMean(name, names)}, so the schema does not compile`,
      );
      return { ok: false, issues };
    }
    // ajv's strict mode names an unknown keyword but not where it is: found, and the keyword meant guessed.
    const unknown = /^strict mode: unknown keyword: "(.*)"$/.exec(message)?.[1];
    if (unknown !== undefined) {
      problem(
        pointerOfKey(root, unknown) ?? '',
        `"${unknown}" is not a JSON Schema keyword${didYouMean(unknown, SCHEMA_KEYWORDS, '"', KEYWORD_EDITS(unknown))}, so the schema does not compile`,
      );
      return { ok: false, issues };
    }
    problem('', `the schema does not compile: ${message}`);
    return { ok: false, issues };
  }
}

/** How far a mistyped keyword may be from the one guessed: a slip of a key or two, not another word ("unit", "not"). */
const KEYWORD_EDITS = (keyword: string): number => Math.max(1, Math.floor(keyword.length / 4));

/** The JSON Pointer of the first use of the keyword `key` in a subschema of `root` (see {@link eachSubschema}). */
function pointerOfKey(root: unknown, key: string): string | undefined {
  let found: string | undefined;
  eachSubschema(root, undefined, (schema, pointer) => {
    if (found === undefined && Object.hasOwn(schema, key)) found = `${pointer}/${pointerSegment(key)}`;
    return undefined;
  });
  return found;
}

/** What {@link checkRowSchema} found in a row schema that passes its checks. */
interface CheckedRowSchema {
  readonly root: Record<string, unknown>;
  readonly columns: Column[];
  /** The `$id`s it declares, resolved, with where each is written. */
  readonly ids: { id: string; pointer: string }[];
  /** Whether the count of evaluations met a `$ref` leading back to itself. */
  readonly cycle: boolean;
}

/**
 * Everything {@link compileRowSchema} checks before it claims the schema's `$id`s and compiles it: the
 * columns, the keywords ajv would not bound, and the cost of a row.
 */
function checkRowSchema(schema: unknown, file: string): Result<CheckedRowSchema> {
  const issues: Issue[] = [];
  const problem = (pointer: string, message: string): void => {
    issues.push(schemaIssue(file, pointer, message));
  };
  if (!isJsonObject(schema) || schema.type !== 'object' || !isJsonObject(schema.properties)) {
    problem('', 'a dataset schema must be an object schema with "type": "object" and "properties"');
    return { ok: false, issues };
  }
  if (schema.additionalProperties !== false) {
    problem('/additionalProperties', 'must be false so that unknown columns are refused');
  }
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const columns: Column[] = [];
  // Each name as SQL and spreadsheet readers compare names, ignoring case: the first column of each.
  const caseless = new Map<string, string>();
  for (const [name, property] of Object.entries(schema.properties)) {
    const pointer = `/properties/${pointerSegment(name)}`;
    if (name === '__proto__') {
      // ajv skips a property of this name, so its cells could never be checked.
      problem(pointer, 'a column may not be named __proto__; rename it');
      continue;
    }
    const nameProblem = columnNameProblem(name);
    if (nameProblem !== undefined) {
      problem(pointer, nameProblem.message);
      continue;
    }
    if (name !== name.normalize('NFC')) {
      // Two names that differ only so look the same, in the schema, the header and every published file.
      problem(
        pointer,
        'column name is not in Unicode normalization form C (a letter and a combining accent where one composed character is meant): it looks like the composed name but is other text; retype it, or save the schema as NFC',
      );
      continue;
    }
    const same = caseless.get(name.toLowerCase());
    if (same !== undefined) {
      problem(
        pointer,
        `column name differs from the column "${same}" only in case, which DuckDB, SQL and spreadsheet readers do not tell apart (DuckDB reads the second as "${name}_1" from the CSV and the Parquet file): rename one`,
      );
      continue;
    }
    caseless.set(name.toLowerCase(), name);
    const type = isJsonObject(property) ? columnTypeOf(property) : undefined;
    if (!isJsonObject(property) || type === undefined) {
      // What the column declares now, and the type most likely meant where it is a slip ("numbr").
      const declared = isJsonObject(property) ? property.type : undefined;
      const said =
        declared === undefined
          ? 'declares no "type"'
          : `declares "type": ${JSON.stringify(declared)}${typeof declared === 'string' ? didYouMean(declared, COLUMN_TYPE_NAMES) : ''}`;
      problem(
        pointer,
        `${isJsonObject(property) ? said : 'is not a schema object'}: declare "type" as one of integer, number, boolean, string, or string with "format": "date"`,
      );
      continue;
    }
    if (type !== 'string' && type !== 'date' && property.format !== undefined) {
      // JSON Schema applies "format" to strings only: on a number or boolean it would check nothing.
      problem(
        `${pointer}/format`,
        `"format" checks text only, and this column is ${String(property.type)}: a date column is "type": "string" with "format": "date"`,
      );
      continue;
    }
    columns.push({ name, type, required: required.has(name), schema: property });
  }
  for (const name of required) {
    if (!(name in schema.properties)) problem('/required', `"${name}" is required but has no property`);
  }
  const { ids, issues: keywordIssues } = checkKeywords(schema, file);
  issues.push(...keywordIssues);
  if (issues.length > 0) return { ok: false, issues };
  const cost = checkRowCost(schema, columns.length, file);
  if (cost.issues.length > 0) return { ok: false, issues: cost.issues };
  return { ok: true, value: { root: schema, columns, ids, cycle: cost.cycle } };
}

/**
 * Counts how many subschemas one row can make the validator evaluate (`schema-cost.ts`), each
 * `$ref` counted every time it is followed, and refuses a schema over
 * `SCHEMA_LIMITS.maxRowEvaluations` as `limit-exceeded` at the subschema where the count passes the
 * limit. A `$ref` the count cannot follow is a `schema-error`: ajv would either refuse it too or
 * reach something this count did not see.
 */
function checkRowCost(
  schema: Record<string, unknown>,
  columns: number,
  file: string,
): { issues: Issue[]; cycle: boolean } {
  const limit = SCHEMA_LIMITS.maxRowEvaluations;
  const known = (metaSchemaChecker ??= createRowAjv());
  const cost = rowEvaluationCount(schema, {
    columns,
    limit,
    external: (uri) => {
      let env = known.schemas[uri] ?? known.refs[uri];
      if (typeof env === 'string') env = known.schemas[env] ?? known.refs[env];
      return typeof env === 'object' ? env.schema : undefined;
    },
  });
  const issues = cost.unresolved.map(({ ref, pointer }) =>
    schemaIssue(
      file,
      pointer,
      `"${ref}" does not lead to a schema in this file or to a meta-schema; refer to a $defs entry, an $anchor or an $id declared in this file`,
    ),
  );
  if (cost.count > limit) {
    const count =
      cost.count >= SATURATED
        ? `more than ${SATURATED.toLocaleString('en')}`
        : cost.count.toLocaleString('en');
    issues.push({
      code: 'limit-exceeded',
      file,
      line: 1,
      column: 1,
      field: cost.pointer ?? '',
      message: `checking one row would evaluate ${count} subschemas, each $ref counted every time it is followed, more than the limit of ${limit.toLocaleString('en')}; the count passes the limit here: refer to a definition once instead of through nested allOf, anyOf or oneOf that repeat it`,
    });
  }
  return { issues, cycle: cost.cycle };
}

function schemaIssue(file: string, pointer: string, message: string): Issue {
  return { code: 'schema-error', file, line: 1, column: 1, field: pointer, message };
}

/** Keywords whose value is a map of subschemas. */
const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
/** Keywords whose value is a subschema or a list of them. */
const SCHEMA_LISTS = [
  'items',
  'prefixItems',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'additionalProperties',
  'unevaluatedProperties',
  'unevaluatedItems',
  'propertyNames',
  'additionalItems',
];

/** Every keyword of JSON Schema draft 2020-12, and the project's own, for a guess at a mistyped one. */
const SCHEMA_KEYWORDS = [
  ...new Set([
    ...SCHEMA_MAPS,
    ...SCHEMA_LISTS,
    ...(
      '$schema $id $ref $dynamicRef $dynamicAnchor $anchor $comment type enum const multipleOf maximum ' +
      'exclusiveMaximum minimum exclusiveMinimum maxLength minLength pattern maxItems minItems uniqueItems ' +
      'maxContains minContains maxProperties minProperties required dependentRequired propertyNames ' +
      'unevaluatedProperties unevaluatedItems format title description default deprecated readOnly writeOnly ' +
      'examples allowFormulaPrefix'
    ).split(' '),
  ]),
];

/**
 * Walks every subschema (never into `enum`, `const`, `default` or
 * `examples`, which are data) and checks what ajv would not bound: each
 * `pattern` and `patternProperties` key must be short and compile with RE2,
 * and each `enum` must be within its limit. Collects the `$id`s declared,
 * resolved against the enclosing one as ajv resolves them.
 */
function checkKeywords(
  root: Record<string, unknown>,
  file: string,
): { ids: { id: string; pointer: string }[]; issues: Issue[] } {
  const ids: { id: string; pointer: string }[] = [];
  const issues: Issue[] = [];
  const checkPattern = (pattern: string, pointer: string): void => {
    if (pattern.length > SCHEMA_LIMITS.maxPatternLength) {
      issues.push({
        code: 'limit-exceeded',
        file,
        line: 1,
        column: 1,
        field: pointer,
        message: `the pattern is ${pattern.length} characters long, more than the limit of ${SCHEMA_LIMITS.maxPatternLength} characters`,
      });
      return;
    }
    try {
      compileLinearPattern(pattern);
    } catch (error) {
      if (!(error instanceof UnsupportedPatternError)) throw error;
      issues.push(schemaIssue(file, pointer, error.message));
    }
  };
  eachSubschema(root, undefined as string | undefined, (schema, pointer, base) => {
    let here = base;
    if (typeof schema.$id === 'string') {
      here = resolveId(schema.$id, base);
      ids.push({ id: here, pointer: `${pointer}/$id` });
    }
    if (typeof schema.pattern === 'string') checkPattern(schema.pattern, `${pointer}/pattern`);
    if (Array.isArray(schema.enum) && schema.enum.length > SCHEMA_LIMITS.maxEnumValues) {
      issues.push({
        code: 'limit-exceeded',
        file,
        line: 1,
        column: 1,
        field: `${pointer}/enum`,
        message: `the enum has ${schema.enum.length} values, more than the limit of ${SCHEMA_LIMITS.maxEnumValues} values`,
      });
    }
    if (isJsonObject(schema.patternProperties)) {
      for (const key of Object.keys(schema.patternProperties))
        checkPattern(key, `${pointer}/patternProperties/${pointerSegment(key)}`);
    }
    return here;
  });
  return { ids, issues };
}

/**
 * Calls `each` on every subschema of `root`, parents before their subschemas, with its JSON Pointer and what
 * `each` returned for the schema enclosing it (`start` for the root); never into `enum`, `const`, `default` or
 * `examples`, which are data. The depth of the walk is bounded by SCHEMA_LIMITS.maxDepth, checked before.
 */
function eachSubschema<T>(
  root: unknown,
  start: T,
  each: (schema: Record<string, unknown>, pointer: string, enclosing: T) => T,
): void {
  const visit = (schema: unknown, pointer: string, enclosing: T): void => {
    if (!isJsonObject(schema)) return;
    const here = each(schema, pointer, enclosing);
    for (const keyword of SCHEMA_MAPS) {
      const map = schema[keyword];
      if (!isJsonObject(map)) continue;
      for (const [key, sub] of Object.entries(map))
        visit(sub, `${pointer}/${keyword}/${pointerSegment(key)}`, here);
    }
    for (const keyword of SCHEMA_LISTS) {
      const value = schema[keyword];
      if (Array.isArray(value))
        value.forEach((sub, index) => visit(sub, `${pointer}/${keyword}/${index}`, here));
      else visit(value, `${pointer}/${keyword}`, here);
    }
  };
  visit(root, '', start);
}

/** An `$id` as ajv knows it: resolved against the enclosing schema's, without an empty fragment. */
function resolveId(id: string, base: string | undefined): string {
  let resolved = id;
  try {
    resolved = new URL(id, base).href;
  } catch {
    // Not a URL, or relative with no absolute base: ajv keeps such an id as written.
  }
  return resolved.endsWith('#') ? resolved.slice(0, -1) : resolved;
}

function columnTypeOf(property: Record<string, unknown>): ColumnType | undefined {
  switch (property.type) {
    case 'integer':
    case 'number':
    case 'boolean':
      return property.type;
    case 'string':
      return property.format === 'date' ? 'date' : 'string';
    default:
      return undefined;
  }
}

/**
 * The column an ajv error is about, if it concerns one: for a property found missing (`required`, and
 * `dependentRequired` or `dependencies` where one column requires another), the missing one.
 */
export function columnOfError(error: ErrorObject): string | undefined {
  const missing = (error.params as { missingProperty?: unknown }).missingProperty;
  if (['required', 'dependentRequired', 'dependencies'].includes(error.keyword) && missing !== undefined)
    return String(missing);
  const match = /^\/([^/]+)/.exec(error.instancePath);
  return match?.[1]?.replaceAll('~1', '/').replaceAll('~0', '~');
}
