/** The cell types a dataset schema may declare for a column. */
export type ColumnType = 'integer' | 'number' | 'boolean' | 'date' | 'string';

/** A typed cell value; dates stay ISO `YYYY-MM-DD` strings. */
export type CellValue = string | number | boolean;

/** The JavaScript type of a typed cell of a column of `type` (a date is its ISO text). */
export function valueKind(type: ColumnType): 'number' | 'boolean' | 'string' {
  return type === 'integer' || type === 'number' ? 'number' : type === 'boolean' ? 'boolean' : 'string';
}

/** Outcome of reading one cell: absent (empty cell), a typed value, or why it is not of the type. */
export type Coerced =
  | { readonly kind: 'absent' }
  | { readonly kind: 'value'; readonly value: CellValue }
  | { readonly kind: 'invalid'; readonly message: string };

const INTEGER = /^-?(?:0|[1-9]\d*)$/;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ABSENT: Coerced = { kind: 'absent' };

/** Why a cell is not of its column's type (see {@link readCell}). */
export class InvalidCell {
  constructor(readonly message: string) {}
}

/**
 * Reads a raw CSV cell as the column's declared type. An empty cell is absent
 * (so the schema's `required` decides whether that is allowed). Nothing is
 * guessed: thousands separators, decimal commas, `NaN`, `Infinity`, padded
 * numbers and impossible dates are each refused with a reason.
 */
export function coerceCell(raw: string, type: ColumnType): Coerced {
  const read = readCell(raw, type);
  if (read === undefined) return ABSENT;
  if (read instanceof InvalidCell) return { kind: 'invalid', message: read.message };
  return { kind: 'value', value: read };
}

/**
 * {@link coerceCell} without an object per cell, for reading rows: the typed
 * value, `undefined` for an empty cell, or an {@link InvalidCell}.
 */
export function readCell(raw: string, type: ColumnType): CellValue | InvalidCell | undefined {
  if (raw === '') return undefined;
  switch (type) {
    case 'string':
      return raw;
    case 'integer':
      return readInteger(raw);
    case 'number':
      return readNumber(raw);
    case 'boolean':
      return readBoolean(raw);
    case 'date':
      return readDate(raw);
  }
}

function readInteger(raw: string): number | InvalidCell {
  const short = shortNumber(raw, false);
  if (short !== undefined) return short;
  if (!INTEGER.test(raw)) return invalid(raw, 'an integer', integerHint(raw));
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) return new InvalidCell(`"${raw}" is outside the safe integer range`);
  return value;
}

const MINUS = 0x2d;
const DOT = 0x2e;
const DIGIT_ZERO = 0x30;

/** 10 to the power of each index up to 15, every one exact in a double. */
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, power) => 10 ** power);

/**
 * The value of `raw`, worked out digit by digit, when it is an integer as {@link INTEGER} takes it or (with
 * `point`) a number as {@link NUMBER} takes it without an exponent, in at most 15 digits; otherwise
 * undefined, and the regular expression and `Number` decide. Years, counts and amounts are such cells, and
 * this is the most common reading of a row. The digits make a whole number below 2^53 and the fraction a
 * power of ten up to 10^15, both exact in a double, so their quotient, rounded once, is the double nearest
 * the decimal: what `Number(raw)` gives, `-0` included.
 */
function shortNumber(raw: string, point: boolean): number | undefined {
  const start = raw.charCodeAt(0) === MINUS ? 1 : 0;
  const length = raw.length;
  if (length === start || length - start > (point ? 16 : 15)) return undefined;
  let value = raw.charCodeAt(start) - DIGIT_ZERO;
  if (value < 0 || value > 9) return undefined;
  let index = start + 1;
  // A leading 0 is the whole of the part before the point.
  if (value !== 0) {
    for (; index < length; index++) {
      const digit = raw.charCodeAt(index) - DIGIT_ZERO;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
    }
  }
  let fraction = 0;
  if (index < length) {
    if (!point || raw.charCodeAt(index) !== DOT || index === length - 1) return undefined;
    for (index++; index < length; index++) {
      const digit = raw.charCodeAt(index) - DIGIT_ZERO;
      if (digit < 0 || digit > 9) return undefined;
      value = value * 10 + digit;
      fraction++;
    }
    // With the point, 16 characters after the sign are at most 15 digits.
  } else if (length - start > 15) return undefined;
  const magnitude = fraction === 0 ? value : value / (POWERS_OF_TEN[fraction] as number);
  return start === 1 ? -magnitude : magnitude;
}

function readNumber(raw: string): number | InvalidCell {
  const short = shortNumber(raw, true);
  // -0 is published as 0, as below.
  if (short !== undefined) return short === 0 ? 0 : short;
  if (!NUMBER.test(raw)) return invalid(raw, 'a number', numberHint(raw));
  const value = Number(raw);
  if (!Number.isFinite(value)) return new InvalidCell(`"${raw}" is too large to be a finite number`);
  // Up to 15 characters with no exponent is at most 15 significant digits, which a double always keeps.
  if (raw.length > 15 || raw.includes('e') || raw.includes('E')) return keptExactly(raw, value);
  return Object.is(value, -0) ? 0 : value;
}

/** `value`, read from `raw`, when it is the number `raw` writes; otherwise why the cell is refused. */
function keptExactly(raw: string, value: number): number | InvalidCell {
  if (decimalOf(raw) === decimalOf(String(value))) return Object.is(value, -0) ? 0 : value;
  return new InvalidCell(
    value === 0
      ? `${shownCell(raw)} is too small to tell apart from 0 in a number column (a 64-bit float); write 0, or make the column text`
      : `${shownCell(raw)} has more digits than a number column keeps (a 64-bit float holds 15 to 17): it would be published as ${String(value)}; round it, or make the column text`,
  );
}

