import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import {
  compileLinearPattern,
  compileRe2,
  UnsupportedPatternError,
} from '../../lambda/core/linear-regexp.js';

/**
 * Patterns a curator might write, each safe for V8's backtracking engine on short input, so that V8 can be
 * the reference for what JSON Schema's `pattern` means (ECMAScript syntax, searched anywhere).
 */
const PATTERNS = [
  '^[a-z0-9]+(-[a-z0-9]+)*$',
  '^[A-Z]{2}-[0-9]{3}$',
  '[0-9]{4}',
  '^(19|20)[0-9]{2}(-[0-9]{2})?$',
  '^(ab|a)(c|bcd)$',
  'a.c',
  '^\\d+(\\.\\d{1,2})?$',
  '^[^-]+$',
  '\\u00e9-[0-9]{2}',
  '^$',
  'x|y-z',
];
const ALPHABET = ['a', 'b', 'c', 'd', 'x', 'y', 'z', 'A', 'Z', '0', '1', '9', '-', '.', 'é', ' ', '\n'];
const text = fc.array(fc.constantFrom(...ALPHABET), { maxLength: 14 }).map((chars) => chars.join(''));

/** Expects a row schema pattern to answer as V8's own engine does, JSON Schema's reference (`u` flag). */
function expectSameAsV8(pattern: string, input: string): void {
  expect(compileLinearPattern(pattern).test(input), `${pattern} on ${JSON.stringify(input)}`).toBe(
    new RegExp(pattern, 'u').test(input),
  );
}

/** The same, for every pattern of a list on generated input. */
function expectAnswersAsV8(
  patterns: readonly string[],
  input: fc.Arbitrary<string>,
  parameters: fc.Parameters<[string, string]>,
): void {
  fc.assert(
    fc.property(fc.constantFrom(...patterns), input, (pattern, text) => expectSameAsV8(pattern, text)),
    parameters,
  );
}

/**
 * Patterns whose meaning ECMAScript and RE2 spell alike but define differently: `.` (ECMAScript stops at
 * \r, U+2028 and U+2029 as well as \n) and `\s` / `\S` (ECMAScript's white space is Unicode's, RE2's is
 * ASCII), outside and inside classes, beside the class forms RE2 reads otherwise (`[]`, `[^]`).
 */
const ECMASCRIPT_PATTERNS = [
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
const SPACES_AND_LINE_ENDS = [
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
const spacedText = fc
  .array(fc.constantFrom(...SPACES_AND_LINE_ENDS), { maxLength: 6 })
  .map((chars) => chars.join(''));

describe('row schema patterns (RE2, answered by its DFA)', () => {
  it('answer as ECMAScript does, for generated input', () => {
    expectAnswersAsV8(PATTERNS, text, { seed: 20261204, numRuns: 3000 });
  });

  it('answer as re2js does with its one-pass matcher left in place', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PATTERNS), text, (pattern, input) => {
        const onePass = RE2JS.compile(RE2JS.translateRegExp(pattern));
        expect(compileLinearPattern(pattern).test(input)).toBe(onePass.test(input));
      }),
      { seed: 4121, numRuns: 1000 },
    );
  });

  it('a one-pass pattern is tested by the DFA, not by the slower one-pass matcher', () => {
    // The trade id's pattern is one-pass: re2js builds a one-pass program for it.
    expect(RE2JS.compile(PATTERNS[0] ?? '').re2Input.onepass).not.toBeNull();

    const compiled = compileRe2(PATTERNS[0] ?? '');
    expect(compiled.test('turnover-2019-a')).toBe(true);

    expect(compiled.re2Input.onepass).toBeNull();
    expect(compiled.re2Input.lazyDFA, 'the DFA was built to answer').not.toBeNull();
  });
});

/**
 * Patterns with more than one way through the same text: a backtracking engine tries them all, and takes
 * time exponential in the length of a text that fails near its end. Among them, forms that re2js rewrites
 * into a one-way pattern before it judges it (`(?:a+)+` becomes `a+`, `(?:a|a)` becomes `a`, `(?:\d|[0-9])`
 * one class), which V8 would still run as written.
 */
