import type { PackagedFile } from '../datapackage.js';
import type { PutBody } from '../object-store.js';
import type { ByteSink } from '../scratch.js';
import type { Citation } from '../site/citations.js';
import type { VersionContext } from '../version-files.js';

/**
 * How a published file is served: what its name ends with, and the media type
 * (with its charset, for text) that disk, S3, CloudFront and `serve` all give it.
 */
export interface FileType {
  /**
   * What the file name ends with, after the dot that follows its stem (`csv`,
   * `csl.json`). Files are served by the part after their last dot, so types
   * that share it (`json`, `csl.json`) must share their media type too.
   */
  readonly extension: string;
  /** IANA media type without parameters, as the catalog and `datapackage.json` list it. */
  readonly mediaType: string;
  /** The text encoding, served as `; charset=…`; absent for binary files (and for SVG, which declares its own). */
  readonly charset?: 'utf-8';
}

/**
 * Writes a version file to a sink a piece at a time. Pure: the same context
 * gives byte-identical output, and none may embed the wall-clock time.
 */
export interface StreamedRenderer {
  readonly kind: 'streamed';
  render(context: VersionContext, sink: ByteSink): Promise<void>;
  /**
   * The file when it already exists as a body (the canonical CSV, a Parquet file written beside
   * validation): handed over instead of rendered again. `undefined` means render it.
   */
  existing?(context: VersionContext): PutBody | Promise<PutBody | undefined> | undefined;
}

/**
 * Describes the version's other files (`datapackage.json`): rendered after
 * them, from the ones marked `packaged`, and small enough to keep in memory.
 */
export interface PackageRenderer {
  readonly kind: 'package';
  render(context: VersionContext, packaged: readonly PackagedFile[]): Uint8Array;
}

/**
 * A file of every version folder (`datasets/<id>/<version>/`), listed in the
 * catalog as a distribution: everything the pipeline, the pages and the DCAT
 * catalog know about it.
 */
export interface VersionFormat extends FileType {
  /** The catalog's `format` of the file (`csv`, `stats`, …): its identity, never changed once published. */
  readonly format: string;
  /**
   * The file name before `.extension`.
   * @default - the dataset id (`trade.csv`)
   */
  readonly stem?: string;
  /** What the pages, DCAT titles and schema.org call it (`Parquet`, `Column statistics`). */
  readonly label: string;
  /** One line for the dataset page saying what the file holds. */
  readonly description: string;
  /**
   * Its entry in the EU file-type authority table
   * (`http://publications.europa.eu/resource/authority/file-type/<code>`), given as DCAT `dct:format`.
   * @default - no `dct:format`
   */
  readonly euFileType?: string;
  /**
   * Place among the direct download buttons of the catalog page (lower first).
   * @default - listed on the dataset page only
   */
  readonly primaryRank?: number;
  /** Listed as a resource in `datapackage.json`. */
  readonly packaged: boolean;
  /** The file holds the dataset's table (CSV, Parquet): its resource gets the Table Schema. */
  readonly tabular: boolean;
  readonly renderer: StreamedRenderer | PackageRenderer;
}

/**
 * A version's citation in a reference-manager format, published as the site
 * file `datasets/<id>/cite/<version>.<extension>` (not a version file: it
 * carries the publication date, which a version folder never does).
 */
export interface CitationFormat extends FileType {
  /** What the page's links call it (`BibTeX`). */
  readonly label: string;
  /** Picks this format's text out of the version's citation (`citationOf` builds all formats at once). */
  readonly text: (citation: Citation) => string;
}

/** The file name of a version format for a dataset. */
export function versionFileName(format: VersionFormat, id: string): string {
  return `${format.stem ?? id}.${format.extension}`;
}

/** The `Content-Type` a file of this type is served with. */
export function contentTypeOf(type: FileType): string {
  return type.charset === undefined ? type.mediaType : `${type.mediaType}; charset=${type.charset}`;
}
