import type { CanonicalTable } from './canonical.js';
import type { ChangeKind, SchemaChanges, SpilledRowChanges } from './changes.js';
import type { PackagedFile } from './datapackage.js';
import {
  VERSION_FORMATS,
  versionFileName,
  type RowsRenderer,
  type StreamedRenderer,
  type ValidatingContext,
  type VersionFormat,
} from './formats/index.js';
import { bodyBytes, bodySha256, type PutBody } from './object-store.js';
import type { ByteSink, ScratchDirectory, ScratchFile } from './scratch.js';
import { SharedReads } from './shared-reads.js';
import type { Row } from './row-schema.js';
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
 * Renders every file of a version into scratch files, listed in the order of
 * `formats`; the streamed ones render at the same time and share each read of
 * the rows, and a format that describes the others (`datapackage.json`,
 * small, kept in memory) is rendered once all of them are.
 */
export async function renderVersionFiles(
  context: VersionContext,
  scratch: ScratchDirectory,
  formats: readonly VersionFormat[] = VERSION_FORMATS,
): Promise<RenderedFile[]> {
  const id = context.table.definition.id;
  const rendered = new Map<VersionFormat, RenderedFile>();
  const file = (format: VersionFormat, name: string, body: PutBody): RenderedFile => ({
    name,
    format: format.format,
    mediaType: format.mediaType,
    body,
    ...measure(body),
  });
  // The streamed files render together, sharing each read of the rows (see SharedReads): one read of
  // the spill feeds `<id>.json`, Parquet and the statistics' first pass.
  const shared = new SharedReads(context.table.rows);
  const streamed = formats.flatMap((format) => {
    const { renderer } = format;
    if (renderer.kind !== 'streamed') return [];
    const rows = shared.reader();
    const own: VersionContext = { ...context, table: { ...context.table, rows } };
    const name = versionFileName(format, id);
    const body = (async () => {
      try {
        return (
          context.table.rendered?.get(format.format) ??
          renderer.existing?.(own) ??
          (await renderTo(scratch, name, (sink) => renderer.render(own, sink)))
        );
      } finally {
        rows.done();
      }
    })();
    return [{ format, name, body }];
  });
  const settled = await Promise.allSettled(streamed.map(({ body }) => body));
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
  for (const [index, { format, name }] of streamed.entries()) {
    const outcome = settled[index];
    if (outcome?.status === 'fulfilled') rendered.set(format, file(format, name, outcome.value));
  }
  const packaged: PackagedFile[] = formats.flatMap((format) => {
    const done = rendered.get(format);
    return format.packaged && done !== undefined
      ? [
          {
            name: done.name,
            format: done.format,
            mediaType: done.mediaType,
            ...(format.charset === undefined ? {} : { charset: format.charset }),
            bytes: done.bytes,
            sha256: done.sha256,
            tabular: format.tabular,
          },
        ]
      : [];
  });
  for (const format of formats) {
    const { renderer } = format;
    if (renderer.kind !== 'package') continue;
    rendered.set(format, file(format, versionFileName(format, id), renderer.render(context, packaged)));
  }
  return formats.flatMap((format) => {
    const done = rendered.get(format);
    return done === undefined ? [] : [done];
  });
}

/**
 * The version files that render from the rows while they are validated (a format's
 * `whileValidating`), fed by the sorter as long as the input stays in key order. Once it is over,
 * {@link finish} gives their bodies by catalog format, to be listed as they are
 * (`CanonicalTable.rendered`); if the rows were not in order, the files are left unfinished in the
 * scratch folder and rendered from the sorted rows as the others are.
 */
export class FilesWhileValidating {
  readonly #formats: readonly { format: VersionFormat; render: RenderWhileValidating }[];
  #started: Promise<{ format: VersionFormat; file: ScratchFile; renderer: RowsRenderer }[]> | undefined;

  constructor(
    private readonly context: ValidatingContext,
    formats: readonly VersionFormat[] = VERSION_FORMATS,
  ) {
    this.#formats = formats.flatMap((format) => {
      const { renderer } = format;
      const render = renderer.kind === 'streamed' ? renderer.whileValidating?.bind(renderer) : undefined;
      return render === undefined ? [] : [{ format, render }];
    });
  }

  /** Takes the next rows, in key order. */
  async add(rows: readonly Row[]): Promise<void> {
    for (const { renderer } of await this.#start()) await renderer.add(rows);
  }

  /** Finishes every file (an empty table's too) and gives the bodies by catalog format. */
  async finish(): Promise<ReadonlyMap<string, PutBody>> {
    const bodies = new Map<string, PutBody>();
    for (const { format, file, renderer } of await this.#start()) {
      await renderer.finish();
      bodies.set(format.format, await file.close());
    }
    return bodies;
  }

  /** Opens every file at the first rows (or at the end, for a table without any). */
  #start() {
    const { scratch, definition } = this.context;
    this.#started ??= Promise.all(
      this.#formats.map(async ({ format, render }) => {
        const file = await scratch.createFile(versionFileName(format, definition.id));
        return { format, file, renderer: render(this.context, file) };
      }),
    );
    return this.#started;
  }
}

type RenderWhileValidating = NonNullable<StreamedRenderer['whileValidating']>;

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
