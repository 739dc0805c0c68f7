import type { CanonicalTable } from './canonical.js';
import type { ChangeKind, SchemaChanges, SpilledRowChanges } from './changes.js';
import type { PackagedFile } from './datapackage.js';
import { VERSION_FORMATS, versionFileName, type VersionFormat } from './formats/index.js';
import { bodyBytes, bodySha256, type PutBody } from './object-store.js';
import type { ByteSink, ScratchDirectory } from './scratch.js';
import type { RowSource } from './row-source.js';
import { SharedReads } from './shared-reads.js';
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
    const name = versionFileName(format, id);
    const render = (rows: RowSource): Promise<PutBody> =>
      renderTo(scratch, name, (sink) =>
        renderer.render({ ...context, table: { ...context.table, rows } }, sink),
      );
    // A file that exists already (or is being written elsewhere) takes no part in the shared reads,
    // which would otherwise wait for it; should it not come after all, it reads the rows on its own.
    const ready = renderer.existing?.(context);
    if (ready !== undefined) {
      return [{ format, name, body: (async () => (await ready) ?? (await render(shared.source)))() }];
    }
    const rows = shared.reader();
    const body = (async () => {
      try {
        return await render(rows);
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

async function renderTo(
  scratch: ScratchDirectory,
  name: string,
  render: (sink: ByteSink) => Promise<void>,
): Promise<PutBody> {
  const file = await scratch.createFile(name);
  await render(file);
  // Made for this version's folder alone (the next version number tried renders its own): the store may
  // move the file into place rather than copy it.
  return { ...(await file.close()), handedOver: true };
}

function measure(body: PutBody): { bytes: number; sha256: string } {
  return { bytes: bodyBytes(body), sha256: bodySha256(body) };
}
