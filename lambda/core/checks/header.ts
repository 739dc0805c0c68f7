import { summarizeValues, displayValue } from '../issue.js';
import type { DatasetLimits } from '../limits.js';
import type { Column } from '../row-schema.js';
import { columnNameProblem } from '../text-rules.js';
import { lengthProblem, type CellProblem } from './cell-text.js';
import type { Check, CheckContext, CheckFactory } from './check.js';

/**
 * The header row: each name held to the rules of schema column names, then
 * the names against the schema's columns (see {@link layoutHeader}): blank,
 * repeated, unknown, misnamed, missing, out of order. A file whose header is
 * one cell holding the schema's names between semicolons or tabs is named as
 * such, once. A file with no header row at all is a `missing-header`; one
 * with fewer data rows than `limits.minRows` (1 unless the descriptor says
 * otherwise: a header alone) is a `limit-exceeded`.
 */
export const headerCheck: CheckFactory = (context: CheckContext): Check => {
  let headerLine = 1;
  return {
    validateStart(table) {
      headerLine = table.line;
      const at = (problem: CellProblem): void => {
        const { column, ...rest } = problem;
        context.at(table.line, column, rest);
      };
      const layout = layoutHeader(table.header, context.columns);
      // In a tab-separated header the tabs are separators, not characters of a name: the one hint says it.
      if (layout.otherSeparator !== '\t') checkHeaderCells(table.header, context.limits).forEach(at);
      compareWithSchema(table.header, context.columns, layout).forEach(at);
      for (const problem of table.problems)
        context.at(table.line, problem.fieldIndex + 1, { code: 'parse-error', message: problem.message });
    },
    validateEnd(table) {
      if (table.header !== undefined) {
        if (table.rows >= context.limits.minRows || context.issueCount() > 0) return;
        // A header alone is told where the rows should begin; too few rows, of the file as a whole.
        const [line, column] = table.rows === 0 ? [headerLine + 1, 1] : [0, 0];
        context.at(line, column, {
          code: 'limit-exceeded',
          message:
            table.rows === 0
              ? `the file has a header but no data row (limits.minRows is ${context.limits.minRows}): a header alone is usually a failed or cut export, and a published version cannot be taken back; if the dataset is empty on purpose, set "limits": {"minRows": 0} in the descriptor`
              : `the file has ${table.rows} data row${table.rows === 1 ? '' : 's'}, fewer than limits.minRows (${context.limits.minRows}): is the export cut short?`,
        });
        return;
      }
      if (context.issueCount() > 0) return;
      const expected = context.columns.map((column) => column.name);
      context.at(1, 1, {
        code: 'missing-header',
        message: `the file is empty: expected a header row of the columns ${summarizeValues(expected)}`,
      });
    },
  };
};

/** How the cells of a record are read as the schema's columns, decided once from the header. */
export interface HeaderLayout {
  /** The 0-based position in a record of each schema column the header has. */
  readonly positions: ReadonlyMap<string, number>;
  /** Columns read by position because their name is not in the header: the cell there is blank or other. */
  readonly byPosition: ReadonlySet<string>;
  /** The header is one cell of names separated by semicolons or tabs: no row can be read. */
  readonly otherSeparator: ';' | '\t' | undefined;
  /** The first line is Excel's `sep=,` (naming the separator), so the header is the line after it: no row can be read. */
  readonly separatorLine: boolean;
}

/**
 * Maps the schema's columns to the header's cells: by name where the header
 * has the name (its first occurrence), otherwise by position, when the cell
 * at the column's place in the schema is not another column's by name (a
 * blank, repeated or misspelt name). A column neither finds is missing: its
 * cells are not read.
 */
export function layoutHeader(header: readonly string[], columns: readonly Column[]): HeaderLayout {
  const firstByName = new Map<string, number>();
  header.forEach((name, index) => {
    if (!firstByName.has(name)) firstByName.set(name, index);
  });
  const positions = new Map<string, number>();
  const claimed = new Set<number>();
  for (const column of columns) {
    const index = firstByName.get(column.name);
    if (index !== undefined) {
      positions.set(column.name, index);
      claimed.add(index);
    }
  }
  const byPosition = new Set<string>();
  columns.forEach((column, index) => {
    if (positions.has(column.name) || index >= header.length || claimed.has(index)) return;
    positions.set(column.name, index);
    byPosition.add(column.name);
  });
  const otherSeparator = ([';', '\t'] as const).find((separator) =>
    looksSeparatedBy(separator, header, columns),
  );
  const separatorLine =
    /^sep=.?$/i.test(header[0] ?? '') && header.slice(1).every((cell) => cell === '') && header.length <= 2;
  return { positions, byPosition, otherSeparator, separatorLine };
}

