import type { Author } from './authors.js';
import { chartProblems } from './chart-declarations.js';
import type { StatedAs } from './provenance.js';
import type { Issue, Result } from './issue.js';
import type { DatasetLimits } from './limits.js';
import { descriptorValidator, issuesFromErrors } from './pipeline-schemas.js';
import type { Column } from './row-schema.js';
import { didYouMean } from './suggest.js';

/** The curator's description of a dataset (`data/<id>.dataset.json`), see `schemas/dataset.schema.json`. */
export interface DatasetDescriptor {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly license: 'CC-BY-4.0';
  readonly publisher: { readonly name: string; readonly url?: string };
  readonly source: {
    readonly citation: string;
    readonly authors: readonly Author[];
    readonly title: string;
    readonly file: string;
    /** The column holding each row's quote of the source (default `source_quote`), see `provenance.ts`. */
    readonly quoteColumn?: string;
  };
  readonly keywords: readonly string[];
  readonly temporalCoverage: { readonly start: string; readonly end: string };
  readonly spatialCoverage: readonly { readonly name: string; readonly iso3166: string }[];
  readonly primaryKey: readonly string[];
  /** Column lists no two rows may share values in (Table Schema `uniqueKeys`). */
  readonly uniqueKeys?: readonly (readonly string[])[];
  /** References to rows of another dataset or of this one (Table Schema `foreignKeys`). */
  readonly foreignKeys?: readonly ForeignKey[];
  /** Declared rules between rows (see `checks/rules.ts`). */
  readonly rules?: readonly DeclaredRule[];
  readonly columns: readonly ColumnDescription[];
  readonly conflicts?: readonly { readonly id: string; readonly summary: string }[];
  readonly limits?: Partial<DatasetLimits>;
  /** Charts of the dataset's page, each naming the columns it draws. */
  readonly charts?: readonly ChartDeclaration[];
  /** EU data-theme codes (`ECON`, `INTR`, …), published as `dcat:theme`. */
  readonly themes?: readonly string[];
  /** EU frequency code (`IRREG`, `ANNUAL`, …), published as `dct:accrualPeriodicity`. */
  readonly accrualPeriodicity?: string;
  /** Why the data changed, for the next version only (see `schemas/dataset.schema.json`); not content-hashed. */
  readonly changeMessage?: string;
}

/** A column name or a list of them, as Table Schema writes `fields`. */
export type ColumnList = string | readonly string[];

/** A Table Schema foreign key: `resource` is a dataset id, or `""` for the dataset itself. */
export interface ForeignKey {
  readonly fields: ColumnList;
  readonly reference: { readonly resource: string; readonly fields: ColumnList };
}

/** Selects the one row whose cells equal these typed values. */
export type RowSelector = Readonly<Record<string, string | number | boolean>>;

/** What every declared rule has: an id, and the conflict of the source it is known to fail as, if any. */
interface RuleBase {
  readonly id: string;
  readonly description?: string;
  /** Numbers may differ by this much (default 0). */
  readonly tolerance?: number;
  /** The id of an entry of `conflicts`: the rule fails as a known conflict of the source, explained there. */
  readonly conflict?: string;
}

/** `column` of each row equals `reference.column` of the row that `fields` names by `reference.fields`. */
export interface EqualsRule extends RuleBase {
  readonly kind: 'equals';
  readonly column: string;
  readonly fields: ColumnList;
  readonly reference: { readonly resource: string; readonly fields: ColumnList; readonly column: string };
}

/** `column` of the rows `parts` select adds up to `column` of the row `total` selects. */
export interface SumRule extends RuleBase {
  readonly kind: 'sum';
  readonly column: string;
  readonly parts: readonly RowSelector[];
  readonly total: RowSelector;
}

export type DeclaredRule = EqualsRule | SumRule;

/** A column list as an array. */
export function columnList(list: ColumnList): readonly string[] {
  return typeof list === 'string' ? [list] : list;
}

/** A chart the descriptor asks for: its kind and the columns it draws (see `schemas/dataset.schema.json`). */
export interface ChartDeclaration {
  readonly name: string;
  readonly kind: 'series' | 'timeline' | 'bars';
  readonly title: string;
  readonly x: string;
  readonly y?: string;
  readonly series?: string;
  readonly label?: string;
  readonly year?: string;
  readonly precision?: string;
  readonly flag?: string;
  readonly facet?: string;
  readonly unit?: string;
  /** series: other number columns holding another reading of `y` for the same row (each drawn beside it). */
  readonly readings?: readonly string[];
  readonly where?: Readonly<Record<string, string | number | boolean>>;
}

/** What the descriptor says about one column. */
export interface ColumnDescription {
  readonly name: string;
  readonly title?: string;
  readonly description: string;
  readonly unit?: string;
  /** How the row's quote must state this column's cells (see `provenance.ts`); default by the column's type. */
  readonly stated?: StatedAs;
}

/**
 * Checks a parsed descriptor against `schemas/dataset.schema.json`, then
 * against the dataset it describes: its id must match the file name, its
 * columns must be the schema's columns in the same order, its primary key
 * must name required columns, its charts must draw columns of the schema
 * (`chart-declarations.ts`), and its temporal coverage must not end before it
 * starts. Text fields must be free of control and
 * bidirectional formatting characters (titles and names on one line), and
 * links must be `https:`, `http:` or `mailto:` URLs (`x-text` in the schema).
 *
 * The schema is compiled in the pipeline's own ajv instance, which no
 * dataset's row schema can reach (see `pipeline-schemas.ts`).
 */
