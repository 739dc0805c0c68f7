/**
 * Keys read from an untrusted catalog (a mirror, a tree someone else wrote)
 * become file paths and URLs. Only a plain path relative to the site root can
 * be trusted to stay under it, whatever resolves it: a file system, the WHATWG
 * URL parser (which turns `\` into `/` and `%2e%2e` into `..`), or a server
 * that decodes percent-escapes before mapping to files.
 */

/** The longest key accepted; S3's own limit is 1024 bytes. */
export const MAX_RELATIVE_KEY_CHARS = 1024;

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

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
  if (key.length > MAX_RELATIVE_KEY_CHARS) return `is longer than ${MAX_RELATIVE_KEY_CHARS} characters`;
  if (hasControlCharacter(key)) return 'contains a control character';
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

/** C0 and C1 controls and DEL: never in a published key, and unsafe to print. */
function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}
