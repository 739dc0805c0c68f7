/**
 * The formats the pipeline publishes, one module each, and the tables every
 * other part derives from them: the `Content-Type` of each extension, the
 * labels and descriptions of the pages, the direct downloads, the EU file
 * types of the DCAT catalog and the renderers of a version folder. Adding a
 * format is one module and one line here.
 */
import { bibtexFormat } from './bibtex.js';
import { changesFormat } from './changes.js';
import { cslJsonFormat } from './csl-json.js';
import { csvFormat } from './csv.js';
import { datapackageFormat } from './datapackage.js';
import { contentTypeOf, type CitationFormat, type FileType, type VersionFormat } from './format.js';
import { jsonFormat } from './json.js';
import { parquetFormat } from './parquet.js';
import { risFormat } from './ris.js';
import { SITE_FILE_TYPES } from './site-files.js';
import { statsFormat } from './stats.js';
import { validationFormat } from './validation.js';

export type { CitationFormat, FileType, PackageRenderer, StreamedRenderer, VersionFormat } from './format.js';
export { contentTypeOf, versionFileName } from './format.js';

/**
 * The files of every version folder, in the order they are rendered and
 * listed in the catalog. A format that describes the others (`datapackage`)
 * is rendered after all of them wherever it is listed.
 */
export const VERSION_FORMATS: readonly VersionFormat[] = [
  csvFormat,
  jsonFormat,
  parquetFormat,
  validationFormat,
  changesFormat,
  statsFormat,
  datapackageFormat,
];

/** A version's citation files, in the order the pages link them. */
export const CITATION_FORMATS: readonly CitationFormat[] = [bibtexFormat, risFormat, cslJsonFormat];

/** Every type of file the site serves. */
export const SERVED_TYPES: readonly FileType[] = [
  ...VERSION_FORMATS,
  ...CITATION_FORMATS,
  ...SITE_FILE_TYPES,
];

/** The extension a key is served by: the part after its last dot, lower-cased. */
export function servedExtension(key: string): string {
  return key.slice(key.lastIndexOf('.') + 1).toLowerCase();
}

/**
 * The `Content-Type` of each served extension. Fails when two types served
 * by the same extension disagree, since one key can only have one.
 */
export function contentTypeTable(types: readonly FileType[]): ReadonlyMap<string, string> {
  const table = new Map<string, string>();
  for (const type of types) {
    const extension = servedExtension(type.extension);
    const contentType = contentTypeOf(type);
    const known = table.get(extension);
    if (known !== undefined && known !== contentType)
      throw new Error(
        `file type "${type.extension}" would serve ".${extension}" files as "${contentType}", but another serves them as "${known}"`,
      );
    table.set(extension, contentType);
  }
  return table;
}

/** The version format a catalog distribution's `format` names, if the pipeline knows it. */
export function versionFormatOf(
  format: string,
  formats: readonly VersionFormat[] = VERSION_FORMATS,
): VersionFormat | undefined {
  return formats.find((candidate) => candidate.format === format);
}

/** The formats offered as direct downloads, in the order shown. */
export function primaryFormats(formats: readonly VersionFormat[] = VERSION_FORMATS): readonly string[] {
  return formats
    .filter((format) => format.primaryRank !== undefined)
    .sort((a, b) => (a.primaryRank ?? 0) - (b.primaryRank ?? 0))
    .map((format) => format.format);
}
