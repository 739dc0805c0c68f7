import { contentTypeTable, SERVED_TYPES, servedExtension } from './formats/index.js';
import { isVersionedKey } from './site-keys.js';
import type { ObjectMeta } from './object-store.js';
import { IMMUTABLE_CACHE, MUTABLE_CACHE } from './site-headers.js';

export { IMMUTABLE_CACHE, MUTABLE_CACHE };

/** Each served extension's `Content-Type`, derived from the formats' declarations. */
const CONTENT_TYPES = contentTypeTable(SERVED_TYPES);

export { isVersionedKey };

/**
 * The `Content-Type` a published key is served with, from its extension.
 * @param table - the extensions' content types (a test passes one with formats of its own)
 */
export function contentTypeFor(key: string, table: ReadonlyMap<string, string> = CONTENT_TYPES): string {
  return table.get(servedExtension(key)) ?? 'application/octet-stream';
}

/** The HTTP metadata (content type and cache policy) of a published key, the same on disk, S3 and `serve`. */
export function objectMetaFor(key: string): ObjectMeta {
  return {
    contentType: contentTypeFor(key),
    cacheControl: isVersionedKey(key) ? IMMUTABLE_CACHE : MUTABLE_CACHE,
  };
}
