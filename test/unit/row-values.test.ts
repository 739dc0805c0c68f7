import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowValues, valueSetter } from '../../lambda/core/row-values.js';

/** Column names a curator could write, and ones written to break out of a string literal. */
const names = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(
    '"] = 0; globalThis.hacked = true; //',
    "'] = 0; globalThis.hacked = true; //",
    '\\',
    '\u2028\u2029',
    '`${globalThis.hacked = true}`',
    '</script>',
    'constructor',
    'toString',
    '',
  ),
);

describe('a column value setter', () => {
  it('adds exactly the named column, as a plain assignment would, whatever the name', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          names.filter((name) => name !== '__proto__'),
          { maxLength: 8 },
        ),
        fc.oneof(fc.string(), fc.double(), fc.boolean()),
        (columns, value) => {
          const set = new RowValues();
          const assigned = new RowValues();
          for (const name of columns) {
            valueSetter(name)(set, value);
            assigned[name] = value;
          }
          expect(Object.keys(set)).toEqual(Object.keys(assigned));
          for (const name of columns) expect(Object.is(set[name], value)).toBe(true);
          expect(Object.getPrototypeOf(Object.getPrototypeOf(set))).toBeNull();
          expect((globalThis as { hacked?: unknown }).hacked).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses __proto__, which would replace the row\u2019s prototype rather than add a column', () => {
    expect(() => valueSetter('__proto__')).toThrow(/__proto__/);
  });
});
