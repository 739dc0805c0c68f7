import {
  checkRowProvenance,
  defaultStatedAs,
  DEFAULT_QUOTE_COLUMN,
  type ProvenanceRules,
  type StatedAs,
} from '../provenance.js';
import type { Check, CheckContext, CheckFactory } from './check.js';

/**
 * Provenance (rules in `provenance.ts`): each row's quote occurs in the
 * source text the descriptor names (`source.file`) and states every value the
 * row states. Applies to a dataset whose descriptor names a source file and
 * whose columns include the quote column (`source.quoteColumn`, default
 * `source_quote`). When the run has no source texts, the outcome is
 * `not-checked` with the reason, and no row is refused for it; when it has
 * some but not a usable one by that name, that is an issue at `source.file`.
 */
export const provenanceCheck: CheckFactory = (context: CheckContext): Check | undefined => {
  const { source } = context.descriptor;
  const quoteColumn = source.quoteColumn ?? DEFAULT_QUOTE_COLUMN;
  if (!context.columns.some((column) => column.name === quoteColumn)) return undefined;
  let rules: ProvenanceRules | undefined;
  let rowsWithProblems = 0;
  // The rows whose quote was checked: not those left out for an issue of their own (an invalid quote
  // cell, a row of the wrong shape), nor any where the header showed that no row reads as cells.
  let rowsChecked = 0;
  return {
    async validateStart() {
      const texts = context.run.sourceTexts;
      const found = texts === undefined ? undefined : await texts.get(source.file);
      if (found === undefined || (!found.ok && found.notChecked === true)) {
        context.record({
          check: 'provenance',
          status: 'not-checked',
          message: `provenance not checked: ${found?.recorded ?? 'no source texts were given to this run'}`,
        });
        return;
      }
      if (!found.ok) {
        // The run has source texts, but not the one this dataset names: its quotes cannot be checked, and
        // the dataset is not called valid as if they had been.
        context.atDescriptor('/source/file', {
          code: found.code,
          message: `cannot check the quotes against the source: ${found.why}`,
        });
        return;
      }
      rules = { quoteColumn, stated: statedColumns(context), source: found.text, sourceFile: found.file };
    },
    validateRow(row) {
      if (rules === undefined || row.skipped || row.badCells.has(quoteColumn)) return;
      rowsChecked++;
      const problems = checkRowProvenance(row.values, rules).filter(
        (problem) => !row.badCells.has(problem.field),
      );
      if (problems.length > 0) rowsWithProblems++;
      for (const problem of problems) {
        context.at(row.line, row.columnOf(problem.field), {
          code: problem.code,
          field: problem.field,
          message: problem.message,
        });
        row.badCells.add(problem.field);
      }
    },
    validateEnd(table) {
      if (rules === undefined) return;
      if (rowsChecked === 0 && table.rows > 0) {
        context.record({
          check: 'provenance',
          status: 'not-checked',
          message: `provenance not checked: ${table.rowsChecked ? `no row's quote could be read (each row has an issue of its own, which says why)` : "no row was read as cells (the header's issue says why)"}`,
        });
        return;
      }
      // Said of the rows checked: where some were left out for issues of their own, how many of how many.
      const rows =
        rowsChecked === table.rows ? `${table.rows} rows` : `${rowsChecked} rows checked (of ${table.rows})`;
      // The record goes into the published validation.json: the source is named as the descriptor names it
      // (source.file), not by where this run read it (a folder on the publisher's machine, a bucket).
      const named = `the source text ${source.file}`;
      context.record({
        check: 'provenance',
        status: rowsWithProblems === 0 ? 'passed' : 'failed',
        message:
          rowsWithProblems === 0
            ? `every quote of ${rows} occurs in ${named} and states the row's values`
            : `${rowsWithProblems} of ${rows} have a quote that is not in ${named} or does not state their values`,
      });
    },
  };
};

/** The checked columns and how each is stated: the descriptor's `stated`, else the column type's default. */
function statedColumns(context: CheckContext): Map<string, Exclude<StatedAs, false>> {
  const declared = new Map(context.descriptor.columns.map((column) => [column.name, column.stated]));
  const stated = new Map<string, Exclude<StatedAs, false>>();
  for (const column of context.columns) {
    const how = declared.get(column.name) ?? defaultStatedAs(column);
    if (how !== false) stated.set(column.name, how);
  }
  return stated;
}
