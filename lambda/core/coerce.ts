/** The cell types a dataset schema may declare for a column. */
export type ColumnType = 'integer' | 'number' | 'boolean' | 'date' | 'string';

/** A typed cell value; dates stay ISO `YYYY-MM-DD` strings. */
export type CellValue = string | number | boolean;

/** Outcome of reading one cell: absent (empty cell), a typed value, or why it is not of the type. */
export type Coerced =
  | { readonly kind: 'absent' }
  | { readonly kind: 'value'; readonly value: CellValue }
  | { readonly kind: 'invalid'; readonly message: string };

const INTEGER = /^-?(?:0|[1-9]\d*)$/;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ABSENT: Coerced = { kind: 'absent' };

/**
 * Reads a raw CSV cell as the column's declared type. An empty cell is absent
 * (so the schema's `required` decides whether that is allowed). Nothing is
 * guessed: thousands separators, decimal commas, `NaN`, `Infinity`, padded
 * numbers and impossible dates are each refused with a reason.
 */
export function coerceCell(raw: string, type: ColumnType): Coerced {
  if (raw === '') return ABSENT;
  switch (type) {
    case 'string':
      return { kind: 'value', value: raw };
    case 'integer':
      return coerceInteger(raw);
    case 'number':
      return coerceNumber(raw);
    case 'boolean':
      return coerceBoolean(raw);
    case 'date':
      return coerceDate(raw);
  }
}

function coerceInteger(raw: string): Coerced {
  if (!INTEGER.test(raw)) return invalid(raw, 'an integer', numberHint(raw));
  const value = Number(raw);
  if (!Number.isSafeInteger(value))
    return { kind: 'invalid', message: `"${raw}" is outside the safe integer range` };
  return { kind: 'value', value };
}

function coerceNumber(raw: string): Coerced {
  if (!NUMBER.test(raw)) return invalid(raw, 'a number', numberHint(raw));
  const value = Number(raw);
  if (!Number.isFinite(value))
    return { kind: 'invalid', message: `"${raw}" is too large to be a finite number` };
  return { kind: 'value', value: Object.is(value, -0) ? 0 : value };
}

function coerceBoolean(raw: string): Coerced {
  if (raw === 'true') return { kind: 'value', value: true };
  if (raw === 'false') return { kind: 'value', value: false };
  return invalid(raw, 'a boolean', 'write true or false');
}

function coerceDate(raw: string): Coerced {
  const match = DATE.exec(raw);
  if (match === null) return invalid(raw, 'a date', 'write YYYY-MM-DD');
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return { kind: 'invalid', message: `"${raw}" is not a date that exists in the calendar` };
  }
  return { kind: 'value', value: raw };
}

function invalid(raw: string, expected: string, hint: string | undefined): Coerced {
  const shown = JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw);
  return { kind: 'invalid', message: `${shown} is not ${expected}${hint === undefined ? '' : ` (${hint})`}` };
}

function numberHint(raw: string): string | undefined {
  if (raw.trim() !== raw) return 'remove the leading or trailing spaces';
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(raw)) return 'remove the thousands separators';
  if (/^-?\d+,\d+$/.test(raw)) return 'use a dot as the decimal separator';
  if (/^[+-]?(NaN|Infinity|inf)$/i.test(raw)) return 'only finite numbers are allowed';
  if (raw.startsWith('+')) return 'remove the plus sign';
  return undefined;
}
