import type { FileType } from './format.js';

/**
 * The site's own documents and the chart files: served types only. Each is
 * written by one site renderer under a key of site-keys.ts and is neither a
 * distribution of a dataset (no catalog entry, DCAT node or EU file type) nor
 * one of a set of alternatives a reader picks between, so its media type is
 * the only fact about it that is shared. The chart data CSV is a `csv` file.
 */
export const SITE_FILE_TYPES: readonly FileType[] = [
  /** Pages: `index.html`, `datasets/<id>/index.html`. */
  { extension: 'html', mediaType: 'text/html', charset: 'utf-8' },
  /** `catalog.jsonld`, the DCAT catalog. */
  { extension: 'jsonld', mediaType: 'application/ld+json', charset: 'utf-8' },
  /** `feed.xml`, the Atom feed. */
  { extension: 'xml', mediaType: 'application/atom+xml', charset: 'utf-8' },
  /** Chart drawings; an SVG states its own encoding, so none is added. */
  { extension: 'svg', mediaType: 'image/svg+xml' },
  /** Chart pictures for documents. */
  { extension: 'png', mediaType: 'image/png' },
  /** Plain text a curator or operator places in the tree. */
  { extension: 'txt', mediaType: 'text/plain', charset: 'utf-8' },
];
