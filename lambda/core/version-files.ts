import { sha256Hex, type CanonicalDataset } from './canonical.js';
import type { ChangeKind, RowChanges } from './changes.js';
import { buildDataPackage, type PackagedFile } from './datapackage.js';
import type { DatasetReport } from './validate.js';

/** Everything a renderer may use to produce one file of a version. */
export interface VersionContext {
  readonly canonical: CanonicalDataset;
  readonly version: string;
  readonly change: ChangeKind;
  readonly previousVersion: string | undefined;
  readonly schemaChanged: boolean;
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
  fileName(id: string): string;
  render(context: VersionContext): Uint8Array;
}

const encoder = new TextEncoder();
const json = (value: unknown): Uint8Array => encoder.encode(`${JSON.stringify(value, null, 2)}\n`);

const csvRenderer: VersionRenderer = {
  format: 'csv',
  mediaType: 'text/csv',
  packaged: true,
  fileName: (id) => `${id}.csv`,
  render: ({ canonical }) => canonical.csv,
};

const jsonRenderer: VersionRenderer = {
  format: 'json',
  mediaType: 'application/json',
  packaged: true,
  fileName: (id) => `${id}.json`,
  render: ({ canonical, version }) => {
    const { descriptor, columns } = canonical.dataset;
    return json({
      id: descriptor.id,
      title: descriptor.title,
      version,
      license: descriptor.license,
      primaryKey: descriptor.primaryKey,
      columns: columns.map((column) => {
        const described = descriptor.columns.find((entry) => entry.name === column.name);
        return {
          name: column.name,
          type: column.type,
          required: column.required,
          ...(described?.title === undefined ? {} : { title: described.title }),
          ...(described === undefined ? {} : { description: described.description }),
          ...(described?.unit === undefined ? {} : { unit: described.unit }),
        };
      }),
      rows: canonical.rows,
    });
  },
};

const validationRenderer: VersionRenderer = {
  format: 'validation',
  mediaType: 'application/json',
  packaged: false,
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
  fileName: () => 'changes.json',
  render: ({ canonical, version, previousVersion, change, schemaChanged, rowChanges }) =>
    json({
      id: canonical.dataset.id,
      version,
      previousVersion: previousVersion ?? null,
      change,
      schemaChanged,
      summary: {
        added: rowChanges.added.length,
        removed: rowChanges.removed.length,
        changed: rowChanges.changed.length,
      },
      added: rowChanges.added,
      removed: rowChanges.removed,
      changed: rowChanges.changed,
    }),
};

/** The per-version files, in the order they are rendered; `datapackage.json` is added after them. */
export const VERSION_RENDERERS: readonly VersionRenderer[] = [
  csvRenderer,
  jsonRenderer,
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
    .map(({ file }) => ({
      name: file.name,
      format: file.format,
      mediaType: file.mediaType,
      bytes: file.body.byteLength,
      sha256: sha256Hex(file.body),
      tabular: file.format === 'csv',
    }));
  const datapackage: RenderedFile = {
    name: 'datapackage.json',
    format: 'datapackage',
    mediaType: 'application/json',
    body: json(buildDataPackage(context.canonical, context.version, packaged)),
  };
  return [...files.map(({ file }) => file), datapackage];
}
