import type { SiteMeta } from './catalog.js';
import { invalidDatasetIdMessage, isValidDatasetId } from './dataset-id.js';
import type { Issue, Result } from './issue.js';
import { parseJsonDocument } from './json-document.js';
import { fileTooLarge } from './json-limits.js';
import { SCHEMA_LIMITS } from './limits.js';
import {
  NotAFileError,
  objectExists,
  ObjectStoreError,
  ObjectTooLargeError,
  type ObjectStore,
} from './object-store.js';
import { checkSiteMeta } from './site-meta.js';
import type { SourceTexts } from './source-texts.js';
import { decodeUtf8Document, InvalidUtf8Error } from './utf8.js';
import type { DatasetSource } from './validate.js';

/** Where the curated files are read from: a store for `data/` and one for `schemas/`, and how to name them to users. */
export interface SourceLocation {
  readonly data: Pick<ObjectStore, 'get' | 'head' | 'exists' | 'open' | 'list' | 'absenceOf'>;
  readonly schemas: Pick<ObjectStore, 'get' | 'open' | 'absenceOf'>;
  /** Display prefix for data files, e.g. `data` ⇒ `data/trade.csv`. */
  readonly dataLabel: string;
  /** Display prefix for schema files, e.g. `schemas`. */
  readonly schemasLabel: string;
  /**
   * The source texts quotes are checked against (`source.file` of each
   * descriptor); absent: provenance is not checked, and reports say so.
   */
  readonly texts?: SourceTexts;
}

const DESCRIPTOR_SUFFIX = '.dataset.json';
/** Site-wide catalog metadata sits beside the datasets. */
export const SITE_FILE = 'site.json';

/** The names of the files directly in the data folder (not in folders inside it). */
async function dataFolderFiles(source: SourceLocation): Promise<string[]> {
  const names: string[] = [];
  for await (const key of source.data.list('')) if (!key.includes('/')) names.push(key);
  return names;
}

/** The ids of every dataset in the data folder (every `<id>.dataset.json`), sorted. */
export async function findDatasetIds(source: SourceLocation): Promise<string[]> {
  return (await dataFolderFiles(source))
    .filter((name) => name.endsWith(DESCRIPTOR_SUFFIX))
    .map((name) => name.slice(0, -DESCRIPTOR_SUFFIX.length))
    .sort();
}

/** A CSV of the data folder no descriptor names (see {@link csvWithoutDescriptor}). */
export interface CsvWithoutDescriptor {
  /** The CSV's file name. */
  readonly csv: string;
  /** The descriptor's file name it would need. */
  readonly descriptor: string;
  /** A file whose name differs from `descriptor` only in letter case, if there is one. */
  readonly nearly?: string;
  /** What stands at `descriptor`, where something that is no file does (a named pipe, a folder, a link out). */
  readonly there?: string;
}

/**
 * The CSV files of the data folder that no descriptor names (`<id>.csv` without `<id>.dataset.json`), each with
 * a file whose name differs from that descriptor's only in letter case, if there is one: such a CSV is neither
 * validated nor published, which a curator who misnamed its descriptor would not otherwise learn.
 */
export async function csvWithoutDescriptor(source: SourceLocation): Promise<CsvWithoutDescriptor[]> {
  const names = await dataFolderFiles(source);
  const present = new Set(names);
  const lacking = names
    .filter((name) => name.endsWith('.csv'))
    .sort()
    .map((csv) => ({ csv, descriptor: `${csv.slice(0, -'.csv'.length)}${DESCRIPTOR_SUFFIX}` }))
    .filter(({ descriptor }) => !present.has(descriptor));
  return Promise.all(
    lacking.map(async ({ csv, descriptor }) => {
      const nearly = names.find((name) => name.toLowerCase() === descriptor.toLowerCase());
      const there = await source.data.absenceOf?.(descriptor);
      return {
        csv,
        descriptor,
        ...(nearly === undefined ? {} : { nearly }),
        ...(there === undefined ? {} : { there }),
      };
    }),
  );
}

