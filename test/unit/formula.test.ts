import { describe, expect, it } from 'vitest';
import { startsWithFormulaPrefix } from '../../lambda/core/formula.js';

/** The rule as a regular expression, as the project first wrote it: the oracle the comparison is checked against. */
const FORMULA_PREFIX = /^[=+\-@\t\r]/;

describe('startsWithFormulaPrefix', () => {
  it('answers as FORMULA_PREFIX for every first UTF-16 unit, alone or followed by text', () => {
    const differing: string[] = [];
    for (let unit = 0; unit <= 0xffff; unit++) {
      for (const text of [String.fromCharCode(unit), `${String.fromCharCode(unit)}1+x`]) {
        if (startsWithFormulaPrefix(text) !== FORMULA_PREFIX.test(text)) differing.push(JSON.stringify(text));
      }
    }

    expect(differing).toEqual([]);
  });

  it('answers as FORMULA_PREFIX for empty text, astral characters and prefixes further in', () => {
    for (const text of ['', '😀=', ' =1', 'a-b', '=', '\t', '\r\n', '\n=']) {
      expect(startsWithFormulaPrefix(text), JSON.stringify(text)).toBe(FORMULA_PREFIX.test(text));
    }
  });
});
