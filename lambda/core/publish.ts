import { JSONParser } from '@streamparser/json';
import type { CanonicalTable } from './canonical.js';
import type { Catalog, CatalogVersion, Distribution, VersionForeignKey, VersionRule } from './catalog.js';
import { columnList, type DeclaredRule, type ForeignKey } from './descriptor.js';
import {
  classifyChange,
  diffColumns,
  diffSortedRows,
  FIRST_VERSION,
  nextVersion,
  previewChanges,
  type SchemaChanges,
  type SpilledRowChanges,
} from './changes.js';
import { datasetMetadata, type PublishedColumn } from './dataset-document.js';
import { OpenDataError } from './errors.js';
import {
  candidateVersions,
  datasetFolderContents,
  type DatasetFolderContents,
  claimVersionFolder,
  headOf,
  LostCatalogEntryError,
  MAX_SKIPPED_VERSIONS,
  readCatalog,
  type StageResult,
} from './history.js';
import { NotWrittenLayoutError, writtenArrayItems } from './json-writer.js';
import {
  absenceNote,
  digestedAsRead,
  ObjectStoreError,
  type ContentDigest,
  type ObjectStore,
} from './object-store.js';
import { inMemory, rowParserFor } from './row-source.js';
import type { Row } from './row-schema.js';
import type { ScratchDirectory } from './scratch.js';
import { RowSorter } from './sort-rows.js';
import { withTrailingSlash } from './site.js';
import {
  citationFolder,
  datasetFolder,
  datasetPageKey,
  keysOfUnlistedVersions,
  latestFolder,
  versionFileKey,
} from './site-keys.js';
import type { DatasetReport } from './validate.js';
import { renderVersionFiles, type RenderedFile } from './version-files.js';

/** Result of staging one dataset: nothing to do, or a new version whose files are now written. */
export type StageOutcome = StageResult;

/**
 * A published file this run must read (the previous version's `<id>.json`) cannot be read as such,
 * or is not the file the catalog lists. The message ends with what to do.
 */
export class CorruptPublishedFileError extends OpenDataError {
  override readonly name = 'CorruptPublishedFileError';
  readonly code = 'published-file-corrupt';
}

/** What to do about a previous version's file that is missing or changed, after what is wrong with it. */
const RESTORE_PREVIOUS =
  "; the changes of a new version are worked out from it, so nothing was published: restore it from a copy (a backup, or the bucket's version history on S3), then run verify and publish again";

/** Every version number a new version could take is held by debris of failed attempts. */
export class NoFreeVersionError extends OpenDataError {
  override readonly name = 'NoFreeVersionError';
  readonly code = 'no-free-version';
}

/**
 * Throws a {@link LostCatalogEntryError} where `id`, which `catalog` does not list, has in its folder a file
 * only a listed version leaves (`keysOfUnlistedVersions`: its page, `latest/` files, citations), written
 * only after a commit listed one of its versions: its entry was lost (catalog.json deleted, or edited), and
 * a first version now would start its history again, leaving the published versions unlisted. Version
 * folders alone are no sign: a first run whose commit failed leaves them, and the next run adopts them. A
 * catalog that lists it when read again (another publisher listed it meanwhile) is no loss: the commit
 * stages the dataset again on it.
 */
async function assertNeverListed(
  store: ObjectStore,
  id: string,
  catalog: Catalog | undefined,
  folder: DatasetFolderContents,
): Promise<void> {
  const lost = keysOfUnlistedVersions(folder.others, catalog);
  if (lost.length === 0) return;
  // Another publisher may have listed it since `catalog` was read, and written its page: read again.
  if (headOf((await readCatalog(store)).catalog, id) !== undefined) return;
  // Named by where they are: the page, the latest/ folder, the cite/ folder.
  const signs = [datasetPageKey(id), latestFolder(id), citationFolder(id)].filter((sign) =>
    lost.some((key) => key === sign || (sign.endsWith('/') && key.startsWith(sign))),
  );
  const named =
    signs.length < 2 ? signs.join('') : `${signs.slice(0, -1).join(', ')} and ${signs.at(-1) ?? ''}`;
  const why = catalog === undefined ? 'there is no catalog.json' : `catalog.json lists no "${id}"`;
  throw new LostCatalogEntryError(
    `dataset "${id}": the tree holds ${named}, which only a listed version leaves, but ${why}: its published versions would no longer be listed, so nothing was published. Restore catalog.json from a copy (a backup, or the bucket's version history on S3), or publish to an empty folder to start a new site`,
  );
}

