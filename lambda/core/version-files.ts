import { sha256Hex, type CanonicalDataset } from './canonical.js';
import type { ChangeKind, ChangesDocument, RowChanges, SchemaChanges } from './changes.js';
import { buildDatasetDocument } from './dataset-document.js';
import { buildDataPackage, type PackagedFile } from './datapackage.js';
import { parquetRenderer } from './parquet.js';
import type { DatasetReport } from './validate.js';

/** Everything a renderer may use to produce one file of a version. */
export interface VersionContext {
  readonly canonical: CanonicalDataset;
  readonly version: string;
  readonly change: ChangeKind;
  readonly previousVersion: string | undefined;
  readonly schemaChanged: boolean;
  readonly schemaChanges: SchemaChanges;
  readonly rowChanges: RowChanges;
  readonly report: DatasetReport;
}

/** One rendered file of a version folder. */
export interface RenderedFile {
  /** File name inside `datasets/<id>/<version>/`. */
  readonly name: string;
  /** Catalog format label (`csv`, `json`, `datapackage`, …). */
  readonly format: string;
  /** IANA media type without parameters, as listed in the catalog. */
  readonly mediaType: string;
  readonly body: Uint8Array;
}

/**
 * Produces one file of a version. Renderers are pure: the same context gives
 * byte-identical output, and none of them may embed the wall-clock time.
 */
export interface VersionRenderer {
  readonly format: string;
  readonly mediaType: string;
  /** Listed as a resource in `datapackage.json`. */
  readonly packaged: boolean;
  /** The file holds the dataset's table (CSV, Parquet): its resource gets the Table Schema. */
  readonly tabular: boolean;
  fileName(id: string): string;
  render(context: VersionContext): Uint8Array;
}

const encoder = new TextEncoder();
const json = (value: unknown): Uint8Array => encoder.encode(`${JSON.stringify(value, null, 2)}\n`);

const csvRenderer: VersionRenderer = {
  format: 'csv',
  mediaType: 'text/csv',
  packaged: true,
  tabular: true,
  fileName: (id) => `${id}.csv`,
  render: ({ canonical }) => canonical.csv,
};

const jsonRenderer: VersionRenderer = {
  format: 'json',
  mediaType: 'application/json',
  packaged: true,
  tabular: false, // typed rows wrapped with metadata, not a bare table a Frictionless reader would load
  fileName: (id) => `${id}.json`,
  render: ({ canonical, version }) => json(buildDatasetDocument(canonical, version)),
};

const validationRenderer: VersionRenderer = {
  format: 'validation',
  mediaType: 'application/json',
  packaged: false,
  tabular: false,
  fileName: () => 'validation.json',
  render: ({ report, canonical }) => {
    const id = canonical.dataset.id;
    // Published reports name the files as they sit in the repository, not where this run read them from,
    // so that the same inputs give the same bytes wherever they are published from.
    const files = {
      csv: `data/${id}.csv`,
      schema: `schemas/${id}.schema.json`,
      descriptor: `data/${id}.dataset.json`,
    };
    return json({ valid: report.valid, datasets: [{ ...report, files }] });
  },
};

const changesRenderer: VersionRenderer = {
  format: 'changes',
  mediaType: 'application/json',
  packaged: false,
  tabular: false,
  fileName: () => 'changes.json',
  render: ({ canonical, version, previousVersion, change, schemaChanged, schemaChanges, rowChanges }) => {
    const document: ChangesDocument = {
      id: canonical.dataset.id,
      version,
      previousVersion: previousVersion ?? null,
      change,
      schemaChanged,
      schemaChanges,
      summary: {
        added: rowChanges.added.length,
        removed: rowChanges.removed.length,
        changed: rowChanges.changed.length,
      },
      added: rowChanges.added,
      removed: rowChanges.removed,
      changed: rowChanges.changed,
    };
    return json(document);
  },
};

/** The per-version files, in the order they are rendered; `datapackage.json` is added after them. */
export const VERSION_RENDERERS: readonly VersionRenderer[] = [
  csvRenderer,
  jsonRenderer,
  parquetRenderer,
  validationRenderer,
  changesRenderer,
];

/** Renders every file of a version, ending with the `datapackage.json` that describes the data files. */
export function renderVersionFiles(
  context: VersionContext,
  renderers: readonly VersionRenderer[] = VERSION_RENDERERS,
): RenderedFile[] {
  const id = context.canonical.dataset.id;
  const files = renderers.map((renderer) => ({
    renderer,
    file: {
      name: renderer.fileName(id),
      format: renderer.format,
      mediaType: renderer.mediaType,
      body: renderer.render(context),
    },
  }));
  const packaged: PackagedFile[] = files
    .filter(({ renderer }) => renderer.packaged)
    .map(({ renderer, file }) => ({
      name: file.name,
      format: file.format,
      mediaType: file.mediaType,
      bytes: file.body.byteLength,
      sha256: sha256Hex(file.body),
      tabular: renderer.tabular,
    }));
  const datapackage: RenderedFile = {
    name: 'datapackage.json',
    format: 'datapackage',
    mediaType: 'application/json',
    body: json(buildDataPackage(context.canonical, context.version, packaged)),
  };
  return [...files.map(({ file }) => file), datapackage];
}
