import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import catalogSchema from '../../schemas/catalog.schema.json' with { type: 'json' };
import { compareVersions, normalizeBaseUrl, type Catalog } from './catalog.js';
import { relativeKeyProblem } from './relative-key.js';

/**
 * The outcome of {@link checkCatalogShape}: the typed catalog, or one line saying what is wrong and where,
 * worded to follow the catalog's name (`catalog.json does not match …`, `catalog.json lists …`).
 */
export type CatalogShape =
  { readonly ok: true; readonly catalog: Catalog } | { readonly ok: false; readonly message: string };

// Longest excerpt of a wrong value quoted in a message: enough to recognise it, never a whole document.
const MAX_QUOTED_CHARS = 80;

let catalogChecks: Ajv2020 | undefined;
let compiled: ValidateFunction<Catalog> | undefined;

/**
 * The ajv instance the catalog's checks are compiled in, of its own rather than row-schema.ts row-schema
 * scopes: the catalog is not a row schema and needs none of its keywords, and `allErrors` stays off so
 * that a catalog with a million bad entries costs one error, not a million.
 */
function catalogAjv(): Ajv2020 {
  if (catalogChecks === undefined) {
    catalogChecks = new Ajv2020({ strict: true, allErrors: false, verbose: true });
    addFormats.default(catalogChecks);
  }
  return catalogChecks;
}

function validator(): ValidateFunction<Catalog> {
  compiled ??= catalogAjv().compile<Catalog>(catalogSchema);
  return compiled;
}

/**
 * Checks a parsed `catalog.json` against `schemas/catalog.schema.json`, then
 * against what a history must be that the schema cannot say: each dataset
 * listed once, each of its versions once, and `latest` naming the highest
 * version listed. A catalog read from somewhere else is untrusted: anything of
 * the wrong shape (an array, `datasets` that is not a list, a `bytes` that is
 * a string, a path that is a URL) is reported as one line naming the JSON
 * Pointer of the first wrong value, so that nothing downstream ever meets a
 * value of the wrong type; a dataset or version listed twice is named with the
 * pointers of its entries, as a publish on top of it would keep one of them
 * and drop the other's versions from the catalog.
 */
export function checkCatalogShape(value: unknown): CatalogShape {
  const validate = validator();
  if (!validate(value)) {
    const error = validate.errors?.[0];
    const what = error === undefined ? '' : `: ${describe(error)}`;
    return { ok: false, message: `does not match schemas/catalog.schema.json${what}` };
  }
  const problem = historyProblem(value);
  return problem === undefined ? { ok: true, catalog: value } : { ok: false, message: problem };
}

let compiledBaseUrl: ValidateFunction<string> | undefined;

/**
 * Why a base URL given to a run cannot be recorded as the catalog's `baseUrl`, or `undefined` when it can:
 * the URL, as the catalog records it ({@link normalizeBaseUrl}), must pass the schema's own rule for it, or
 * the run would list its versions in a catalog that it, every later run and verify then refuse (a `%zz`,
 * `[]` or `|` in the path, which the URL parser keeps as written and the `uri` format refuses).
 */
export function baseUrlProblem(baseUrl: string): string | undefined {
  let recorded: string;
  try {
    recorded = normalizeBaseUrl(baseUrl);
  } catch {
    return 'is not a URL';
  }
  compiledBaseUrl ??= catalogAjv().compile<string>(catalogSchema.properties.baseUrl);
  if (compiledBaseUrl(recorded)) return undefined;
  const error = compiledBaseUrl.errors?.[0];
  return `would be recorded as ${quote(recorded)}, which schemas/catalog.schema.json refuses for baseUrl${error === undefined ? '' : ` (${error.message ?? 'is invalid'})`}`;
}

/**
 * The first entry of the catalog that cannot be part of a dataset's one history, in document order: a dataset
 * id listed again, a version number listed again within a dataset, or a `latest` that is not the highest
 * version listed (a later version would be left out of `latest/`, and the next one staged on an older base).
 * Linear in the number of versions, however many entries repeat.
 */
function historyProblem(catalog: Catalog): string | undefined {
  const seen = new Set<string>();
  for (const [index, dataset] of catalog.datasets.entries()) {
    if (seen.has(dataset.id)) {
      const at = catalog.datasets.flatMap((entry, place) =>
        entry.id === dataset.id ? [`/datasets/${place}`] : [],
      );
      return `lists dataset ${quote(dataset.id)} ${repeated(at)}: each dataset is listed once, with every version it has`;
    }
    seen.add(dataset.id);
    const versions = new Set<string>();
    for (const { version } of dataset.versions) {
      if (versions.has(version)) {
        const at = dataset.versions.flatMap((entry, place) =>
          entry.version === version ? [`/datasets/${index}/versions/${place}`] : [],
        );
        return `lists version ${version} of dataset ${quote(dataset.id)} ${repeated(at)}: each version is listed once`;
      }
      versions.add(version);
    }
    if (!versions.has(dataset.latest))
      return `dataset ${quote(dataset.id)} names ${dataset.latest} as its latest version, but lists no such version (/datasets/${index}/latest)`;
    const later = dataset.versions.findIndex(({ version }) => compareVersions(version, dataset.latest) > 0);
    if (later !== -1)
      return `dataset ${quote(dataset.id)} names ${dataset.latest} as its latest version, but lists a later one, ${dataset.versions[later]?.version ?? ''} (/datasets/${index}/versions/${later})`;
  }
  return undefined;
}

/** `twice (/datasets/0 and /datasets/3)`, `5000 times (/datasets/0, /datasets/1, …)`. */
function repeated(pointers: readonly string[]): string {
  if (pointers.length === 2) return `twice (${pointers.join(' and ')})`;
  const shown = pointers.length > 3 ? [...pointers.slice(0, 2), '…'] : pointers;
  return `${pointers.length} times (${shown.join(', ')})`;
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
