import type { CatalogDataset, CatalogVersion, Distribution } from '../catalog.js';
import { VERSION_FORMATS, versionFormatOf, type VersionFormat } from '../formats/index.js';
import { datasetPageKey } from '../site-keys.js';

/** Site-relative path of a dataset's page. Explicit `index.html`, so links work on disk and on S3 alike. */
export function datasetPagePath(id: string): string {
  return datasetPageKey(id);
}

/** The fragment that anchors a version on its dataset page. */
export function versionAnchor(version: string): string {
  return `v${version}`;
}

/** Absolute URL of a site-relative path. */
export function absoluteUrl(baseUrl: string, path: string): string {
  return new URL(path, baseUrl).href;
}

/** The only link schemes the site ever emits for a URL a curator wrote. */
const SAFE_LINK_PROTOCOLS: ReadonlySet<string> = new Set(['http:', 'https:', 'mailto:']);

/**
 * A curator's URL as it may be published (normalised by the WHATWG URL
 * parser), or `undefined` when it is not an absolute `http:`, `https:` or
 * `mailto:` URL. The scheme is read after parsing, as a browser would, so
 * `" JavaScript:"`, `"java\tscript:"` and the like are recognised and dropped.
 */
export function safeLink(url: string | undefined): string | undefined {
  if (url === undefined || !URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  return SAFE_LINK_PROTOCOLS.has(parsed.protocol) ? parsed.href : undefined;
}

/**
 * An email address as a `mailto:` link; undefined for anything but a plain
 * `local@domain` (the schema checks the address; this keeps an unchecked one
 * from making a link with spaces, controls or markup).
 */
export function mailtoOf(email: string | undefined): string | undefined {
  const plain = /^[^\s\p{Cc}\p{Cf}\p{Cs}@<>()[\]\\,;:"]+@[^\s\p{Cc}\p{Cf}\p{Cs}@<>()[\]\\,;:"]+$/u;
  return email !== undefined && plain.test(email) ? safeLink(`mailto:${email}`) : undefined;
}

/** The latest version's catalog entry (the catalog lists versions newest first). */
export function latestVersion(entry: CatalogDataset): CatalogVersion {
  const latest = entry.versions.find((version) => version.version === entry.latest) ?? entry.versions[0];
  if (latest === undefined) throw new Error(`dataset "${entry.id}" has no versions in the catalog`);
  return latest;
}

/** A version's distribution of a given format, if it has one. */
export function distributionOf(version: CatalogVersion, format: string): Distribution | undefined {
  return version.distributions.find((distribution) => distribution.format === format);
}

const LICENSES: Readonly<Record<string, { readonly url: string; readonly title: string }>> = {
  'CC-BY-4.0': {
    url: 'https://creativecommons.org/licenses/by/4.0/',
    title: 'Creative Commons Attribution 4.0 International',
  },
  'CC0-1.0': {
    url: 'https://creativecommons.org/publicdomain/zero/1.0/',
    title: 'Creative Commons Zero 1.0 Universal',
  },
};

/** The canonical URL and title of a license identifier (SPDX), falling back to its SPDX page. */
export function licenseOf(id: string): { readonly url: string; readonly title: string } {
  return LICENSES[id] ?? { url: `https://spdx.org/licenses/${encodeURIComponent(id)}.html`, title: id };
}

/** A reader-facing label for a catalog format (the format itself when the pipeline does not know it). */
export function formatLabel(format: string, formats: readonly VersionFormat[] = VERSION_FORMATS): string {
  return versionFormatOf(format, formats)?.label ?? format;
}

/** One line saying what a file of this format holds (empty when the pipeline does not know the format). */
export function formatNote(format: string, formats: readonly VersionFormat[] = VERSION_FORMATS): string {
  return versionFormatOf(format, formats)?.description ?? '';
}
