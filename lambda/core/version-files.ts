import type { CanonicalTable } from './canonical.js';
import type { ChangeKind, SchemaChanges, SpilledRowChanges } from './changes.js';
import { columnStats } from './column-stats.js';
import { datasetMetadata } from './dataset-document.js';
import { buildDataPackage, type PackagedFile } from './datapackage.js';
import { writeJsonObject } from './json-writer.js';
import { bodyBytes, bodySha256, type PutBody } from './object-store.js';
import { writeParquet } from './parquet.js';
import type { ByteSink, ScratchDirectory } from './scratch.js';
import type { DatasetReport } from './validate.js';

/** Everything a renderer may use to produce one file of a version. */
export interface VersionContext {
  readonly table: CanonicalTable;
  readonly version: string;
  readonly change: ChangeKind;
  readonly previousVersion: string | undefined;
  readonly schemaChanged: boolean;
  readonly schemaChanges: SchemaChanges;
  readonly rowChanges: SpilledRowChanges;
  readonly report: DatasetReport;
  /** The curator's reason for the change, written into `changes.json`. */
  readonly message?: string | undefined;
  /** Rows per Parquet row group (the default suits publishing; tests make it small). */
  readonly parquetRowGroupRows?: number;
}

/** One rendered file of a version folder. */
export interface RenderedFile {
  /** File name inside `datasets/<id>/<version>/`. */
  readonly name: string;
  /** Catalog format label (`csv`, `json`, `datapackage`, …). */
  readonly format: string;
  /** IANA media type without parameters, as listed in the catalog. */
  readonly mediaType: string;
  /** The bytes: a scratch file for the data files, in memory for the small ones. */
  readonly body: PutBody;
  readonly bytes: number;
  /** SHA-256 of the bytes, lowercase hex. */
  readonly sha256: string;
}

/**
 * Produces one file of a version by writing it to a sink, a piece at a time.
 * Renderers are pure: the same context gives byte-identical output, and none
 * of them may embed the wall-clock time.
 */
export interface VersionRenderer {
  readonly format: string;
  readonly mediaType: string;
  /** Listed as a resource in `datapackage.json`. */
  readonly packaged: boolean;
  /** The file holds the dataset's table (CSV, Parquet): its resource gets the Table Schema. */
  readonly tabular: boolean;
  fileName(id: string): string;
  render(context: VersionContext, sink: ByteSink): Promise<void>;
  /** The file when it already exists as a body (the canonical CSV): handed over instead of rendered again. */
  existing?(context: VersionContext): PutBody;
}

const encoder = new TextEncoder();
const json = (value: unknown): Uint8Array => encoder.encode(`${JSON.stringify(value, null, 2)}\n`);

const csvRenderer: VersionRenderer = {
  format: 'csv',
  mediaType: 'text/csv',
  packaged: true,
  tabular: true,
  fileName: (id) => `${id}.csv`,
  render: async ({ table }, sink) => {
    for await (const chunk of table.csv.open()) await sink.write(chunk);
  },
  existing: ({ table }) => table.csv,
};

/** `<id>.json`: the metadata pretty-printed, then the typed rows, one per line. */
const jsonRenderer: VersionRenderer = {
  format: 'json',
  mediaType: 'application/json',
  packaged: true,
  tabular: false, // typed rows wrapped with metadata, not a bare table a Frictionless reader would load
  fileName: (id) => `${id}.json`,
  render: ({ table, version }, sink) =>
    writeJsonObject(sink, datasetMetadata(table.definition, version), [['rows', table.rows.openJson()]]),
};

/** `<id>.parquet`: the version's table with typed columns, written a row group at a time. */
const parquetRenderer: VersionRenderer = {
  format: 'parquet',
  mediaType: 'application/vnd.apache.parquet',
  packaged: true,
  tabular: true,
  fileName: (id) => `${id}.parquet`,
  render: async ({ table, parquetRowGroupRows }, sink) => {
    await writeParquet(table.definition.columns, table.rows.open(), sink, {
      ...(parquetRowGroupRows === undefined ? {} : { rowGroupRows: parquetRowGroupRows }),
    });
  },
};

