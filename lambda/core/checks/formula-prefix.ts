import { startsWithFormulaPrefix } from '../formula.js';
import { displayValue } from '../issue.js';
import { pointerSegment } from '../json-limits.js';
import type { Column } from '../row-schema.js';
import type { Check, CheckContext, CheckFactory } from './check.js';

/**
 * Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR at
 * the start) in a text column, unless the column sets
 * `"allowFormulaPrefix": true`. Numbers such as `-5` are typed columns and
 * never reach this rule.
 */
export const formulaPrefixCheck: CheckFactory = (context: CheckContext): Check | undefined => {
  const columns = context.columns.filter(
    (column) => column.type === 'string' && column.schema.allowFormulaPrefix !== true,
  );
  if (columns.length === 0) return undefined;
  // Where each column's cell is in a record (-1: the header lacks it), known once the header is read.
  let positions: readonly number[] = [];
  return {
    validateStart(table) {
      positions = columns.map((column) => table.positions.get(column.name) ?? -1);
    },
    validateRow(row) {
      for (let index = 0; index < columns.length; index++) {
        const column = columns[index] as Column;
        const position = positions[index] ?? -1;
        const raw = position < 0 ? undefined : row.fields[position];
        if (raw === undefined || !startsWithFormulaPrefix(raw) || row.badCells.has(column.name)) continue;
        row.badCells.add(column.name);
        context.at(row.line, row.columnOf(column.name), {
          code: 'formula-prefix',
          field: column.name,
          value: displayValue(raw),
          message: `text starts with ${JSON.stringify(raw[0])}, which spreadsheets run as a formula; rewrite it, or if it is intended set "allowFormulaPrefix": true in ${context.schema.file} at /properties/${pointerSegment(column.name)}`,
        });
      }
    },
  };
};
