/**
 * Keys read from an untrusted catalog (a mirror, a tree someone else wrote)
 * become file paths and URLs. Only a plain path relative to the site root can
 * be trusted to stay under it, whatever resolves it: a file system, the WHATWG
 * URL parser (which turns `\` into `/` and `%2e%2e` into `..`), or a server
 * that decodes percent-escapes before mapping to files.
 */

import { codePointOf } from './text-rules.js';

/** The longest key accepted, in bytes of UTF-8: S3's own limit for a whole key. */
export const MAX_RELATIVE_KEY_BYTES = 1024;

/**
 * The longest bucket prefix accepted, in bytes of UTF-8: every key of the site goes under it, and the
 * longest (`datasets/<id>/<version>/<id>.<extension>`, an id of up to 63 characters) takes under 200
 * of S3's {@link MAX_RELATIVE_KEY_BYTES}.
 */
export const MAX_PREFIX_BYTES = 512;

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Why `prefix` is not a bucket prefix the site can be published under, or `undefined` when it is: a plain
 * folder path ({@link relativeKeyProblem}), written with one `/` after it or none (`site`, `site/`,
 * `open-data/kz-az`), and at most {@link MAX_PREFIX_BYTES} long. A leading `/`, a doubled one or a prefix
 * of slashes alone is refused rather than read as some other folder, so that the keys written are the
 * ones the prefix says.
 */
export function bucketPrefixProblem(prefix: string): string | undefined {
  const folder = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (folder === '')
    return prefix === ''
      ? "is empty: leave --prefix out to publish at the bucket's root"
      : "is the bucket's root: leave --prefix out to publish there";
  if (folder.endsWith('/') && !folder.startsWith('/')) return 'ends with more than one "/"';
  const bytes = Buffer.byteLength(folder, 'utf8');
  if (bytes > MAX_PREFIX_BYTES)
    return `is ${bytes} bytes long in UTF-8, over the ${MAX_PREFIX_BYTES} that leave room under it for the site's keys (S3 takes ${MAX_RELATIVE_KEY_BYTES} for a whole key)`;
  return relativeKeyProblem(folder);
}

/**
 * The folder a key prefix names (a bucket's `--prefix`), without the slashes before and after it: `/site/`
 * is `site`, and a prefix of slashes alone is the root (`''`).
 */
export function prefixFolder(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

/**
 * Why `key` is not a safe site-relative key such as `datasets/trade/1.0.0/trade.csv`,
 * or `undefined` when it is. A safe key has no scheme (`data:`, `file:`, `http:`),
 * no leading `/` (absolute or protocol-relative `//host`), no `.` or `..` or empty
 * segment, no backslash, no percent-escape, no query or fragment, no control
 * character and no space at either end.
 */
export function relativeKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'is empty';
  if (key.length > MAX_RELATIVE_KEY_BYTES || Buffer.byteLength(key, 'utf8') > MAX_RELATIVE_KEY_BYTES)
    return `is longer than ${MAX_RELATIVE_KEY_BYTES} bytes in UTF-8`;
  if (hasControlCharacter(key)) return 'contains a control character';
  // What a decoder puts for bytes that were not UTF-8 (a name typed or read in another encoding).
  if (key.includes('\uFFFD'))
    return 'contains U+FFFD, the character that stands for bytes that were not UTF-8: write it in UTF-8';
  const unseen = UNSEEN.exec(key);
  if (unseen !== null)
    return `contains ${codePointOf(unseen[0])}, which does not show as itself (it is invisible, shows as a space or reorders the text around it): the key would not read as it is written`;
  // The URL parser drops spaces (and controls) at either end: " a" would be fetched as "a".
  if (key.startsWith(' ') || key.endsWith(' ')) return 'starts or ends with a space, which URL parsers drop';
  const scheme = SCHEME.exec(key);
  if (scheme !== null) return `is a "${scheme[0]}" URL, not a path relative to the site root`;
  if (key.startsWith('/'))
    return 'starts with "/" (an absolute or protocol-relative address), not a path relative to the site root';
  if (key.includes('\\')) return 'contains a backslash, which URL parsers read as "/"';
  const escape = /%(?:[0-9A-Fa-f]{2})?/.exec(key);
  if (escape !== null)
    return escape[0] === '%'
      ? 'contains "%", which URL parsers and servers read as the start of a percent-escape'
      : `contains a percent-escape, "${escape[0]}", which URL parsers and servers decode ("%2e%2e" is read as "..")`;
  if (key.includes('?') || key.includes('#')) return 'contains a query or fragment';
  if (key.includes(':')) return 'contains ":"';
  for (const segment of key.split('/')) {
    if (segment === '') return 'has an empty segment ("//" or a trailing "/")';
    if (segment === '.' || segment === '..') return `has a "${segment}" segment`;
  }
  return undefined;
}

/**
 * Characters that do not show as themselves: nothing, or a space other than U+0020: format characters (zero-width space,
 * joiners, bidirectional overrides, the byte order mark), line and paragraph separators, and spaces such as
 * U+00A0. A key holding one looks like another key.
 */
const UNSEEN = /[\p{Cf}\p{Zl}\p{Zp}]|(?! )\p{Zs}/u;

/** C0 and C1 controls and DEL: never in a published key, and unsafe to print. */
function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}
