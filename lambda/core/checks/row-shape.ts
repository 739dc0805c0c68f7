import { displayValue } from '../issue.js';
import type { Column } from '../row-schema.js';
import type { Check, CheckContext, CheckFactory, RowState } from './check.js';

/**
 * The shape of a record before any cell is read: a quoting problem (the row
 * is not checked further), a row of empty cells, too few or too many cells.
 * A row of the wrong length is still checked, its cells matched to the
 * header's columns from the left; a cell the row lacks is left out of the
 * checks after this one (it was reported here, or at the header). When the
 * extra cells come from numbers written with an unquoted decimal comma
 * (`161,2` read as `161` and `2`), the number is named and the row read as
 * it was meant.
 */
export const rowShapeCheck: CheckFactory = (context: CheckContext): Check => {
  let columnAt: (position: number) => Column | undefined = () => undefined;
  // Where each column's cell is in a record (-1: the header lacks it), known once the header is read.
  let positions: readonly number[] = [];
  return {
    validateStart(table) {
      const byPosition = new Map<number, Column>();
      for (const column of context.columns) {
        const position = table.positions.get(column.name);
        if (position !== undefined) byPosition.set(position, column);
      }
      columnAt = (position) => byPosition.get(position);
      positions = context.columns.map((column) => table.positions.get(column.name) ?? -1);
    },
    validateRow(row) {
      const { line, header } = row;
      if (row.problems.length > 0) {
        // A line of nothing but a line ending (a blank CRLF line in an LF file) has no cell to name.
        const blank = row.fields.every((cell) => LINE_ENDING_ONLY.test(cell));
        for (const problem of row.problems) {
          const field = blank ? undefined : header[problem.fieldIndex];
          context.at(line, problem.fieldIndex + 1, {
            code: 'parse-error',
            ...(field === undefined ? {} : { field }),
            message: problem.message,
          });
        }
        row.skip();
        return;
      }
      if (row.fields.every((cell) => cell === '') && (row.fields.length > 1 || header.length > 1)) {
        context.at(line, 1, {
          code: 'blank-row',
          message:
            row.fields.length === 1
              ? 'blank line: remove it or fill in the row'
              : 'every cell of the row is empty: remove it or fill it in',
        });
        row.skip();
        return;
      }
      if (row.fields.length > header.length) extraCells(row, columnAt, context);
      const { fields } = row;
      if (fields.length < header.length) {
        context.at(line, fields.length + 1, {
          code: 'missing-cell',
          message: `the row has ${fields.length} ${fields.length === 1 ? 'cell' : 'cells'} but the header has ${header.length}: it ends early here, but the cell it lacks may be anywhere in it, since cells are matched to columns from the left (a cell left out, or two cells written as one)`,
        });
      }
      // A column with no cell in this row was reported (here or at the header); no check looks at it again.
      for (let index = 0; index < positions.length; index++) {
        const position = positions[index] ?? -1;
        if (position < 0 || position >= fields.length) row.badCells.add(context.columns[index]?.name ?? '');
      }
    },
  };
};

/**
 * Names numbers split by an unquoted decimal comma or thousands separators and reads the row without the
 * splits, else reports the extra cell.
 */
function extraCells(
  row: RowState,
  columnAt: (position: number) => Column | undefined,
  context: CheckContext,
): void {
  const { fields, header, line } = row;
  const joined = joinSplitNumbers(fields, fields.length - header.length, columnAt);
  if (joined === undefined) {
    context.at(line, header.length + 1, {
      code: 'extra-cell',
      value: displayValue(fields[header.length] ?? ''),
      message: `the row has ${fields.length} cells but the header has ${header.length}${
        fields.slice(header.length).every((cell) => cell === '')
          ? `; the ${fields.length - header.length === 1 ? 'extra cell is' : `${fields.length - header.length} extra cells are`} empty (the line ends with commas, as a spreadsheet writes for empty columns after the table): remove them`
          : ''
      }`,
    });
    return;
  }
  row.reshape(joined.fields);
  const shape = `so the row has ${fields.length} cells where the header has ${header.length}`;
  for (const { position, commas } of joined.splits) {
    const column = columnAt(position);
    if (column === undefined) continue;
    const raw = joined.fields[position] ?? '';
    const shown = JSON.stringify(displayValue(raw));
    const digits = raw.replaceAll(',', '');
    row.badCells.add(column.name);
    context.at(line, position + 1, {
      code: 'type-error',
      field: column.name,
      value: displayValue(raw),
      message:
        commas === 'decimal'
          ? `${shown} is not a number: written with a decimal comma and not quoted, it was read as two cells, ${shape} (write ${raw.replace(',', '.')})`
          : commas === 'thousands'
            ? `${shown} is not a number: written with commas between its thousands and not quoted, it was read as ${raw.split(',').length} cells, ${shape} (write ${digits})`
            : `${shown} is not a number: its comma is not quoted, and it was read as two cells, ${shape} (write ${digits} if the comma separates thousands, or ${raw.replace(',', '.')} if it is a decimal comma)`,
    });
  }
}

/** A cell holding nothing but line-ending characters. */
const LINE_ENDING_ONLY = /^[\r\n]*$/;

const WHOLE = /^-?\d+$/;
const DIGITS = /^\d+$/;
/** What may come before the first thousands separator, and each group after one. */
const LEADING_GROUP = /^-?\d{1,3}$/;
const THOUSANDS_GROUP = /^\d{3}$/;

/** How the cells joined into one were split: at a decimal comma, at thousands separators, or either. */
type SplitBy = 'decimal' | 'thousands' | 'decimal or thousands';

/**
 * Joins, from the left, the cells that read as one number split by unquoted commas, until the row has as
 * many cells as the header; `undefined` when that cannot make it fit. A number or integer column's
 * `1` followed by groups of three digits (`600`, `000`) is a number written with thousands separators
 * (`1,600,000`: two groups, or one under an integer column, cannot be a decimal); a `number` column's
 * whole number followed by digits is one written with a decimal comma (`161` and `2`); `1` and one group
 * of three under a `number` column may be either, and is named as such.
 */
function joinSplitNumbers(
  fields: readonly string[],
  extra: number,
  columnAt: (position: number) => Column | undefined,
): { fields: string[]; splits: { position: number; commas: SplitBy }[] } | undefined {
  const out: string[] = [];
  const splits: { position: number; commas: SplitBy }[] = [];
  let left = extra;
  for (let index = 0; index < fields.length; index++) {
    const cell = fields[index] ?? '';
    const type = columnAt(out.length)?.type;
    if (left > 0 && (type === 'number' || type === 'integer') && LEADING_GROUP.test(cell)) {
      let groups = 0;
      while (groups < left && THOUSANDS_GROUP.test(fields[index + 1 + groups] ?? '')) groups++;
      if (groups >= 2 || (groups === 1 && type === 'integer')) {
        splits.push({ position: out.length, commas: 'thousands' });
        out.push(fields.slice(index, index + 1 + groups).join(','));
        index += groups;
        left -= groups;
        continue;
      }
    }
    const next = fields[index + 1];
    if (left > 0 && next !== undefined && type === 'number' && WHOLE.test(cell) && DIGITS.test(next)) {
      splits.push({
        position: out.length,
        commas: LEADING_GROUP.test(cell) && THOUSANDS_GROUP.test(next) ? 'decimal or thousands' : 'decimal',
      });
      out.push(`${cell},${next}`);
      index++;
      left--;
      continue;
    }
    out.push(cell);
  }
  return left === 0 ? { fields: out, splits } : undefined;
}
