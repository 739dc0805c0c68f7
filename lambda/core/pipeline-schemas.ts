import { Ajv2020 } from 'ajv/dist/2020.js';
import type { AnySchemaObject, ErrorObject, FuncKeywordDefinition, ValidateFunction } from 'ajv';
import type { DataValidateFunction } from 'ajv/dist/types/index.js';
import addFormats from 'ajv-formats';
import catalogSchema from '../../schemas/catalog.schema.json' with { type: 'json' };
import descriptorSchema from '../../schemas/dataset.schema.json' with { type: 'json' };
import siteSchema from '../../schemas/site.schema.json' with { type: 'json' };
import reportSchema from '../../schemas/validation-report.schema.json' with { type: 'json' };
import type { Issue, IssueCode } from './issue.js';
import { pointerSegment, isJsonObject } from './json-limits.js';
import { didYouMean } from './suggest.js';
import { textProblem, type TextKind } from './text-rules.js';

/**
 * The `$id`s of the pipeline's own schemas. A dataset's row schema may not
 * declare one (see `RowSchemaScope`): it could not replace them, since
 * they live in an ajv instance of their own, but a curator reusing one has
 * made a mistake worth naming.
 */
export const PIPELINE_SCHEMA_IDS: ReadonlySet<string> = new Set(
  [catalogSchema, descriptorSchema, siteSchema, reportSchema].map((schema) => schema.$id),
);

/** The values `x-text` may take. */
export const TEXT_KINDS: readonly TextKind[] = ['line', 'paragraph', 'link'];

/**
 * `"x-text": "line" | "paragraph" | "link"` on a string: which characters the
 * text may hold and, for a link, which URL schemes (see `text-rules.ts`).
 */
const textKeyword: FuncKeywordDefinition = {
  keyword: 'x-text',
  type: 'string',
  schemaType: 'string',
  errors: true,
  metaSchema: { enum: TEXT_KINDS },
  compile(kind: TextKind) {
    const validate: DataValidateFunction = (text: unknown) => {
      const problem = typeof text === 'string' ? textProblem(text, kind) : undefined;
      validate.errors =
        problem === undefined ? undefined : [{ keyword: 'x-text', message: problem, params: {} }];
      return problem === undefined;
    };
    return validate;
  },
};

let ajv: Ajv2020 | undefined;

/**
 * The one ajv instance the pipeline's own schemas are compiled in. Nothing a
 * dataset supplies is ever added to it: each row schema gets an instance of
 * its own, so no `$id`, `$ref` or keyword of a curator's file can change how
 * a descriptor or `site.json` is checked.
 */
function pipelineAjv(): Ajv2020 {
  if (ajv === undefined) {
    // Union types (`"type": ["string", "number"]`) are deliberate in these schemas, which no curator writes.
    // They are the project's own files, checked against the draft 2020-12 meta-schema (and `x-text`'s values)
    // by test/unit/pipeline-schemas.test.ts, so a run does not check them again, nor spend an optimising
    // pass on code that runs a few times a run: compiling the descriptor's schema in a fresh process took
    // 571 ms, 153 ms without both (the compiled check runs as fast).
    ajv = new Ajv2020({
      strict: true,
      allErrors: true,
      allowUnionTypes: true,
      validateSchema: false,
      // Each error carries its schema, so that an unknown member is told with the members allowed.
      verbose: true,
      code: { optimize: false },
    });
    addFormats.default(ajv);
    ajv.addKeyword(textKeyword);
  }
  return ajv;
}

const compiled = new Map<object, ValidateFunction>();

function validatorOf<T>(schema: AnySchemaObject): ValidateFunction<T> {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    validate = pipelineAjv().compile(schema);
    compiled.set(schema, validate);
  }
  return validate as ValidateFunction<T>;
}

/** The compiled check of `schemas/dataset.schema.json` (a descriptor). */
export function descriptorValidator<T>(): ValidateFunction<T> {
  return validatorOf<T>(descriptorSchema);
}

/** The compiled check of `schemas/site.schema.json` (`data/site.json`). */
export function siteMetaValidator<T>(): ValidateFunction<T> {
  return validatorOf<T>(siteSchema);
}

/**
 * ajv's errors for one of the pipeline's documents as issues of `code` in
 * `file`, each at the JSON pointer of the value concerned (`/` for the
 * document itself), with the keyword's parameters that say what was expected.
 * An `if` error ("must match \"then\" schema") is left out: it only sums up the
 * errors of its `then` or `else`, which are listed themselves (all errors are
 * collected).
 */
