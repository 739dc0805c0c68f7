import { describe, expect, it } from 'vitest';
import { decideByteRange } from '../../lambda/core/byte-ranges.js';
import {
  isNotModified,
  isPreconditionFailed,
  parseHttpDate,
  rangeStillApplies,
} from '../../lambda/core/conditional-requests.js';

describe('decideByteRange (pure)', () => {
  it.each([
    [undefined, 10, { kind: 'full' }],
    ['bytes=0-0', 10, { kind: 'partial', range: { start: 0, end: 0 } }],
    ['bytes=-3', 10, { kind: 'partial', range: { start: 7, end: 9 } }],
    ['bytes=8-', 10, { kind: 'partial', range: { start: 8, end: 9 } }],
    ['bytes=0-1,1-4', 10, { kind: 'partial', range: { start: 0, end: 4 } }],
    ['bytes=0-1,3-4', 10, { kind: 'full' }],
    ['bytes=5-2', 10, { kind: 'full' }],
    // 2^53 + 1 and 2^53: equal as numbers, in order as integers, so the header is invalid, not unsatisfiable.
    ['bytes=9007199254740993-9007199254740992', 10, { kind: 'full' }],
    ['bytes=10-', 10, { kind: 'unsatisfiable' }],
    ['bytes=-0', 10, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=-1', 0, { kind: 'full' }],
  ])('%j of %i bytes → %j', (header, size, expected) => {
    expect(decideByteRange(header, size)).toEqual(expected);
  });
});

describe('conditional requests (pure)', () => {
  const lastModified = new Date('2024-05-01T10:00:00Z');
  const now = new Date('2024-06-01T00:00:00Z');
  const validators = { etag: '"abc"', lastModified };

  it('accepts the three HTTP-date forms and nothing looser', () => {
    expect(parseHttpDate('Wed, 01 May 2024 10:00:00 GMT')).toEqual(lastModified);
    expect(parseHttpDate('Wednesday, 01-May-24 10:00:00 GMT')).toEqual(lastModified);
    expect(parseHttpDate('Wed May  1 10:00:00 2024')).toEqual(lastModified);
    expect(parseHttpDate('2024-05-01')).toBeUndefined();
    expect(parseHttpDate('yesterday')).toBeUndefined();
  });

  it.each([
    [{ ifNoneMatch: '"abc"' }, true],
    [{ ifNoneMatch: 'W/"abc"' }, true],
    [{ ifNoneMatch: '"x", "abc"' }, true],
    [{ ifNoneMatch: '"abcd"' }, false],
    // If-None-Match wins over a matching date.
    [{ ifNoneMatch: '"x"', ifModifiedSince: 'Sat, 01 Jun 2024 00:00:00 GMT' }, false],
    [{ ifModifiedSince: 'Wed, 01 May 2024 10:00:00 GMT' }, true],
    [{ ifModifiedSince: 'Wed, 01 May 2024 09:59:59 GMT' }, false],
    [{ ifModifiedSince: 'Sun, 01 Jun 2025 00:00:00 GMT' }, false],
    [{ ifModifiedSince: 'not a date' }, false],
  ])('%j → 304: %s', (conditions, expected) => {
    expect(isNotModified(conditions, validators, now)).toBe(expected);
  });

  it.each([
    [{}, false],
    [{ ifMatch: '"abc"' }, false],
    [{ ifMatch: '"x", "abc"' }, false],
    [{ ifMatch: '*' }, false],
    // Strong comparison: a weak tag never matches.
    [{ ifMatch: 'W/"abc"' }, true],
    [{ ifMatch: '"abcd"' }, true],
    [{ ifMatch: 'abc' }, true],
    [{ ifUnmodifiedSince: 'Wed, 01 May 2024 10:00:00 GMT' }, false],
    [{ ifUnmodifiedSince: 'Wed, 01 May 2024 09:59:59 GMT' }, true],
    [{ ifUnmodifiedSince: 'not a date' }, false],
    // If-Match wins over a failing date.
    [{ ifMatch: '"abc"', ifUnmodifiedSince: 'Wed, 01 May 2024 09:59:59 GMT' }, false],
  ])('%j → 412: %s', (conditions, expected) => {
    expect(isPreconditionFailed(conditions, validators)).toBe(expected);
  });

  it('a date never matches when Last-Modified was not sent', () => {
    expect(
      isPreconditionFailed({ ifUnmodifiedSince: 'Wed, 01 May 2024 09:59:59 GMT' }, { etag: '"abc"' }),
    ).toBe(false);
    expect(isNotModified({ ifModifiedSince: 'Sat, 01 Jun 2024 00:00:00 GMT' }, { etag: '"abc"' }, now)).toBe(
      false,
    );
    expect(rangeStillApplies('Wed, 01 May 2024 10:00:00 GMT', { etag: '"abc"' })).toBe(false);
    expect(rangeStillApplies('Wed, 01 May 2024 10:00:00 GMT', validators)).toBe(true);
  });
});
