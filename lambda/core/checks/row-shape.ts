import { displayValue } from '../issue.js';
import type { Check, CheckContext, CheckFactory } from './check.js';

/**
 * The shape of a record before any cell is read: a quoting problem, a blank
 * line, too few or too many cells. Such a row is not checked further.
 */
export const rowShapeCheck: CheckFactory = (context: CheckContext): Check => ({
  validateRow(row) {
    const { line, fields, header } = row;
    if (row.problems.length > 0) {
      for (const problem of row.problems) {
        context.at(line, problem.fieldIndex + 1, {
          code: 'parse-error',
          field: header[problem.fieldIndex],
          message: problem.message,
        });
      }
      row.skip();
      return;
    }
    if (fields.length === 1 && fields[0] === '' && header.length > 1) {
      context.at(line, 1, { code: 'blank-row', message: 'blank line: remove it or fill in the row' });
      row.skip();
      return;
    }
    if (fields.length < header.length) {
      context.at(line, fields.length + 1, {
        code: 'missing-cell',
        field: header[fields.length],
        message: `row has ${fields.length} cells but the header has ${header.length}`,
      });
      row.skip();
      return;
    }
    if (fields.length > header.length) {
      context.at(line, header.length + 1, {
        code: 'extra-cell',
        value: displayValue(fields[header.length] ?? ''),
        message: `row has ${fields.length} cells but the header has ${header.length}`,
      });
      row.skip();
    }
  },
});
