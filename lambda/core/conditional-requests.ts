/**
 * Conditional GET and HEAD (RFC 9110 §13): `If-Match`, `If-Unmodified-Since`,
 * `If-None-Match`, `If-Modified-Since` and `If-Range`, evaluated in that order
 * (§13.2.2) against the validators of the file as it is now.
 */

/** The validators a response carries. */
export interface Validators {
  /** A strong entity tag, quoted: `"…"`. */
  readonly etag: string;
  /**
   * `Last-Modified`, whole seconds, sent only when it is a strong validator:
   * at least one second before the response, so that no later change can fall
   * in the same second (RFC 9110 §8.8.2.2).
   *
   * @default - not sent; date conditions then never match
   */
  readonly lastModified?: Date;
}

/** The conditional request headers, as received (undefined when absent). */
export interface Conditions {
  readonly ifMatch?: string;
  readonly ifUnmodifiedSince?: string;
  readonly ifNoneMatch?: string;
  readonly ifModifiedSince?: string;
  readonly ifRange?: string;
}

const ENTITY_TAG = /(W\/)?"[^"]*"/g;
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
// The three forms a recipient must accept (RFC 9110 §5.6.7): IMF-fixdate, rfc850-date, asctime-date.
const HTTP_DATE = new RegExp(
  [
    `^${DAY}, \\d{2} ${MONTH} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$`,
    `^${LONG_DAY}, \\d{2}-${MONTH}-\\d{2} \\d{2}:\\d{2}:\\d{2} GMT$`,
    `^${DAY} ${MONTH} [ \\d]\\d \\d{2}:\\d{2}:\\d{2} \\d{4}$`,
  ].join('|'),
);

/** The time an HTTP-date names, or undefined when the text is not an HTTP-date. */
export function parseHttpDate(text: string): Date | undefined {
  if (!HTTP_DATE.test(text)) return undefined;
  // The asctime form carries no zone; it is GMT by definition.
  const time = Date.parse(/GMT$/.test(text) ? text : `${text} GMT`);
  return Number.isNaN(time) ? undefined : new Date(time);
}

/**
 * True when a request must be answered 412 Precondition Failed, before any
 * other condition is looked at: `If-Match` names no entity tag equal to the
 * current one by strong comparison (a weak tag never matches; `*` matches any
 * existing file); or, without `If-Match`, the file was modified after the date
 * in `If-Unmodified-Since`. That date is ignored when it is not an HTTP-date or
 * when no strong `Last-Modified` is known (§13.1.4), as S3 answers the same
 * request for the published file.
 */
export function isPreconditionFailed(conditions: Conditions, validators: Validators): boolean {
  if (conditions.ifMatch !== undefined) {
    if (conditions.ifMatch.trim() === '*') return false;
    return !entityTags(conditions.ifMatch).some((tag) => tag === validators.etag);
  }
  if (conditions.ifUnmodifiedSince === undefined || validators.lastModified === undefined) return false;
  const since = parseHttpDate(conditions.ifUnmodifiedSince.trim());
  return since !== undefined && validators.lastModified.getTime() > since.getTime();
}

/**
 * True when a GET or HEAD may be answered 304 Not Modified. `If-None-Match`
 * wins when present (weak comparison, `*` matches any existing file);
 * otherwise `If-Modified-Since` matches only a strong `Last-Modified` that is
 * not after it, and a date in the future (a skewed client clock) is ignored.
 */
export function isNotModified(conditions: Conditions, validators: Validators, now: Date): boolean {
  if (conditions.ifNoneMatch !== undefined) {
    if (conditions.ifNoneMatch.trim() === '*') return true;
    const opaque = opaqueTag(validators.etag);
    return entityTags(conditions.ifNoneMatch).some((tag) => opaqueTag(tag) === opaque);
  }
  if (conditions.ifModifiedSince === undefined || validators.lastModified === undefined) return false;
  const since = parseHttpDate(conditions.ifModifiedSince.trim());
  if (since === undefined || since.getTime() > now.getTime()) return false;
  return validators.lastModified.getTime() <= since.getTime();
}

/**
 * True when a `Range` header still applies under `If-Range`: no `If-Range`, an
 * entity tag equal to the current one by strong comparison (a weak tag never
 * matches), or a date exactly equal to the strong `Last-Modified`.
 */
export function rangeStillApplies(ifRange: string | undefined, validators: Validators): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === validators.etag;
  const date = parseHttpDate(value);
  return (
    date !== undefined &&
    validators.lastModified !== undefined &&
    date.getTime() === validators.lastModified.getTime()
  );
}

function entityTags(list: string): string[] {
  return list.match(ENTITY_TAG) ?? [];
}

function opaqueTag(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