const BACKTRACKING_TRAPS = [
  '^(a+)+$',
  '^(?:a+)+$',
  '^(?:a*)*$',
  '^(a|aa)+$',
  '^(a|a?)+$',
  '^(?:a|a)*$',
  '^(?:a|a){0,100}$',
  '^(?:\\d|[0-9])*$',
  '^(?:\\S|\\w)*\\.$',
  '^(?:[a-z]+)+$',
  '^(?:ab|a[b])*$',
  '^(x+x+)+y$',
  '^(\\w+\\s?)*$',
  '^(?:[a-z]+-?)*$',
  '^(([a-z])+.)+[A-Z]([a-z])+$',
  'a+c',
];

describe('row schema patterns that would trap a backtracking engine', () => {
  it('answer at once, on texts that fail at their last character', () => {
    // Each text ends in "!", which none of them accepts; V8 on `^(?:a+)+$` and 60 a's before it would try
    // more ways than there are nanoseconds in a year.
    for (const pattern of BACKTRACKING_TRAPS) {
      const linear = compileLinearPattern(pattern);
      for (const text of [
        'a'.repeat(60) + '!',
        'ab'.repeat(40) + '!',
        '1'.repeat(60) + '!',
        'a'.repeat(5000) + '!',
      ])
        expect(linear.test(text), `${pattern} on ${text.slice(0, 12)}…`).toBe(false);
    }
  });
});

describe('row schema patterns answer as ECMAScript for the letters RE2 reads otherwise', () => {
  it('`.`, `\\s` and `\\S` match what V8 matches, in and out of classes', () => {
    expectAnswersAsV8(ECMASCRIPT_PATTERNS, spacedText, { seed: 20261205, numRuns: 4000 });
  });

  it('every white space and line end on its own', () => {
    for (const char of SPACES_AND_LINE_ENDS)
      for (const pattern of ['^\\s$', '^\\S$', '^.$', '^[^\\s]$', '^[\\S]$']) expectSameAsV8(pattern, char);
  });
});

describe('row schema patterns written in ways RE2 reads otherwise than ECMAScript', () => {
  /** A `[` inside a class (a letter to ECMAScript, a POSIX class to RE2), and surrogate pairs written as two escapes. */
  const PATTERNS_ = [
    '^[[:digit:][x]+$',
    '^[[:alpha:][x]$',
    '[[]',
    '^[a[]+$',
    '\\ud83d\\ude00',
    '^(?:\\ud83d\\ude00)+$',
    '^[\\ud83d\\ude00]+$',
    '^[\\uD83D\\uDE00-\\uD83D\\uDE4F]$',
    '^\\ud83d$',
  ];
  const LETTERS = ['d', 'x', 'b', 'a', '[', ':', 'i', 'g', 't', '😀', '🙏', '\ud83d', '\ude00', '🚀'];

  it('answer as V8 does, for generated input, short and long', () => {
    const letters = fc.array(fc.constantFrom(...LETTERS), { maxLength: 8 }).map((chars) => chars.join(''));
    // Long texts too: 1,000 to 1,100 repeats of one letter, then a few generated ones.
    const long = fc
      .tuple(fc.constantFrom(...LETTERS), fc.integer({ min: 1000, max: 1100 }), letters)
      .map(([letter, count, tail]) => letter.repeat(count) + tail);
    expectAnswersAsV8(PATTERNS_, fc.oneof(letters, long), { seed: 20261206, numRuns: 2000 });
  });

  it.each(['(?i)a', '(?s).', '\\Qa\\E', '\\pL', '\\p{Greek}', '\\x{41}', '\\z', '\\A', '\\C'])(
    'refuses %s, which is no ECMAScript regular expression with the u flag',
    (pattern) => {
      expect(() => compileLinearPattern(pattern)).toThrow(UnsupportedPatternError);
      expect(() => compileLinearPattern(pattern)).toThrow(/^not an ECMAScript regular expression \(/);
    },
  );
});