/** The last moment a catalog date can say: its year has four digits. */
const LAST_CATALOG_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * The publish time chosen for the run is before the latest version's, so the new version would be dated
 * before it; or the new version would be dated past year 9999, which no catalog date can say.
 */
export class PublishTimeError extends OpenDataError {
  override readonly name = 'PublishTimeError';
  readonly code = 'publish-time-before-latest';
}

/** Sizes of the pieces publishing streams in; the defaults suit real data, tests make them tiny. */
export interface StreamingTuning {
  /** Rows sorted in memory per run when the input is out of key order. */
  readonly sortRunRows?: number;
  /** Rows per Parquet row group. */
  readonly parquetRowGroupRows?: number;
  /**
   * Rows in key order before the Parquet file is written by a worker thread while the rows are validated.
   * @default PARQUET_WORKER_ROWS
   */
  readonly parquetWorkerRows?: number;
}

/** Where and how a dataset is staged. */
export interface StageOptions {
  /** Scratch space for the rendered files and spilled rows, removed by the caller. */
  readonly scratch: ScratchDirectory;
  /** Absolute site URL for download links in the catalog. */
  readonly baseUrl?: string | undefined;
  readonly tuning?: StreamingTuning | undefined;
  /** The curator's reason for this run's changes; overrides the descriptor's `changeMessage`. */
  readonly message?: string | undefined;
  /**
   * The catalog to stage against (a re-base passes the one it just read);
   * read from the store when not given.
   */
  readonly base?: { readonly catalog: Catalog | undefined } | undefined;
  /**
   * Whether `now` was chosen (`SOURCE_DATE_EPOCH`) rather than read from the clock: a new version it
   * would date before the dataset's latest is then refused. A clock's time before the latest version's
   * (a run that started before another one committed, or a clock behind another machine's) dates the
   * new version a millisecond after the latest, so that a history's times never go backwards.
   * @default false
   */
  readonly chosenTime?: boolean | undefined;
}

/**
 * Stages one valid dataset: its new version written, not yet listed. The base
 * is the dataset's head in the catalog: the same content hash ⇒ unchanged,
 * nothing written. Otherwise the change is classified against the base, the
 * files are rendered and written create-only into the first free version
 * folder (see `claimVersionFolder` in history.ts), and the version waits for
 * `commitVersions` to list it. Nothing outside that folder is written:
 * `latest/` follows the catalog, after the commit.
 *
 * Everything streams: the rows are read from scratch files, the previous
 * version is compared by merging two key-sorted streams, and each file is
 * rendered to a scratch file before it is uploaded.
 */
