import type { CitationFormat } from './format.js';

/**
 * `datasets/<id>/cite/<version>.csl.json`: the version's citation as CSL-JSON.
 * Served as plain JSON: files are served by the part after their last dot, and
 * that part is `json` (see {@link FileType.extension}).
 */
export const cslJsonFormat: CitationFormat = {
  extension: 'csl.json',
  mediaType: 'application/json',
  charset: 'utf-8',
  label: 'CSL-JSON',
  text: (citation) => citation.cslJson,
};
