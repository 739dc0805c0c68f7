import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coerceCell, type ColumnType } from '../../lambda/core/coerce.js';

describe('coerceCell', () => {
  it.each<[ColumnType, string, unknown]>([
    ['integer', '2019', 2019],
    ['integer', '-5', -5],
    ['integer', '0', 0],
    ['number', '142.10', 142.1],
    ['number', '-47.4', -47.4],
    ['number', '1e3', 1000],
    ['number', '-0', 0],
    ['number', '-0e-400', 0],
    ['number', '0.1000000000000000', 0.1],
    ['number', '123456789012345680000', 123456789012345680000],
    ['number', '9007199254740993e-16', 0.9007199254740993],
    ['number', '5e-324', 5e-324],
    ['number', '1.7976931348623157e308', 1.7976931348623157e308],
    ['boolean', 'true', true],
    ['boolean', 'false', false],
    ['date', '2019-10-09', '2019-10-09'],
    ['date', '2020-02-29', '2020-02-29'],
    ['date', '0000-02-29', '0000-02-29'],
    ['date', '0001-01-01', '0001-01-01'],
    ['date', '0099-12-31', '0099-12-31'],
    ['string', ' kept as written ', ' kept as written '],
    ['string', '=SUM(A1)', '=SUM(A1)'],
  ])('reads %s %j as %j', (type, raw, expected) => {
    expect(coerceCell(raw, type)).toEqual({ kind: 'value', value: expected });
  });

  it.each<ColumnType>(['integer', 'number', 'boolean', 'date', 'string'])(
    'treats an empty %s cell as absent',
    (type) => {
      expect(coerceCell('', type)).toEqual({ kind: 'absent' });
    },
  );

  it.each<[ColumnType, string, string]>([
    ['number', '12,5', '"12,5" is not a number (use a dot as the decimal separator)'],
    ['number', '1,234.5', '"1,234.5" is not a number (remove the thousands separators)'],
    [
      'number',
      '1 106,1',
      '"1 106,1" is not a number (remove the spaces between the digits (thousands separators), and use a dot as the decimal separator)',
    ],
    [
      'number',
      '1\u00a0234\u00a0567.5',
      // A no-break space is shown escaped: it looks like a space.
      '"1\\u00a0234\\u00a0567.5" is not a number (remove the spaces between the digits (thousands separators))',
    ],
    [
      'integer',
      "1'234",
      '"1\'234" is not an integer (remove the apostrophes between the digits (thousands separators))',
    ],
    [
      'number',
      '1\u2019106,1',
      '"1\u2019106,1" is not a number (remove the apostrophes between the digits (thousands separators), and use a dot as the decimal separator)',
    ],
    [
      'integer',
      '1.234.567',
      '"1.234.567" is not an integer (remove the dots between the digits (thousands separators))',
    ],
    [
      'number',
      '1.234,5',
      '"1.234,5" is not a number (remove the dots between the digits (thousands separators), and use a dot as the decimal separator)',
    ],
    ['number', 'NaN', '"NaN" is not a number (only finite numbers are allowed)'],
    ['number', 'Infinity', '"Infinity" is not a number (only finite numbers are allowed)'],
    ['number', ' 5', '" 5" is not a number (remove the leading or trailing spaces)'],
    ['number', '+5', '"+5" is not a number (remove the plus sign)'],
    ['number', '1e999', '"1e999" is too large to be a finite number'],
    [
      'number',
      '9007199254740993',
      '"9007199254740993" has more digits than a number column keeps (a 64-bit float holds 15 to 17): it would be published as 9007199254740992; round it, or make the column text',
    ],
    [
      'number',
      '0.10000000000000000555',
      '"0.10000000000000000555" has more digits than a number column keeps (a 64-bit float holds 15 to 17): it would be published as 0.1; round it, or make the column text',
    ],
    [
      'number',
      '-1.00000000000000000001e5',
      '"-1.00000000000000000001e5" has more digits than a number column keeps (a 64-bit float holds 15 to 17): it would be published as -100000; round it, or make the column text',
    ],
    [
      'number',
      '1e-400',
      '"1e-400" is too small to tell apart from 0 in a number column (a 64-bit float); write 0, or make the column text',
    ],
    ['number', '.5', '".5" is not a number (write 0.5)'],
    ['number', '-.25', '"-.25" is not a number (write -0.25)'],
    ['number', '5.', '"5." is not a number (write 5)'],
    ['number', '007', '"007" is not a number (write 7, without leading zeros)'],
    ['integer', '2019.0', '"2019.0" is not an integer (write 2019)'],
    ['integer', '2e3', '"2e3" is not an integer (write 2000)'],
    ['integer', '-1.50e1', '"-1.50e1" is not an integer (write -15)'],
    ['integer', '2019.5', '"2019.5" is not an integer'],
    ['integer', '1.0000000000000001', '"1.0000000000000001" is not an integer'],
    ['integer', '\u22121', '"\u22121" is not an integer (write the minus sign as "-", the hyphen-minus)'],
    ['number', '\u20135.5', '"\u20135.5" is not a number (write the minus sign as "-", the hyphen-minus)'],
    ['number', '1\u00a0', '"1\\u00a0" is not a number (remove the leading or trailing spaces)'],
    ['boolean', '\ufefftrue', '"\\ufefftrue" is not a boolean (remove the leading or trailing spaces)'],
    ['integer', '007', '"007" is not an integer (write 7, without leading zeros)'],
    ['integer', '-00', '"-00" is not an integer (write -0, without leading zeros)'],
    ['integer', '9007199254740993', '"9007199254740993" is outside the safe integer range'],
    ['boolean', 'yes', '"yes" is not a boolean (write true or false)'],
    ['boolean', 'TRUE', '"TRUE" is not a boolean (write true or false)'],
    ['date', '2019-02-30', '"2019-02-30" is not a date that exists in the calendar'],
    ['date', '2019-13-01', '"2019-13-01" is not a date that exists in the calendar'],
    ['date', '0100-02-29', '"0100-02-29" is not a date that exists in the calendar'],
    ['date', '0050-00-10', '"0050-00-10" is not a date that exists in the calendar'],
    ['date', '09.10.2019', '"09.10.2019" is not a date (write YYYY-MM-DD)'],
    ['date', '2019-9-1', '"2019-9-1" is not a date (write YYYY-MM-DD)'],
    ['date', '2019-09-01 ', '"2019-09-01 " is not a date (remove the leading or trailing spaces)'],
    ['boolean', ' true', '" true" is not a boolean (remove the leading or trailing spaces)'],
  ])('refuses %s %j: %s', (type, raw, message) => {
    expect(coerceCell(raw, type)).toEqual({ kind: 'invalid', message });
  });

  it('takes a YYYY-MM-DD date exactly when the Gregorian calendar has it, in every year from 0000 to 9999', () => {
    // The calendar repeats every 400 years, so a year is checked against the one 2000 + (year mod 400),
    // where Date.UTC reads the year as written.
    const exists = (year: number, month: number, day: number): boolean => {
      const date = new Date(Date.UTC(2000 + (year % 400), month - 1, day));
      return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        (year, month, day) => {
          const raw = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
          expect(coerceCell(raw, 'date').kind).toBe(exists(year, month, day) ? 'value' : 'invalid');
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('takes every number a double prints as itself, and refuses it with a digit past what a double holds', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (double) => {
        const printed = String(double);
        expect(coerceCell(printed, 'number')).toEqual({
          kind: 'value',
          value: Object.is(double, -0) ? 0 : double,
        });
        // A shortest print has at most 17 significant digits; this one has at least 26, so no double prints as it.
        const [mantissa = '', exponent] = printed.split('e');
        const longer = `${mantissa}${mantissa.includes('.') ? '' : '.'}00000000000000000000000001${exponent === undefined ? '' : `e${exponent}`}`;
        // (Zero has no significant digit to extend: 0.000…01 is just a small number.)
        if (double !== 0) expect(coerceCell(longer, 'number').kind).toBe('invalid');
      }),
      { numRuns: 5000 },
    );
  });
});

describe('integer cells', () => {
  /** What an integer cell reads as, by JSON's grammar and JavaScript's Number: the reference. */
  function reference(raw: string): unknown {
    if (raw === '') return { kind: 'absent' };
    if (!/^-?(?:0|[1-9]\d*)$/.test(raw)) return 'invalid';
    const value = Number(raw);
    return Number.isSafeInteger(value) ? { kind: 'value', value } : 'invalid';
  }

  it('read as Number reads text of JSON integer grammar, -0 and 15 to 17 digits included', () => {
    const digits = fc
      .array(fc.constantFrom('0', '1', '5', '9'), { minLength: 1, maxLength: 18 })
      .map((d) => d.join(''));
    const raw = fc.oneof(
      digits,
      digits.map((d) => `-${d}`),
      fc
        .tuple(digits, fc.constantFrom(' ', '.', 'e', '+', 'x', '٣', '\u0000', '/', ':'), digits)
        .map((p) => p.join('')),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(raw, (text) => {
        const read = coerceCell(text, 'integer');
        const expected = reference(text);
        if (expected === 'invalid') expect(read.kind, text).toBe('invalid');
        else {
          expect(read, text).toEqual(expected);
          if (read.kind === 'value') expect(Object.is(read.value, -0)).toBe(Object.is(Number(text), -0));
        }
      }),
      { seed: 20261206, numRuns: 3000 },
    );
  });
});

describe('number cells', () => {
  it('read as Number reads text of JSON number grammar, with a point, a sign or 14 to 17 digits', () => {
    const digits = (maxLength: number) =>
      fc
        .array(fc.constantFrom('0', '1', '3', '5', '7', '9'), { minLength: 1, maxLength })
        .map((d) => d.join(''));
    const decimal = fc
      .tuple(fc.constantFrom('', '-'), digits(10), fc.option(digits(9), { nil: undefined }))
      .map(([sign, whole, fraction]) => `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}`);
    const raw = fc.oneof(
      decimal,
      fc
        .tuple(decimal, fc.constantFrom('.', 'e', 'e-', ' ', '-', '+', 'x', '٣', ','), digits(4))
        .map((p) => p.join('')),
      fc.tuple(fc.constantFrom('.', '+', ' ', '0', '-.'), decimal).map((p) => p.join('')),
      fc.string({ maxLength: 6 }),
    );
    const grammar = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
    let values = 0;
    fc.assert(
      fc.property(raw, (text) => {
        const read = coerceCell(text, 'number');
        if (text === '') {
          expect(read).toEqual({ kind: 'absent' });
          return;
        }
        if (!grammar.test(text)) {
          expect(read.kind, text).toBe('invalid');
          return;
        }
        // What a double cannot keep exactly (past 15 digits, or an exponent) is refused with a reason.
        if (read.kind === 'invalid') {
          expect(text.replace(/^-|\./g, '').length > 15 || /e/i.test(text), text).toBe(true);
          return;
        }
        values++;
        // Number's own reading, with -0 published as 0.
        expect(read, text).toEqual({ kind: 'value', value: Number(text) === 0 ? 0 : Number(text) });
        expect(Object.is(read.kind === 'value' && read.value, -0), text).toBe(false);
      }),
      { seed: 20261206, numRuns: 5000 },
    );
    expect(values).toBeGreaterThan(1000);
  });
});
