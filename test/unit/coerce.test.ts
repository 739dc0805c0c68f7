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
    ['number', 'NaN', '"NaN" is not a number (only finite numbers are allowed)'],
    ['number', 'Infinity', '"Infinity" is not a number (only finite numbers are allowed)'],
    ['number', ' 5', '" 5" is not a number (remove the leading or trailing spaces)'],
    ['number', '+5', '"+5" is not a number (remove the plus sign)'],
    ['number', '1e999', '"1e999" is too large to be a finite number'],
    ['number', '.5', '".5" is not a number (write 0.5)'],
    ['number', '-.25', '"-.25" is not a number (write -0.25)'],
    ['number', '5.', '"5." is not a number (write 5)'],
    ['number', '007', '"007" is not a number (write 7, without leading zeros)'],
    ['integer', '2019.0', '"2019.0" is not an integer'],
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
});
