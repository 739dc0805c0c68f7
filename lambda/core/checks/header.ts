import { summarizeValues, displayValue } from '../issue.js';
import type { DatasetLimits } from '../limits.js';
import type { Column } from '../row-schema.js';
import { columnNameProblem } from '../text-rules.js';
import { lengthProblem, type CellProblem } from './cell-text.js';
import type { Check, CheckContext, CheckFactory } from './check.js';

/**
 * The header row: each name held to the rules of schema column names, then
 * the names against the schema's columns (blank, repeated, unknown, missing,
 * out of order). A file with no header row at all is a `missing-header`.
 */
export const headerCheck: CheckFactory = (context: CheckContext): Check => ({
  validateStart(table) {
    const at = (problem: CellProblem): void => {
      const { column, ...rest } = problem;
      context.at(table.line, column, rest);
    };
    checkHeaderCells(table.header, context.limits).forEach(at);
    compareWithSchema(table.header, context.columns).forEach(at);
    for (const problem of table.problems)
      context.at(table.line, problem.fieldIndex + 1, { code: 'parse-error', message: problem.message });
  },
  validateEnd(table) {
    if (table.header !== undefined || context.issueCount() > 0) return;
    const expected = context.columns.map((column) => column.name);
    context.at(1, 1, {
      code: 'missing-header',
      message: `the file is empty: expected a header row of the columns ${summarizeValues(expected)}`,
    });
  },
});

/**
 * The header's cells are column names: besides the length limit, each is held
 * to the rules of schema column names (one line, no control or bidirectional
 * formatting character, no formula prefix), since it is written into the
 * published CSV's header, where no `allowFormulaPrefix` applies.
 */
function checkHeaderCells(fields: readonly string[], limits: DatasetLimits): CellProblem[] {
  const problems: CellProblem[] = [];
  fields.forEach((raw, index) => {
    const column = index + 1;
    const problem = lengthProblem(raw, column, limits) ?? nameProblem(raw, column);
    if (problem !== undefined) problems.push(problem);
  });
  return problems;
}

function nameProblem(name: string, column: number): CellProblem | undefined {
  const problem = columnNameProblem(name);
  if (problem === undefined) return undefined;
  return { code: problem.code, column, value: displayValue(name), message: problem.message };
}

/** Compares the header with the schema's columns; each problem names the column and where it is. */
function compareWithSchema(header: readonly string[], columns: readonly Column[]): CellProblem[] {
  const problems: CellProblem[] = [];
  const expected = columns.map((column) => column.name);
  const seen = new Map<string, number>();
  header.forEach((name, index) => {
    const column = index + 1;
    if (name.trim() === '') {
      problems.push({ code: 'blank-header', column, message: `header cell ${column} is blank` });
      return;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push({
        code: 'duplicate-header',
        column,
        field: name,
        message: `repeats the header of column ${first}`,
      });
      return;
    }
    seen.set(name, column);
    if (!expected.includes(name)) {
      problems.push({
        code: 'extra-header',
        column,
        field: name,
        message: `is not a column of the schema (expected one of: ${summarizeValues(expected)})`,
      });
    }
  });
  expected.forEach((name, index) => {
    if (!seen.has(name)) {
      problems.push({
        code: 'missing-header',
        column: index + 1,
        field: name,
        message: `column is missing from the header (expected at position ${index + 1})`,
      });
    }
  });
  if (problems.length === 0) {
    const moved = expected.findIndex((name, index) => header[index] !== name);
    if (moved !== -1) {
      const name = expected[moved] ?? '';
      problems.push({
        code: 'header-order',
        column: seen.get(name) ?? 0,
        field: name,
        message: `is in position ${seen.get(name)} but the schema puts it at ${moved + 1} (expected order: ${summarizeValues(expected)})`,
      });
    }
  }
  return problems;
}
