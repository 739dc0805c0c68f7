import { InvalidCell, readCell } from '../coerce.js';
import { displayValue, summarizeValues } from '../issue.js';
import { columnOfError, isStackOverflow, SELF_REFERENCE_MESSAGE, type Column } from '../row-schema.js';
import { valueSetter } from '../row-values.js';
import type { Check, CheckContext, CheckFactory } from './check.js';

/**
 * Each cell read as its column's type (`type-error`), then the typed row
 * against the dataset's JSON Schema (`constraint-error`: `required`, `enum`,
 * `minimum`, `pattern`, …). Fills the row's typed `values` for the checks
 * after it; a cell that fails is left out of them.
 */
export const cellsCheck: CheckFactory = (context: CheckContext): Check => {
  const { schema } = context;
  const { columns } = schema;
  // Where each column's cell is in a record (-1: the header lacks it), known once the header is read.
  let positions: readonly number[] = [];
  const setters = columns.map((column) => valueSetter(column.name));
  // Set when the schema overflowed the stack on a row (see SELF_REFERENCE_MESSAGE); no row is checked after.
  let schemaBroken = false;
  return {
    validateStart(table) {
      positions = columns.map((column) => table.positions.get(column.name) ?? -1);
    },
    validateRow(row) {
      const { fields, badCells, values } = row;
      for (let index = 0; index < columns.length; index++) {
        const column = columns[index] as Column;
        if (badCells.has(column.name)) continue;
        const position = positions[index] ?? -1;
        const raw = (position < 0 ? undefined : fields[position]) ?? '';
        const cell = readCell(raw, column.type);
        if (cell === undefined) continue;
        if (!(cell instanceof InvalidCell)) {
          (setters[index] as (typeof setters)[number])(values, cell);
          continue;
        }
        badCells.add(column.name);
        context.at(row.line, row.columnOf(column.name), {
          code: 'type-error',
          field: column.name,
          value: displayValue(raw),
          message: cell.message,
        });
      }
      if (schemaBroken) return;
      let valid: boolean;
      try {
        valid = schema.validate(values);
      } catch (error) {
        if (!isStackOverflow(error)) throw error;
        // Said once, at the schema: every later row would overflow the same way.
        schemaBroken = true;
        context.report({
          code: 'schema-error',
          file: schema.file,
          line: 1,
          column: 1,
          message: SELF_REFERENCE_MESSAGE,
        });
        return;
      }
      if (valid) return;
      for (const error of schema.validate.errors ?? []) {
        if (error.keyword === 'if') continue; // the failing `then` branch is reported on its own
        const field = columnOfError(error);
        if (field !== undefined && badCells.has(field)) continue;
        const known = field !== undefined && columns.some((column) => column.name === field);
        const raw = known ? row.cell(field) : undefined;
        context.at(row.line, known ? row.columnOf(field) : 1, {
          code: 'constraint-error',
          ...(field === undefined ? {} : { field }),
          ...(raw === undefined || raw === '' ? {} : { value: displayValue(raw) }),
          message: constraintMessage(error.keyword, error.message, error.params, raw),
        });
      }
    },
  };
};

function constraintMessage(
  keyword: string,
  message: string | undefined,
  params: Record<string, unknown>,
  raw: string | undefined,
): string {
  const shown = raw === undefined || raw === '' ? '' : `${JSON.stringify(displayValue(raw))} `;
  switch (keyword) {
    case 'required':
      return 'is required but the cell is empty';
    case 'enum':
      return `${shown}is not one of ${summarizeValues(params.allowedValues as unknown[])}`;
    default:
      return `${shown}${message ?? 'violates the schema'}`;
  }
}