export async function stageDataset(
  store: ObjectStore,
  table: CanonicalTable,
  report: DatasetReport,
  now: Date,
  options: StageOptions,
): Promise<StageOutcome> {
  const { definition } = table;
  const { id } = definition;
  const { scratch, baseUrl } = options;
  const catalog = options.base === undefined ? (await readCatalog(store)).catalog : options.base.catalog;
  const latest = headOf(catalog, id);
  // A first version lists the dataset's folder once, for both what a listed version leaves and the version
  // folders held; a later one lists it only once it knows the dataset changed (an unchanged run lists nothing).
  const firstFolder = latest === undefined ? await datasetFolderContents(store, id) : undefined;
  if (firstFolder !== undefined) await assertNeverListed(store, id, catalog, firstFolder);
  if (latest !== undefined && latest.contentHash === table.contentHash) {
    return { status: 'unchanged', id, version: latest.version };
  }
  if (options.chosenTime === true && latest !== undefined && now.getTime() < Date.parse(latest.published)) {
    throw new PublishTimeError(
      `${id}: the publish time chosen, ${now.toISOString()}, is before that of ${latest.version}, its latest version, ` +
        `published ${latest.published}: a new version cannot be dated before the one it follows, so nothing ` +
        `was published; set SOURCE_DATE_EPOCH to ${Math.ceil(Date.parse(latest.published) / 1000)} or later, or unset it`,
    );
  }

  // Dated no earlier than the version it follows: a clock behind the latest version's time (a run that
  // started before another one committed, or another machine's clock) dates it just after it.
  const published =
    latest !== undefined && now.getTime() <= Date.parse(latest.published)
      ? new Date(Date.parse(latest.published) + 1).toISOString()
      : now.toISOString();
  // A catalog date has a four-digit year (catalog.schema.json's date-time): one past 9999 would be listed, and
  // every later run and verify would then refuse the catalog that lists it.
  if (Date.parse(published) > LAST_CATALOG_TIME)
    throw new PublishTimeError(
      latest !== undefined && now.getTime() <= Date.parse(latest.published)
        ? `${id}: ${latest.version}, its latest version, is dated ${latest.published}, the last moment a catalog date can say (its year has four digits): a version after it cannot be dated, so nothing was published`
        : `${id}: the publish time, ${now.toISOString()}, is past 9999-12-31T23:59:59.999Z, the last moment a catalog date can say (its year has four digits), so nothing was published`,
    );

  // The previous version's primary key, where its file states one: how its removed rows are named.
  let previousKey: readonly string[] | undefined;
  let change: CatalogVersion['change'] = 'initial';
  let first = FIRST_VERSION;
  let schemaChanged = false;
  let schemaChanges: SchemaChanges = { added: [], removed: [], changed: [] };
  let rowChanges: SpilledRowChanges = {
    summary: { added: table.rows.count, removed: 0, changed: 0 },
    added: table.rows,
    removed: inMemory([]),
    changed: inMemory([]),
  };
  if (latest !== undefined) {
    const previous = await readPreviousVersion(store, id, latest, {
      primaryKey: definition.descriptor.primaryKey,
      scratch,
      sortRunRows: options.tuning?.sortRunRows,
    });
    const { primaryKey } = definition.descriptor;
    previousKey = previous.primaryKey;
    // A new primary key reorders the table and changes what identifies a row: a schema change.
    const keyChanged =
      previous.primaryKey !== undefined && JSON.stringify(previous.primaryKey) !== JSON.stringify(primaryKey);
    schemaChanges = {
      ...diffColumns(previous.columns, datasetMetadata(definition, FIRST_VERSION).columns),
      ...(keyChanged && previous.primaryKey !== undefined
        ? { primaryKey: { old: previous.primaryKey, new: primaryKey } }
        : {}),
    };
    // The schema's hash is of its canonical JSON, where the order of properties is lost: a new column
    // order, which every file's layout follows, is a schema change all the same.
    // A new title or description is not a new rule: compared by the rules' hash where the latest
    // version records one, by the whole schema's before it was recorded.
    const rulesChanged =
      latest.rulesHash === undefined
        ? latest.schemaHash !== table.schemaHash
        : latest.rulesHash !== table.rulesHash;
    schemaChanged = rulesChanged || keyChanged || schemaChanges.order !== undefined;
    rowChanges = await diffSortedRows(
      previous.rows.open(),
      table.rows.open(),
      definition.descriptor.primaryKey,
      scratch,
    );
    change = classifyChange(schemaChanged, rowChanges.summary);
    first = nextVersion(latest.version, change);
  }

  const earlier = catalog?.datasets.find((entry) => entry.id === id)?.versions ?? [];
  const message = changeMessage(options.message, definition.descriptor.changeMessage, earlier);
  // The descriptor's message, left there from the change it explained, does not explain this one.
  const messageUsedBy =
    options.message === undefined && definition.descriptor.changeMessage !== undefined
      ? earlier.find((version) => version.message === definition.descriptor.changeMessage)?.version
      : undefined;
  const skipped: string[] = [];
  const held = (firstFolder ?? (await datasetFolderContents(store, id))).versions;
  for (const { version, pass } of candidateVersions(first, held)) {
    if (pass) {
      skipped.push(version);
      continue;
    }
    const files = await renderVersionFiles(
      {
        table,
        version,
        change,
        previousVersion: latest?.version,
        schemaChanged,
        schemaChanges,
        rowChanges,
        report,
        message,
        ...(options.tuning?.parquetRowGroupRows === undefined
          ? {}
          : { parquetRowGroupRows: options.tuning.parquetRowGroupRows }),
      },
      scratch,
    );
    if ((await claimVersionFolder(store, id, version, files)) === 'taken') {
      skipped.push(version);
      continue;
    }
    const { descriptor } = definition;
    return {
      status: 'staged',
      id,
      staged: {
        id,
        title: descriptor.title,
        description: descriptor.description,
        keywords: descriptor.keywords,
        license: descriptor.license,
        version: {
          version,
          published,
          contentHash: table.contentHash,
          schemaHash: table.schemaHash,
          rulesHash: table.rulesHash,
          rows: table.rows.count,
          change,
          ...(latest === undefined ? {} : { previousVersion: latest.version }),
          ...(message === undefined ? {} : { message }),
          // Recorded even where none are declared: absent means a version from before they were recorded.
          foreignKeys: (definition.descriptor.foreignKeys ?? []).map(recordedForeignKey),
          crossDatasetRules: crossDatasetRules(id, definition.descriptor.rules ?? []),
          distributions: files.map((file) =>
            distribution(versionFileKey(id, version, file.name), file, baseUrl),
          ),
        },
        ...(skipped.length === 0 ? {} : { skipped }),
        ...(messageUsedBy === undefined ? {} : { messageUsedBy }),
        ...(change === 'initial'
          ? {}
          : {
              changes: await previewChanges(
                rowChanges,
                definition.descriptor.primaryKey,
                undefined,
                previousKey ?? definition.descriptor.primaryKey,
              ),
            }),
      },
    };
  }
  throw new NoFreeVersionError(
    `dataset "${id}": versions ${skipped[0]} to ${skipped[skipped.length - 1]} were all taken while this run tried them (${MAX_SKIPPED_VERSIONS} free numbers, each written first by another publisher, or refused by the store); look at ${datasetFolder(id)} in the published tree, and run again`,
  );
}

