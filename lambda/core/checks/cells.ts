import { coerceCell } from '../coerce.js';
import { displayValue, summarizeValues } from '../issue.js';
import { columnOfError } from '../row-schema.js';
import type { Check, CheckContext, CheckFactory } from './check.js';

/**
 * Each cell read as its column's type (`type-error`), then the typed row
 * against the dataset's JSON Schema (`constraint-error`: `required`, `enum`,
 * `minimum`, `pattern`, …). Fills the row's typed `values` for the checks
 * after it; a cell that fails is left out of them.
 */
export const cellsCheck: CheckFactory = (context: CheckContext): Check => ({
  validateRow(row) {
    const { schema } = context;
    for (const column of schema.columns) {
      if (row.badCells.has(column.name)) continue;
      const raw = row.cell(column.name) ?? '';
      const cell = coerceCell(raw, column.type);
      if (cell.kind === 'value') row.values[column.name] = cell.value;
      else if (cell.kind === 'invalid') {
        row.badCells.add(column.name);
        context.at(row.line, row.columnOf(column.name), {
          code: 'type-error',
          field: column.name,
          value: displayValue(raw),
          message: cell.message,
        });
      }
    }
    if (schema.validate(row.values)) return;
    for (const error of schema.validate.errors ?? []) {
      if (error.keyword === 'if') continue; // the failing `then` branch is reported on its own
      const field = columnOfError(error);
      if (field !== undefined && row.badCells.has(field)) continue;
      const known = field !== undefined && schema.columns.some((column) => column.name === field);
      const raw = known ? row.cell(field) : undefined;
      context.at(row.line, known ? row.columnOf(field) : 1, {
        code: 'constraint-error',
        ...(field === undefined ? {} : { field }),
        ...(raw === undefined || raw === '' ? {} : { value: displayValue(raw) }),
        message: constraintMessage(error.keyword, error.message, error.params, raw),
      });
    }
  },
});

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