/** A header read as one cell (or a few) whose text splits on `separator` into the schema's names. */
function looksSeparatedBy(
  separator: ';' | '\t',
  header: readonly string[],
  columns: readonly Column[],
): boolean {
  if (header.length >= columns.length || !header.some((cell) => cell.includes(separator))) return false;
  const names = new Set(columns.map((column) => column.name));
  const pieces = header.join(',').split(separator);
  return pieces.filter((piece) => names.has(piece.trim())).length >= Math.min(2, columns.length);
}

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
function compareWithSchema(
  header: readonly string[],
  columns: readonly Column[],
  layout: HeaderLayout,
): CellProblem[] {
  if (layout.otherSeparator !== undefined) {
    return [
      {
        code: 'parse-error',
        column: 1,
        value: displayValue(header.join(',')),
        message:
          layout.otherSeparator === ';'
            ? 'the header is one cell of column names separated by semicolons: the file looks ;-separated (as spreadsheets save CSV where the decimal separator is a comma, e.g. in Russian, Kazakh and Azerbaijani locales); save it with commas between cells. No row was read'
            : 'the header is one cell of column names separated by tabs: the file looks tab-separated (as a spreadsheet copies cells, or saves "Text (tab-delimited)"); save it as CSV, with commas between cells. No row was read',
      },
    ];
  }
  if (layout.separatorLine) {
    return [
      {
        code: 'parse-error',
        column: 1,
        value: displayValue(header.join(',')),
        message:
          'the first line is "sep=…", which Excel writes to name the separator; it is not part of CSV, and the header must come first: delete that line. No row was read',
      },
    ];
  }
  const problems: CellProblem[] = [];
  const expected = columns.map((column) => column.name);
  // Which schema column reads the cells under each header cell, when it is not the cell's own name.
  const readAs = new Map<number, string>();
  for (const name of layout.byPosition) readAs.set(layout.positions.get(name) ?? -1, name);
  const readNote = (index: number): string => {
    const name = readAs.get(index);
    return name === undefined
      ? 'its cells are not read'
      : `its cells are read as ${name}, the schema's column ${index + 1}`;
  };
  const seen = new Map<string, number>();
  header.forEach((name, index) => {
    const column = index + 1;
    if (name.trim() === '') {
      problems.push({
        code: 'blank-header',
        column,
        message: `header cell ${column} is blank; ${readNote(index)}`,
      });
      return;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push({
        code: 'duplicate-header',
        column,
        field: name,
        message: `repeats the header of column ${first}; ${readNote(index)}`,
      });
      return;
    }
    seen.set(name, column);
    if (expected.includes(name)) return;
    const as = readAs.get(index);
    const trimmed = name.trim();
    // A space before or after a name cannot be seen in the message's own quoting of the field: said plainly.
    // So can a name that differs from a column's only in how its accents are encoded (NFD against NFC).
    const composed = expected.find((column) => column.normalize('NFC') === name.normalize('NFC'));
    const spaced =
      trimmed !== name && expected.includes(trimmed)
        ? aroundName(name, trimmed)
        : composed !== undefined
          ? `looks like the column ${JSON.stringify(composed)} but encodes its accented letters another way (Unicode ${name === name.normalize('NFC') ? 'NFC' : 'NFD'}, where the schema has ${composed === composed.normalize('NFC') ? 'NFC' : 'NFD'}): retype the header cell, or save the file as NFC; `
          : undefined;
    problems.push(
      as === undefined
        ? {
            code: 'extra-header',
            column,
            field: name,
            message:
              spaced === undefined
                ? `is not a column of the schema (expected one of: ${summarizeValues(expected)}); its cells are not read`
                : `${spaced}its cells are not read`,
          }
        : {
            code: 'incorrect-header',
            column,
            field: name,
            value: displayValue(name),
            message:
              spaced === undefined
                ? `is not a column of the schema, and the schema has ${as} here: its cells are read as ${as}; rename the header cell`
                : `${spaced}its cells are read as ${as}`,
          },
    );
  });
  expected.forEach((name, index) => {
    if (!layout.positions.has(name)) {
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
        message: `is in position ${seen.get(name)} but the schema puts it at ${moved + 1} (expected order: ${summarizeValues(expected)}): every published file lays the columns out in the schema's order, so move the column in the CSV, or move it in the schema's "properties" (a new column order is a new major version)`,
      });
    }
  }
  return problems;
}

/**
 * What stands around the name `trimmed` in the header cell `name`, said plainly: a space, or a byte-order
 * mark (U+FEFF, which `trim` takes for white space, and which no one sees in a quoted name: a file that
 * starts with two of them has one left in its first header cell once the first is dropped).
 */
function aroundName(name: string, trimmed: string): string {
  if (!name.includes('\uFEFF'))
    return `is ${JSON.stringify(name)}, the column ${JSON.stringify(trimmed)} with a space before or after it: remove the space; `;
  const shown = JSON.stringify(name).replaceAll('\uFEFF', '\\uFEFF');
  return `is ${shown}, the column ${JSON.stringify(trimmed)} with an invisible byte-order mark (U+FEFF) beside it, as a file that starts with two of them has: save the file as UTF-8 once, or remove the mark; `;
}
