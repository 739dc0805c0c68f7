import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileLinearPattern } from '../../lambda/core/linear-regexp.js';

/**
 * Patterns whose meaning ECMAScript and RE2 spell alike but define differently: `.` (ECMAScript stops at
 * \r, U+2028 and U+2029 as well as \n) and `\s` / `\S` (ECMAScript's white space is Unicode's, RE2's is
 * ASCII), outside and inside classes, beside the class forms RE2 reads otherwise (`[]`, `[^]`).
 */
const PATTERNS = [
  'a.c',
  '^.$',
  '^.*$',
  '^\\s$',
  '^\\S+$',
  '^[\\s]$',
  '^[^\\s]+$',
  '^[\\S]$',
  '^[a\\S]$',
  '^[^\\S]$',
  '^[.]$',
  '^\\.$',
  '^\\\\s$',
  '^[\\\\s]$',
  '^[]$',
  '^[^]$',
  '\\s\\S',
  '^[\\]s.]$',
];
/** Every kind of line end and white space either engine knows, some near misses, and plain letters. */
const ALPHABET = [
  'a',
  'c',
  's',
  'S',
  '.',
  '\\',
  ']',
  ' ',
  '\t',
  '\n',
  '\r',
  '\f',
  '\u00a0',
  '\u1680',
  '\u2000',
  '\u200a',
  '\u200b',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
  '\ufeff',
  '\u0085',
  '\u180e',
  'é',
  '😀',
];
const text = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 6 }).map((chars) => chars.join(''));

describe('row schema patterns answer as ECMAScript for the letters RE2 reads otherwise', () => {
  it('`.`, `\\s` and `\\S` match what V8 matches, in and out of classes', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PATTERNS), text, (pattern, input) => {
        expect(compileLinearPattern(pattern).test(input), `${pattern} on ${JSON.stringify(input)}`).toBe(
          new RegExp(pattern, 'u').test(input),
        );
      }),
      { seed: 20261205, numRuns: 4000 },
    );
  });

  it('every white space and line end on its own', () => {
    for (const char of ALPHABET)
      for (const pattern of ['^\\s$', '^\\S$', '^.$', '^[^\\s]$', '^[\\S]$'])
        expect(compileLinearPattern(pattern).test(char), `${pattern} on ${JSON.stringify(char)}`).toBe(
          new RegExp(pattern, 'u').test(char),
        );
  });
});