/**
 * The decimal value a number written as `text` (JSON's grammar, as {@link NUMBER} takes it) stands for, as
 * `<significant digits>e<exponent>` with no leading or trailing zeros and no sign for zero: two texts give the
 * same string exactly when they are the same number. Comparing a cell's with that of the double it is read as
 * (`String` gives the shortest text that reads back as the same double) tells whether the double keeps it.
 */
function decimalOf(text: string): string {
  const negative = text.startsWith('-');
  let digits = negative ? text.slice(1) : text;
  let exponent = 0;
  const e = digits.search(/[eE]/);
  if (e !== -1) {
    exponent = Number(digits.slice(e + 1));
    digits = digits.slice(0, e);
  }
  const dot = digits.indexOf('.');
  if (dot !== -1) {
    exponent -= digits.length - dot - 1;
    digits = digits.slice(0, dot) + digits.slice(dot + 1);
  }
  digits = digits.replace(/^0+/, '');
  if (digits === '') return '0';
  const significant = digits.replace(/0+$/, '');
  return `${negative ? '-' : ''}${significant}e${exponent + digits.length - significant.length}`;
}

function readBoolean(raw: string): boolean | InvalidCell {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return invalid(
    raw,
    'a boolean',
    spacedHint(raw, (text) => text === 'true' || text === 'false', 'write true or false'),
  );
}

/** What to do about a cell that `reads` once the spaces around it are gone: remove them; otherwise `hint`. */
function spacedHint(raw: string, reads: (text: string) => boolean, hint: string): string {
  const trimmed = raw.trim();
  return trimmed !== raw && reads(trimmed) ? REMOVE_SPACES : hint;
}

const REMOVE_SPACES = 'remove the leading or trailing spaces';

function readDate(raw: string): string | InvalidCell {
  const match = DATE.exec(raw);
  if (match === null)
    return invalid(
      raw,
      'a date',
      spacedHint(raw, (text) => DATE.test(text), 'write YYYY-MM-DD'),
    );
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return new InvalidCell(`"${raw}" is not a date that exists in the calendar`);
  }
  return raw;
}

/**
 * Days in a month of the proleptic Gregorian calendar, which ISO 8601 dates count in for every year from
 * 0000 to 9999. Worked out here, not by `Date.UTC`, which reads the years 0 to 99 as 1900 to 1999.
 */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function invalid(raw: string, expected: string, hint: string | undefined): InvalidCell {
  return new InvalidCell(`${shownCell(raw)} is not ${expected}${hint === undefined ? '' : ` (${hint})`}`);
}

/** A cell quoted for a message, cut to 80 characters, with spaces other than U+0020 written as escapes. */
function shownCell(raw: string): string {
  return JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw).replace(
    OTHER_SPACES,
    (space) => `\\u${space.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Characters that look like a space, or like nothing, and are not U+0020: a no-break space at the end of a cell. */
const OTHER_SPACES = /[\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]/g;

/** A number written otherwise than an integer column takes it (`2019.0`, `2e3`): the integer to write, if it is one. */
function integerHint(raw: string): string | undefined {
  if (!NUMBER.test(raw)) return numberHint(raw);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || decimalOf(raw) !== decimalOf(String(value))) return undefined;
  return `write ${String(value)}`;
}

/** Minus signs other than the hyphen-minus a number is written with: U+2212, dashes, small and full-width. */
const OTHER_MINUS = /^[\u2012\u2013\u2014\u2212\ufe63\uff0d]\d/;

function numberHint(raw: string): string | undefined {
  if (raw.trim() !== raw) return REMOVE_SPACES;
  if (OTHER_MINUS.test(raw)) return 'write the minus sign as "-", the hyphen-minus';
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(raw)) return 'remove the thousands separators';
  // Spaces (a no-break or thin one too) or apostrophes (straight or curly) between groups of three digits.
  const spaced = /^-?\d{1,3}([ \u00a0\u202f\u2009'\u2019])\d{3}(\1\d{3})*([.,]\d+)?$/.exec(raw);
  if (spaced !== null) {
    const what = spaced[1] === "'" || spaced[1] === '\u2019' ? 'apostrophes' : 'spaces';
    return raw.includes(',')
      ? `remove the ${what} between the digits (thousands separators), and use a dot as the decimal separator`
      : `remove the ${what} between the digits (thousands separators)`;
  }
  if (/^-?\d{1,3}(\.\d{3})+,\d+$/.test(raw))
    return 'remove the dots between the digits (thousands separators), and use a dot as the decimal separator';
  if (/^-?\d{1,3}(\.\d{3}){2,}$/.test(raw))
    return 'remove the dots between the digits (thousands separators)';
  if (/^-?\d+,\d+$/.test(raw)) return 'use a dot as the decimal separator';
  if (/^[+-]?(NaN|Infinity|inf)$/i.test(raw)) return 'only finite numbers are allowed';
  if (raw.startsWith('+')) return 'remove the plus sign';
  if (/^-?\.\d+$/.test(raw)) return `write ${raw.replace('.', '0.')}`;
  if (/^-?\d+\.$/.test(raw)) return `write ${raw.slice(0, -1)}`;
  if (/^-?0\d+$/.test(raw)) return `write ${raw.replace(/^(-?)0+(?=\d)/, '$1')}, without leading zeros`;
  return undefined;
}
