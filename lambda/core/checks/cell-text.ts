import { displayValue } from '../issue.js';
import type { DatasetLimits } from '../limits.js';
import { describeCharacter, forbiddenCharacter } from '../text-rules.js';
import type { Check, CheckContext, CheckFactory, IssueDetails } from './check.js';

/** An issue about one cell of a record: its 1-based column and what is wrong. */
export type CellProblem = IssueDetails & { readonly column: number };

/**
 * What holds for every cell whatever its column: the length limit
 * (`limits.maxFieldLength`), and no control or bidirectional formatting
 * character. A cell found here is left alone by the checks after it.
 */
export const cellTextCheck: CheckFactory = (context: CheckContext): Check => ({
  validateRow(row) {
    row.fields.forEach((raw, index) => {
      const problem = cellTextProblem(raw, index + 1, context.limits);
      if (problem === undefined) return;
      const name = row.header[index] ?? '';
      row.badCells.add(name);
      const { column, ...rest } = problem;
      context.at(row.line, column, { ...rest, field: name });
    });
  },
});

function cellTextProblem(raw: string, column: number, limits: DatasetLimits): CellProblem | undefined {
  const tooLong = lengthProblem(raw, column, limits);
  if (tooLong !== undefined) return tooLong;
  const found = forbiddenCharacter(raw, 'cell');
  if (found === undefined) return undefined;
  return {
    code: 'control-character',
    column,
    value: displayValue(raw),
    message: `contains ${describeCharacter(found.char)} at position ${found.index + 1}; control and bidirectional formatting characters are not allowed in data, remove it`,
  };
}

/** A cell (or header name) longer than `limits.maxFieldLength`. */
export function lengthProblem(raw: string, column: number, limits: DatasetLimits): CellProblem | undefined {
  if (raw.length <= limits.maxFieldLength) return undefined;
  return {
    code: 'limit-exceeded',
    column,
    value: displayValue(raw),
    message: `cell is ${raw.length} characters long, more than the limit of ${limits.maxFieldLength} (limits.maxFieldLength)`,
  };
}
