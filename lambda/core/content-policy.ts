import { isVersionedKey } from './site-keys.js';
import type { ObjectMeta } from './object-store.js';

/** Cache policy for files inside `datasets/<id>/<version>/`: they never change. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
/** Cache policy for everything that moves: `latest/`, catalog files, HTML, feed. */
export const MUTABLE_CACHE = 'public, max-age=300';

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  csv: 'text/csv; charset=utf-8',
  bib: 'application/x-bibtex; charset=utf-8',
  ris: 'application/x-research-info-systems; charset=utf-8',
  json: 'application/json; charset=utf-8',
  jsonld: 'application/ld+json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  xml: 'application/atom+xml; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
  svg: 'image/svg+xml',
  png: 'image/png',
  txt: 'text/plain; charset=utf-8',
};

export { isVersionedKey };

/** The `Content-Type` a published key is served with, from its extension. */
export function contentTypeFor(key: string): string {
  const extension = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  return MEDIA_TYPES[extension] ?? 'application/octet-stream';
}

/** The HTTP metadata (content type and cache policy) of a published key, the same on disk, S3 and `serve`. */
export function objectMetaFor(key: string): ObjectMeta {
  return {
    contentType: contentTypeFor(key),
    cacheControl: isVersionedKey(key) ? IMMUTABLE_CACHE : MUTABLE_CACHE,
  };
}