/** What is said of a CSV {@link csvWithoutDescriptor} found: the CLI's warning, and the list step's log. */
export function csvWithoutDescriptorMessage(
  source: SourceLocation,
  { csv, descriptor, nearly, there }: CsvWithoutDescriptor,
): string {
  return `${source.dataLabel}/${csv} has no descriptor ${source.dataLabel}/${descriptor}${there === undefined ? '' : ` (${there})`}, so it is neither validated nor published${nearly === undefined ? '' : ` (${nearly} differs only in letter case: file names are case-sensitive)`}`;
}

/** Options of {@link loadDatasetSource}. */
export interface LoadDatasetSourceOptions {
  /**
   * How issues name the CSV, when it is not read from the data folder (a
   * curator's upload: `incoming/<id>.csv`).
   *
   * @default - `<dataLabel>/<id>.csv`
   */
  readonly csvFile?: string;
}

/**
 * Reads the descriptor, schema and CSV of one dataset. A malformed id is
 * refused before any read; a missing file is an issue naming it.
 */
export async function loadDatasetSource(
  source: SourceLocation,
  id: string,
  options: LoadDatasetSourceOptions = {},
): Promise<Result<DatasetSource>> {
  const csvFile = options.csvFile ?? `${source.dataLabel}/${id}.csv`;
  if (!isValidDatasetId(id)) {
    return {
      ok: false,
      issues: [
        {
          code: 'invalid-id',
          file: csvFile,
          line: 0,
          column: 0,
          field: 'id',
          value: id,
          message: invalidDatasetIdMessage(id),
        },
      ],
    };
  }
  const descriptorFile = `${source.dataLabel}/${id}${DESCRIPTOR_SUFFIX}`;
  const schemaFile = `${source.schemasLabel}/${id}.schema.json`;
  // What stands where a file is not read (a named pipe, a folder, a link leading out of the folder), said
  // as such: a file of the dataset's, not a failure of the whole run (a named pipe stopped every dataset).
  const notAFile = new Map<string, string>();
  const noFileFor =
    (file: string) =>
    (error: unknown): undefined => {
      if (!(error instanceof NotAFileError)) throw error;
      notAFile.set(file, `${error.kind} is there`);
      return undefined;
    };
  const [csv, descriptor, schema] = await Promise.all([
    // Only looked for here; the CSV itself is streamed when validation reads it. `exists` where the store
    // has it: a directory store's `head` reads the whole file to hash it (0.2 s of 10^6 rows' 3 s).
    objectExists(source.data, `${id}.csv`)
      .then((found) => (found ? true : undefined))
      .catch(noFileFor(csvFile)),
    readDocument(
      source.data,
      `${id}${DESCRIPTOR_SUFFIX}`,
      descriptorFile,
      SCHEMA_LIMITS.maxDescriptorBytes,
    ).catch(noFileFor(descriptorFile)),
    readDocument(source.schemas, `${id}.schema.json`, schemaFile, SCHEMA_LIMITS.maxSchemaBytes).catch(
      noFileFor(schemaFile),
    ),
  ]);
  const missing: Issue[] = [];
  const check = async (
    present: unknown,
    store: Pick<ObjectStore, 'absenceOf'>,
    key: string,
    file: string,
    what: string,
  ): Promise<void> => {
    if (present !== undefined) return;
    const there = notAFile.get(file) ?? (await store.absenceOf?.(key));
    missing.push({
      code: 'file-missing',
      file,
      line: 0,
      column: 0,
      message:
        there === undefined
          ? `${what} of dataset "${id}" is missing`
          : `${what} of dataset "${id}" is no file (${there}): put the file itself there`,
    });
  };
  await check(descriptor, source.data, `${id}${DESCRIPTOR_SUFFIX}`, descriptorFile, 'the descriptor');
  await check(schema, source.schemas, `${id}.schema.json`, schemaFile, 'the JSON Schema');
  await check(csv, source.data, `${id}.csv`, csvFile, 'the CSV file');
  if (csv === undefined || descriptor === undefined || schema === undefined)
    return { ok: false, issues: missing };
  const schemaText = schema.ok ? documentText(schema.value, schemaFile) : schema;
  const descriptorText = descriptor.ok ? documentText(descriptor.value, descriptorFile) : descriptor;
  if (!schemaText.ok || !descriptorText.ok)
    return {
      ok: false,
      issues: [
        ...(schemaText.ok ? [] : schemaText.issues),
        ...(descriptorText.ok ? [] : descriptorText.issues),
      ],
    };
  return {
    ok: true,
    value: {
      id,
      csv: { file: csvFile, open: () => streamed(source.data, `${id}.csv`) },
      schema: { file: schemaFile, text: schemaText.value },
      descriptor: { file: descriptorFile, text: descriptorText.value },
    },
  };
}