export function checkDescriptor(
  descriptor: unknown,
  expectedId: string,
  columns: readonly Column[] | undefined,
  file: string,
): Result<DatasetDescriptor> {
  const validate = descriptorValidator<DatasetDescriptor>();
  const issue = (field: string, message: string): Issue => ({
    code: 'descriptor-error',
    file,
    line: 1,
    column: 1,
    field,
    message,
  });
  if (!validate(descriptor))
    return { ok: false, issues: issuesFromErrors(validate.errors ?? [], file, 'descriptor-error') };
  const issues: Issue[] = [];
  if (descriptor.id !== expectedId) {
    issues.push(issue('/id', `is "${descriptor.id}" but the file is named for "${expectedId}"`));
  }
  const { start, end } = descriptor.temporalCoverage;
  if (start > end)
    issues.push(
      issue('/temporalCoverage', `starts on ${start}, after it ends (${end}); give the start first`),
    );
  if (columns !== undefined) {
    const mismatch = columnsMismatch(
      columns.map((column) => column.name),
      descriptor.columns.map((column) => column.name),
    );
    if (mismatch !== undefined)
      issues.push(issue('/columns', `must describe the schema's columns, in its order: ${mismatch}`));
    // A name that is no column is most often one mistyped: the nearest column is suggested.
    const columnNames = columns.map((column) => column.name);
    for (const key of descriptor.primaryKey) {
      const column = columns.find((candidate) => candidate.name === key);
      if (column === undefined)
        issues.push(
          issue(
            '/primaryKey',
            `names "${key}", which is not a column of the schema${didYouMean(key, columnNames)}`,
          ),
        );
      else if (!column.required)
        issues.push(issue('/primaryKey', `names "${key}", which the schema must list as required`));
    }
    const names = new Set(columnNames);
    const known = (name: string, pointer: string): void => {
      if (!names.has(name))
        issues.push(
          issue(
            pointer,
            `names "${name}", which is not a column of the schema${didYouMean(name, columnNames)}`,
          ),
        );
    };
    descriptor.uniqueKeys?.forEach((key, index) => {
      for (const name of key) known(name, `/uniqueKeys/${index}`);
    });
    descriptor.foreignKeys?.forEach((key, index) => {
      const fields = columnList(key.fields);
      for (const name of fields) known(name, `/foreignKeys/${index}/fields`);
      if (fields.length !== columnList(key.reference.fields).length)
        issues.push(
          issue(
            `/foreignKeys/${index}/reference/fields`,
            `must name as many columns as fields (${fields.length})`,
          ),
        );
    });
    for (const { pointer, message } of chartProblems(descriptor.charts ?? [], columns))
      issues.push(issue(pointer, message));
    const conflicts = new Set(descriptor.conflicts?.map((conflict) => conflict.id));
    const ruleIds = new Set<string>();
    descriptor.rules?.forEach((rule, index) => {
      const at = `/rules/${index}`;
      if (ruleIds.has(rule.id)) issues.push(issue(`${at}/id`, `"${rule.id}" is the id of an earlier rule`));
      ruleIds.add(rule.id);
      if (rule.conflict !== undefined && !conflicts.has(rule.conflict))
        issues.push(
          issue(`${at}/conflict`, `names "${rule.conflict}", which is not the id of an entry of conflicts`),
        );
      known(rule.column, `${at}/column`);
      if (rule.kind === 'equals') {
        const fields = columnList(rule.fields);
        for (const name of fields) known(name, `${at}/fields`);
        if (fields.length !== columnList(rule.reference.fields).length)
          issues.push(
            issue(`${at}/reference/fields`, `must name as many columns as fields (${fields.length})`),
          );
      } else {
        [...rule.parts, rule.total].forEach((selector, part) => {
          const pointer = part < rule.parts.length ? `${at}/parts/${part}` : `${at}/total`;
          for (const name of Object.keys(selector)) known(name, pointer);
        });
      }
    });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: descriptor };
}

/**
 * How the columns a descriptor describes differ from the schema's, said by what to change: the columns
 * missing, those the schema does not have, or else the first place the order differs; `undefined` when
 * they are the same, in the same order.
 */
function columnsMismatch(declared: readonly string[], described: readonly string[]): string | undefined {
  if (declared.length === described.length && declared.every((name, index) => described[index] === name))
    return undefined;
  const missing = declared.filter((name) => !described.includes(name));
  const extra = described.filter((name) => !declared.includes(name));
  const parts: string[] = [];
  if (missing.length > 0)
    parts.push(
      `${namesOf(missing)} ${missing.length === 1 ? 'is' : 'are'} not described (add ${missing.length === 1 ? 'it' : 'them'})`,
    );
  if (extra.length > 0)
    parts.push(
      `${namesOf(extra)} ${extra.length === 1 ? 'is not a column' : 'are not columns'} of the schema`,
    );
  if (parts.length > 0) return parts.join('; ');
  const index = declared.findIndex((name, at) => described[at] !== name);
  const found = described[index];
  return found === undefined
    ? `the schema's column ${index + 1} is "${declared[index] ?? ''}", and the list ends before it`
    : `column ${index + 1} is described as "${found}" where the schema has "${declared[index] ?? ''}"`;
}

/** Column names for a message, quoted, the first five of a longer list. */
function namesOf(names: readonly string[]): string {
  const shown = names.slice(0, 5).map((name) => JSON.stringify(name));
  return names.length > 5 ? `${shown.join(', ')} and ${names.length - 5} more` : shown.join(', ');
}