/** A descriptor's foreign key as the catalog records it, each list of fields an array. */
/**
 * The `equals` rules of dataset `id` that compare its rows with another dataset's, as a catalog version
 * records them (see {@link CatalogVersion.crossDatasetRules}): not one that names a known conflict.
 */
export function crossDatasetRules(id: string, rules: readonly DeclaredRule[]): VersionRule[] {
  return rules.flatMap((rule) =>
    rule.kind !== 'equals' ||
    rule.conflict !== undefined ||
    rule.reference.resource === '' ||
    rule.reference.resource === id
      ? []
      : [
          {
            id: rule.id,
            column: rule.column,
            fields: [...columnList(rule.fields)],
            reference: {
              resource: rule.reference.resource,
              fields: [...columnList(rule.reference.fields)],
              column: rule.reference.column,
            },
            ...(rule.tolerance === undefined ? {} : { tolerance: rule.tolerance }),
          },
        ],
  );
}

function recordedForeignKey(key: ForeignKey): VersionForeignKey {
  return {
    fields: [...columnList(key.fields)],
    reference: { resource: key.reference.resource, fields: [...columnList(key.reference.fields)] },
  };
}

/**
 * The message a new version carries: the one this run was given, else the
 * descriptor's `changeMessage` when there is a previous version and no earlier
 * version already carries that message. A message left in the descriptor
 * explains one change, not every later one (nor every other one), and a first
 * version changes nothing: a tree published afresh from curated data says no
 * "why" it has no "before" for.
 */
function changeMessage(
  given: string | undefined,
  descriptor: string | undefined,
  earlier: readonly CatalogVersion[],
): string | undefined {
  if (given !== undefined) return given;
  if (descriptor === undefined || earlier.length === 0) return undefined;
  return earlier.some((version) => version.message === descriptor) ? undefined : descriptor;
}

/**
 * The previous version as the comparison needs it: its columns, and its rows sorted by the new key.
 * Its `<id>.json` is hashed as its rows are read and must be the file the catalog lists (its SHA-256):
 * a file changed since it was published would make the new version's changes, which are never
 * rewritten, state differences that no published version had.
 */
async function readPreviousVersion(
  store: ObjectStore,
  id: string,
  latest: CatalogVersion,
  options: { primaryKey: readonly string[]; scratch: ScratchDirectory; sortRunRows: number | undefined },
): Promise<{
  columns: readonly PublishedColumn[];
  /** The previous version's primary key (absent from files that do not state it). */
  primaryKey: readonly string[] | undefined;
  rows: Awaited<ReturnType<RowSorter['finish']>>;
}> {
  const key = versionFileKey(id, latest.version, `${id}.json`);
  const listed = latest.distributions.find((file) => file.path === key);
  const open = async () => {
    const chunks = await store.open(key);
    if (chunks === undefined)
      throw new CorruptPublishedFileError(
        `${key} is listed in the catalog but missing from the store${await absenceNote(store, key)}${RESTORE_PREVIOUS}`,
      );
    return chunks;
  };
  // The metadata comes before the rows in the file, so this read stops early.
  // `primaryKey` (a list of names) comes before `columns` (a list of objects).
  let columns: PublishedColumn[] | undefined;
  let primaryKey: string[] | undefined;
  await readJsonValues(key, await open(), ['$.primaryKey', '$.columns'], (value) => {
    if (Array.isArray(value) && value.every((name) => typeof name === 'string') && columns === undefined) {
      primaryKey = value as string[];
      return 'continue';
    }
    columns = value as PublishedColumn[];
    return 'stop';
  });
  if (columns === undefined) throw new Error(`${key} has no "columns"`);
  // Sorted again by this version's key: a no-op pass when the key and its types are unchanged.
  let sorter = new RowSorter(options.scratch, options.primaryKey, options.sortRunRows);
  const digest = await readPublishedRows(
    open,
    key,
    rowParserFor(columns),
    (rows) => sorter.add(rows),
    () => {
      sorter = new RowSorter(options.scratch, options.primaryKey, options.sortRunRows);
    },
  );
  assertAsListed(key, listed, digest);
  return { columns, primaryKey, rows: await sorter.finish() };
}

