import { createHash } from 'node:crypto';
import type { ColumnType } from './coerce.js';
import type { PublishedColumn } from './dataset-document.js';
import { messageOf } from './errors.js';
import { headOf, readCatalog } from './history.js';
import type { ObjectStore } from './object-store.js';
import { readJsonValues } from './publish.js';
import { indexedRow, keyOf, type DatasetResolver, type KeyIndex } from './referenced-datasets.js';
import type { Row } from './row-schema.js';
import { versionFileKey } from './site-keys.js';
import { loadDatasetSource, type SourceLocation } from './sources.js';

/**
 * Datasets as readers see them: the rows of each one's latest published version, read from its
 * `<id>.json` in `store` and checked against the catalog's size and SHA-256 as they are read. A run
 * that publishes some datasets only checks their references to the others here, not in the others'
 * sources: a source may have changed since it was published, and a reference that holds only there
 * would be published pointing at rows no published version has. Indexed as
 * {@link referencedDatasets} indexes a source, each index once per run.
 */
export function publishedDatasets(store: ObjectStore): DatasetResolver {
  const indexes = new Map<string, Promise<KeyIndex>>();
  return {
    index(id, fields, columns) {
      const signature = JSON.stringify([id, fields, columns]);
      let found = indexes.get(signature);
      if (found === undefined) indexes.set(signature, (found = readPublished(store, id, fields, columns)));
      return found;
    },
  };
}

async function readPublished(
  store: ObjectStore,
  id: string,
  fields: readonly string[],
  columns: readonly string[],
): Promise<KeyIndex> {
  const latest = headOf((await readCatalog(store)).catalog, id);
  if (latest === undefined)
    return {
      ok: false,
      why: `the dataset "${id}" is not published, and its source is not in this run: publish the two together`,
    };
  const key = versionFileKey(id, latest.version, `${id}.json`);
  const listed = latest.distributions.find((file) => file.path === key);
  const where = `as published: ${key}; its source is not in this run`;
  const rows = new Map<string, Row>();
  let published: readonly PublishedColumn[] | undefined;
  const hash = createHash('sha256');
  let bytes = 0;
  if (listed === undefined)
    return {
      ok: false,
      why: `the catalog lists no ${key} for ${latest.version}, the published version of "${id}": run verify`,
    };
  try {
    // Opened only once it is known to be wanted: the stream's handle is closed by reading it to its end.
    const chunks = await store.open(key);
    if (chunks === undefined)
      return { ok: false, why: `${key}, the published version of "${id}", is missing` };
    const hashed = async function* (): AsyncIterable<Uint8Array> {
      for await (const chunk of chunks) {
        hash.update(chunk);
        bytes += chunk.byteLength;
        yield chunk;
      }
    };
    // `columns` comes before the rows in the file; a row's key is its values' JSON text, as a source's is.
    await readJsonValues(key, hashed(), ['$.columns', '$.rows.*'], (value) => {
      if (published === undefined) {
        published = value as PublishedColumn[];
        return 'continue';
      }
      // Without a prototype, as validation's rows are: a column may be named `constructor`.
      const row = Object.assign(Object.create(null) as Row, value);
      const rowKey = keyOf(row, fields);
      if (rowKey !== undefined && !rows.has(rowKey)) rows.set(rowKey, indexedRow(row, columns));
      return 'continue';
    });
  } catch (error) {
    return {
      ok: false,
      why: `${key}, the published version of "${id}", cannot be read (${messageOf(error)})`,
    };
  }
  if (hash.digest('hex') !== listed.sha256 || bytes !== listed.bytes)
    return {
      ok: false,
      why: `${key}, the published version of "${id}", is not the file the catalog lists (its size or SHA-256 differ): restore it, or run verify`,
    };
  const names = new Map((published ?? []).map((column) => [column.name, column.type]));
  const unknown = [...fields, ...columns].find((name) => !names.has(name));
  if (unknown !== undefined)
    return { ok: false, why: `"${unknown}" is not a column of the dataset "${id}" (${where})` };
  const fieldTypes = fields.map((name): ColumnType => names.get(name) ?? 'string');
  return { ok: true, file: where, rows, fieldTypes };
}

/**
 * What publishing `id` from its source would break in the datasets published beside it: the references
 * (`foreignKeys`) of each published dataset the run does not publish that its new rows would leave without
 * a row. Read through `datasets`, the run's resolver, which gives `id` from its source and the others as
 * published (see `runContextOf` in `pipeline.ts`). A dataset's foreign keys are read from its source
 * descriptor, since no published file carries them; one whose source is gone is not looked at.
 */
export async function referencesBrokenBy(
  id: string,
  options: {
    readonly published: readonly { readonly id: string; readonly latest: string }[];
    readonly inRun: ReadonlySet<string>;
    readonly source: SourceLocation;
    readonly datasets: DatasetResolver;
  },
): Promise<string[]> {
  const broken: string[] = [];
  for (const other of options.published) {
    if (other.id === id || options.inRun.has(other.id)) continue;
    const loaded = await loadDatasetSource(options.source, other.id);
    if (!loaded.ok) continue;
    for (const [index, key] of declaredForeignKeys(loaded.value.descriptor.text).entries()) {
      if (key.resource !== id) continue;
      const [mine, theirs] = await Promise.all([
        options.datasets.index(id, key.referenced, []),
        options.datasets.index(other.id, key.fields, []),
      ]);
      // Either unreadable: the dataset's own validation, or the published tree's check, says why.
      if (!mine.ok || !theirs.ok) continue;
      const missing = [...theirs.rows.keys()].filter((value) => !mine.rows.has(value));
      if (missing.length === 0) continue;
      const shown = missing
        .slice(0, 3)
        .map((value) => describeKeyText(key.fields, value))
        .join('; ');
      broken.push(
        `publishing it would leave the published ${other.id} ${other.latest} referring to ${missing.length === 1 ? 'a row' : `${missing.length} rows`} it no longer has (${shown}${missing.length > 3 ? '; …' : ''}; foreignKeys/${index} of ${other.id}): publish the two together, ${other.id} changed to match`,
      );
    }
  }
  return broken;
}

/** The foreign keys a descriptor's text declares, loosely read (`[]` where it does not parse). */
function declaredForeignKeys(text: string): {
  readonly fields: readonly string[];
  readonly resource: string;
  readonly referenced: readonly string[];
}[] {
  let descriptor: unknown;
  try {
    descriptor = JSON.parse(text);
  } catch {
    return [];
  }
  const keys = (descriptor as { foreignKeys?: unknown } | null)?.foreignKeys;
  if (!Array.isArray(keys)) return [];
  return keys.flatMap((key: { fields?: unknown; reference?: { resource?: unknown; fields?: unknown } }) => {
    const fields = names(key?.fields);
    const referenced = names(key?.reference?.fields);
    const resource = key?.reference?.resource;
    return fields === undefined || referenced === undefined || typeof resource !== 'string'
      ? []
      : [{ fields, resource, referenced }];
  });
}

function names(list: unknown): readonly string[] | undefined {
  if (typeof list === 'string') return [list];
  return Array.isArray(list) && list.every((name) => typeof name === 'string')
    ? (list as string[])
    : undefined;
}

/** `a=1, b=x` for a key given as the JSON text of its values. */
function describeKeyText(fields: readonly string[], text: string): string {
  const values = JSON.parse(text) as unknown[];
  return fields.map((name, index) => `${name}=${String(values[index])}`).join(', ');
}
