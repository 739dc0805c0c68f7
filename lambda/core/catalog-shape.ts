import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import catalogSchema from '../../schemas/catalog.schema.json' with { type: 'json' };
import type { Catalog } from './catalog.js';
import { relativeKeyProblem } from './relative-key.js';

/** The outcome of {@link checkCatalogShape}: the typed catalog, or one line saying what is wrong and where. */
export type CatalogShape =
  { readonly ok: true; readonly catalog: Catalog } | { readonly ok: false; readonly message: string };

// Longest excerpt of a wrong value quoted in a message: enough to recognise it, never a whole document.
const MAX_QUOTED_CHARS = 80;

let compiled: ValidateFunction<Catalog> | undefined;

/**
 * A validator of its own rather than row-schema.ts row-schema scopes: the catalog is
 * not a row schema and needs none of its keywords, and `allErrors` stays off so
 * that a catalog with a million bad entries costs one error, not a million.
 */
function validator(): ValidateFunction<Catalog> {
  if (compiled === undefined) {
    const ajv = new Ajv2020({ strict: true, allErrors: false, verbose: true });
    addFormats.default(ajv);
    compiled = ajv.compile<Catalog>(catalogSchema);
  }
  return compiled;
}

/**
 * Checks a parsed `catalog.json` against `schemas/catalog.schema.json`. A
 * catalog read from somewhere else is untrusted: anything of the wrong shape
 * (an array, `datasets` that is not a list, a `bytes` that is a string, a path
 * that is a URL) is reported as one line naming the JSON Pointer of the first
 * wrong value, so that nothing downstream ever meets a value of the wrong type.
 */
export function checkCatalogShape(value: unknown): CatalogShape {
  const validate = validator();
  if (validate(value)) return { ok: true, catalog: value };
  const error = validate.errors?.[0];
  return { ok: false, message: error === undefined ? 'does not match the catalog schema' : describe(error) };
}

function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? 'the document' : error.instancePath;
  const data: unknown = error.data;
  // A path that fails the pattern most often fails it for a reason worth naming (a URL, "..").
  if (error.keyword === 'pattern' && error.instancePath.endsWith('/path') && typeof data === 'string') {
    const reason = relativeKeyProblem(data);
    if (reason !== undefined) return `${where} ${quote(data)} ${reason}`;
  }
  const params = Object.entries(error.params as Record<string, unknown>)
    .filter(([, param]) => param !== undefined)
    .map(([key, param]) => `${key}: ${quote(param)}`)
    .join(', ');
  const found = error.keyword === 'type' ? `, found ${kindOf(data)}` : '';
  return `${where} ${error.message ?? 'is invalid'}${params === '' ? '' : ` (${params})`}${found}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${quote(value)}`;
}

function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= MAX_QUOTED_CHARS ? text : `${text.slice(0, MAX_QUOTED_CHARS)}…`;
}
