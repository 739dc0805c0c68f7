import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, it } from 'vitest';
import { compileLinearPattern, compileRe2 } from '../../lambda/core/linear-regexp.js';

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

describe('row schema patterns (RE2, answered by its DFA)', () => {
  it('answer as ECMAScript does, for generated input', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PATTERNS), text, (pattern, input) => {
        expect(compileLinearPattern(pattern).test(input), `${pattern} on ${JSON.stringify(input)}`).toBe(
          new RegExp(pattern, 'u').test(input),
        );
      }),
      { seed: 20261204, numRuns: 3000 },
    );
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