/**
 * The rows of a published `<id>.json`, handed to `onRows` a batch at a time, and the size and SHA-256 of
 * the file as read: a line each, as `writeJsonObject` lays them out (one `JSON.parse` a row, several
 * times faster than a streaming parser), and where the file is laid out otherwise (an older tree, a file
 * rewritten with the same rows, or a damaged one, which the parser then tells of), read again from the
 * start by a streaming parser, after `restart`, which drops what was handed over before.
 */
export async function readPublishedRows(
  open: () => Promise<AsyncIterable<Uint8Array>>,
  key: string,
  parse: (line: string) => Row,
  onRows: (rows: Row[]) => Promise<void> | void,
  restart: () => void,
): Promise<ContentDigest> {
  const byLines = digestedAsRead(await open());
  try {
    for await (const lines of writtenArrayItems(byLines.chunks, 'rows')) {
      const rows: Row[] = [];
      for (const line of lines) {
        const row = parse(line);
        if (typeof row !== 'object' || row === null || Array.isArray(row))
          throw new NotWrittenLayoutError('an item that is no object');
        rows.push(row);
      }
      await onRows(rows);
    }
    return byLines.digest();
  } catch (error) {
    if (!(error instanceof NotWrittenLayoutError || error instanceof SyntaxError)) throw error;
  }
  restart();
  const byParser = digestedAsRead(await open());
  let batch: Row[] = [];
  await readJsonValues(
    key,
    byParser.chunks,
    ['$.rows.*'],
    (value) => {
      batch.push(value as Row);
      return 'continue';
    },
    async () => {
      if (batch.length === 0) return;
      await onRows(batch);
      batch = [];
    },
  );
  await onRows(batch);
  return byParser.digest();
}

/** Throws unless the file read is the one the catalog lists (its SHA-256 and size), when it lists one. */
function assertAsListed(
  key: string,
  listed: Distribution | undefined,
  { sha256, bytes }: ContentDigest,
): void {
  if (listed !== undefined && (sha256 !== listed.sha256 || bytes !== listed.bytes))
    throw new CorruptPublishedFileError(
      `${key} has sha256 ${sha256} (${bytes} bytes); the catalog says ${listed.sha256} (${listed.bytes} bytes): ` +
        `a published file must never change${RESTORE_PREVIOUS}`,
    );
}

/**
 * Streams a JSON document through a parser that emits only the values at
 * `paths`; `onValue` may stop the read early. `afterChunk` runs once the values
 * of each chunk have been handed over (where a consumer can await). A document
 * that is not JSON, or ends too soon, is an error naming `key`.
 */
export async function readJsonValues(
  key: string,
  chunks: AsyncIterable<Uint8Array>,
  paths: string[],
  onValue: (value: unknown) => 'continue' | 'stop',
  afterChunk: () => Promise<void> = async () => {},
): Promise<void> {
  const parser = new JSONParser({ paths, keepStack: false });
  let stopped = false;
  parser.onValue = ({ value }) => {
    if (!stopped && onValue(value) === 'stop') stopped = true;
  };
  try {
    for await (const chunk of chunks) {
      parser.write(chunk);
      await afterChunk();
      if (stopped) return; // leaving the loop releases the stream
    }
    if (!parser.isEnded) parser.end(); // ends by itself after a complete document; throws if cut short
  } catch (error) {
    if (error instanceof ObjectStoreError) throw error;
    const detail = error instanceof Error ? ` (${error.message})` : '';
    throw new CorruptPublishedFileError(
      `${key} in the published tree is not the JSON it should be${detail}${RESTORE_PREVIOUS}`,
      { cause: error },
    );
  }
}

function distribution(key: string, file: RenderedFile, baseUrl: string | undefined): Distribution {
  return {
    format: file.format,
    mediaType: file.mediaType,
    path: key,
    bytes: file.bytes,
    sha256: file.sha256,
    ...(baseUrl === undefined ? {} : { url: new URL(key, withTrailingSlash(baseUrl)).href }),
  };
}