const validationRenderer: VersionRenderer = {
  format: 'validation',
  mediaType: 'application/json',
  packaged: false,
  tabular: false,
  fileName: () => 'validation.json',
  render: async ({ report, table }, sink) => {
    const id = table.definition.id;
    // Published reports name the files as they sit in the repository, not where this run read them from,
    // so that the same inputs give the same bytes wherever they are published from.
    const files = {
      csv: `data/${id}.csv`,
      schema: `schemas/${id}.schema.json`,
      descriptor: `data/${id}.dataset.json`,
    };
    await sink.write(json({ valid: report.valid, datasets: [{ ...report, files }] }));
  },
};

/**
 * `changes.json`: what changed since the previous version, the row lists
 * streamed one row per line. An initial version states its change without
 * repeating every row as added (they are in `<id>.json` and the CSV):
 * `rowsListed` is false and the lists are empty.
 */
const changesRenderer: VersionRenderer = {
  format: 'changes',
  mediaType: 'application/json',
  packaged: false,
  tabular: false,
  fileName: () => 'changes.json',
  render: (context, sink) => {
    const { table, version, previousVersion, change, schemaChanged, schemaChanges, rowChanges, message } =
      context;
    const head = {
      id: table.definition.id,
      version,
      previousVersion: previousVersion ?? null,
      change,
      ...(message === undefined ? {} : { message }),
      schemaChanged,
      schemaChanges,
      summary: rowChanges.summary,
      rowsListed: change !== 'initial',
      ...(change === 'initial'
        ? {
            note: `Initial version: all ${rowChanges.summary.added} rows are new; they are in ${table.definition.id}.json and ${table.definition.id}.csv.`,
          }
        : {}),
    };
    if (change === 'initial')
      return writeJsonObject(sink, { ...head, added: [], removed: [], changed: [] }, []);
    return writeJsonObject(sink, head, [
      ['added', rowChanges.added.openJson()],
      ['removed', rowChanges.removed.openJson()],
      ['changed', rowChanges.changed.openJson()],
    ]);
  },
};

/** `stats.json`: each column's count, missing, distinct, range and common values (two streamed passes). */
const statsRenderer: VersionRenderer = {
  format: 'stats',
  mediaType: 'application/json',
  packaged: false,
  tabular: false,
  fileName: () => 'stats.json',
  render: async ({ table }, sink) => {
    await sink.write(json(await columnStats(table.definition.columns, table.rows)));
  },
};

/** The per-version files, in the order they are rendered; `datapackage.json` is added after them. */
export const VERSION_RENDERERS: readonly VersionRenderer[] = [
  csvRenderer,
  jsonRenderer,
  parquetRenderer,
  validationRenderer,
  changesRenderer,
  statsRenderer,
];

/**
 * Renders every file of a version into scratch files, ending with the
 * `datapackage.json` that describes the data files (small, kept in memory).
 */
export async function renderVersionFiles(
  context: VersionContext,
  scratch: ScratchDirectory,
  renderers: readonly VersionRenderer[] = VERSION_RENDERERS,
): Promise<RenderedFile[]> {
  const id = context.table.definition.id;
  const files: { renderer: VersionRenderer; file: RenderedFile }[] = [];
  for (const renderer of renderers) {
    const name = renderer.fileName(id);
    const body =
      renderer.existing?.(context) ??
      (await renderTo(scratch, name, (sink) => renderer.render(context, sink)));
    files.push({
      renderer,
      file: { name, format: renderer.format, mediaType: renderer.mediaType, body, ...measure(body) },
    });
  }
  const packaged: PackagedFile[] = files
    .filter(({ renderer }) => renderer.packaged)
    .map(({ renderer, file }) => ({
      name: file.name,
      format: file.format,
      mediaType: file.mediaType,
      bytes: file.bytes,
      sha256: file.sha256,
      tabular: renderer.tabular,
    }));
  const datapackage = json(buildDataPackage(context.table.definition, context.version, packaged));
  return [
    ...files.map(({ file }) => file),
    {
      name: 'datapackage.json',
      format: 'datapackage',
      mediaType: 'application/json',
      body: datapackage,
      ...measure(datapackage),
    },
  ];
}

async function renderTo(
  scratch: ScratchDirectory,
  name: string,
  render: (sink: ByteSink) => Promise<void>,
): Promise<PutBody> {
  const file = await scratch.createFile(name);
  await render(file);
  return file.close();
}

function measure(body: PutBody): { bytes: number; sha256: string } {
  return { bytes: bodyBytes(body), sha256: bodySha256(body) };
}