export function issuesFromErrors(errors: readonly ErrorObject[], file: string, code: IssueCode): Issue[] {
  const seen = new Set<string>();
  return errorsOfMeantBranches(errors)
    .filter((error) => error.keyword !== 'if')
    .map((error) => ({ code, file, line: 1, column: 1, ...said(error) }))
    .filter((issue) => {
      // Two branches that both require a member, or reach the same subschema, say the same thing once.
      const key = `${issue.field}\u0000${issue.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/**
 * The errors with those of a `oneOf` whose branches are told apart by a member's `const` (a rule's
 * `"kind": "sum"` or `"equals"`) kept to the branch the value names: the other branches' errors
 * ("must be \"equals\"", "must have required property 'fields'", its members "not a member this object
 * may have") and the `oneOf`'s own ("must match exactly one schema") only say that the value is not of a
 * kind it never claimed to be. A value that names no branch is told the values the member may take.
 */
function errorsOfMeantBranches(errors: readonly ErrorObject[]): readonly ErrorObject[] {
  let kept: readonly ErrorObject[] = errors;
  for (const choice of errors) {
    if (choice.keyword !== 'oneOf' || !Array.isArray(choice.schema) || !isJsonObject(choice.data)) continue;
    const data = choice.data;
    const discriminators = (choice.schema as unknown[]).map((branch) => constMembers(branch));
    if (discriminators.some((members) => members.length === 0)) continue;
    const meant = discriminators.flatMap((members, index) =>
      members.every(([name, value]) => data[name] === value) ? [index] : [],
    );
    if (meant.length > 1) continue;
    const prefix = `${choice.schemaPath}/`;
    const branchOf = (error: ErrorObject): number | undefined =>
      error.schemaPath.startsWith(prefix)
        ? Number(error.schemaPath.slice(prefix.length).split('/')[0])
        : undefined;
    const at = `${choice.instancePath}/`;
    const naming = new Map<string, ErrorObject[]>();
    kept = kept.filter((error) => {
      if (error === choice) return false;
      const branch = branchOf(error);
      if (
        branch === undefined ||
        !(error.instancePath === choice.instancePath || error.instancePath.startsWith(at))
      )
        return true;
      if (meant.length === 1) return branch === meant[0];
      // No branch is named: only the members that name one are told (absent, or once each with every value
      // they may take).
      if (error.keyword === 'required')
        return discriminators.some((members) =>
          members.some(([name]) => name === (error.params as { missingProperty?: unknown }).missingProperty),
        );
      if (error.keyword !== 'const' || !error.instancePath.startsWith(at)) return false;
      const list = naming.get(error.instancePath) ?? [];
      list.push(error);
      naming.set(error.instancePath, list);
      return list.length === 1;
    });
    if (meant.length === 0)
      kept = kept.map((error) => {
        const list = naming.get(error.instancePath);
        if (list?.[0] !== error || list.length < 2) return error;
        const values = list.map((each) => (each.params as { allowedValue?: unknown }).allowedValue);
        return { ...error, keyword: 'enum', message: 'must be one of', params: { allowedValues: values } };
      });
  }
  // Never fewer than one error for a value that failed: what is kept must still say why.
  return kept.length > 0 ? kept : errors;
}

/** The members a `oneOf` branch fixes to one value (`"kind": {"const": "sum"}`), as name and value. */
function constMembers(branch: unknown): [string, unknown][] {
  if (!isJsonObject(branch) || !isJsonObject(branch.properties)) return [];
  return Object.entries(branch.properties).flatMap(([name, member]) =>
    isJsonObject(member) && Object.hasOwn(member, 'const') ? [[name, member.const] as [string, unknown]] : [],
  );
}

/**
 * Where an error is and what it says: a member the object may not have is named at its own key, with the
 * member meant when one is close (`"titel"`: did you mean "title"?), and a constant is said as the value it must be.
 */
function said(error: ErrorObject): { field: string; message: string } {
  const at = error.instancePath === '' ? '/' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    const member = params.additionalProperty;
    const parent = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
    const allowed = Object.keys(parent?.properties ?? {});
    const guess = didYouMean(member, allowed);
    const listed =
      allowed.length === 0 ? '' : `; it may have ${allowed.map((name) => JSON.stringify(name)).join(', ')}`;
    return {
      field: `${error.instancePath}/${pointerSegment(member)}`,
      message: `is not a member this object may have${guess === '' ? listed : guess}`,
    };
  }
  if (error.keyword === 'const')
    return { field: at, message: `must be ${JSON.stringify(params.allowedValue)}` };
  if (error.keyword === 'enum' && Array.isArray(params.allowedValues))
    return {
      field: at,
      message: `must be one of ${params.allowedValues.map((value) => JSON.stringify(value)).join(', ')}`,
    };
  return { field: at, message: `${error.message ?? 'is invalid'}${paramsText(params)}` };
}

function paramsText(params: Record<string, unknown>): string {
  const entries = Object.entries(params).filter(([, value]) => value !== undefined);
  return entries.length === 0
    ? ''
    : ` (${entries.map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join(', ')})`;
}