/**
 * The bytes of a JSON document of the sources, `undefined` when there is none, read no further than its
 * limit (and a byte-order mark): a larger file is a `limit-exceeded` issue, the same one the limit on its
 * text gives, where it was read whole first (a 1.5 GB schema took 1.6 GB and crashed making its string).
 */
async function readDocument(
  store: Pick<ObjectStore, 'get'>,
  key: string,
  file: string,
  maxBytes: number,
): Promise<Result<Uint8Array> | undefined> {
  // The store's bounded read of a whole object, as the catalog and the source texts are read: refused by its
  // size before it is read where the store knows it, and no further than the limit where it grows.
  try {
    const found = await store.get(key, { maxBytes: maxBytes + BYTE_ORDER_MARK_BYTES });
    return found === undefined ? undefined : { ok: true, value: found.body };
  } catch (error) {
    if (error instanceof ObjectTooLargeError) return { ok: false, issues: [fileTooLarge(file, maxBytes)] };
    throw error;
  }
}

const BYTE_ORDER_MARK_BYTES = 3;

/**
 * A JSON document's text, read as strict UTF-8 as the CSV is: a byte that is not UTF-8 (a file saved as
 * Latin-1 or Windows-1251) is an `encoding-error` at its line and column, never a U+FFFD that would reach
 * a published title, or an enum value that a cell holding U+FFFD then matches.
 */
function documentText(body: Uint8Array, file: string): Result<string> {
  try {
    return { ok: true, value: decodeUtf8Document(body) };
  } catch (error) {
    if (!(error instanceof InvalidUtf8Error)) throw error;
    return {
      ok: false,
      issues: [
        {
          code: 'encoding-error',
          file,
          line: error.line,
          column: error.column,
          message: `invalid UTF-8 byte sequence at byte offset ${error.byteOffset}: the file must be saved as UTF-8`,
        },
      ],
    };
  }
}

/** Reads `site.json`, the catalog's own title, description, publisher and license. */
export async function loadSiteMeta(source: SourceLocation): Promise<Result<SiteMeta>> {
  const file = `${source.dataLabel}/${SITE_FILE}`;
  const object = await readDocument(source.data, SITE_FILE, file, SCHEMA_LIMITS.maxDescriptorBytes);
  if (object === undefined) {
    return {
      ok: false,
      issues: [
        { code: 'file-missing', file, line: 0, column: 0, message: 'the site metadata file is missing' },
      ],
    };
  }
  if (!object.ok) return object;
  const text = documentText(object.value, file);
  if (!text.ok) return text;
  const parsed = parseJsonDocument(text.value, file, 'descriptor-error');
  if (!parsed.ok) return parsed;
  return checkSiteMeta(parsed.value, file);
}

async function* streamed(data: Pick<ObjectStore, 'open'>, key: string): AsyncGenerator<Uint8Array> {
  const body = await data.open(key);
  if (body === undefined) throw new ObjectStoreError(`${key} disappeared while it was being validated`, key);
  yield* body;
}
