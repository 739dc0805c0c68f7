import type { CellValue } from '../coerce.js';
import {
  columnList,
  type DeclaredRule,
  type EqualsRule,
  type RowSelector,
  type SumRule,
} from '../descriptor.js';
import { displayValue } from '../issue.js';
import type { Check, CheckContext, CheckFactory, RowState } from './check.js';
import {
  describeKey,
  indexOther,
  isSelf,
  keyOf,
  selfKeyTypeProblem,
  sameValue,
  withinTolerance,
  type KeyIndex,
} from './references.js';

/**
 * The descriptor's declared `rules`, each with an outcome in the report
 * (`checks`: passed, failed, conflict, or not-checked with the reason):
 *
 * - `equals`: each row's `column` equals `reference.column` of the row of
 *   `reference.resource` (another dataset, or `""` for this one) whose
 *   `reference.fields` hold the row's `fields` values (numbers within
 *   `tolerance`); a row with an empty cell in `fields` is not compared;
 * - `sum`: `column` of the rows the `parts` select adds up to `column` of the
 *   row `total` selects, within `tolerance`; each selector must select exactly
 *   one row.
 *
 * A violation is a `rule-error` where it is (the row, or for a selector that
 * selects no row or several, the descriptor's line) unless the rule names one
 * of the descriptor's `conflicts`: then it is a known conflict of the source,
 * recorded as `conflict` with the conflict's explanation, and not an error.
 */
export const rulesCheck: CheckFactory = (context: CheckContext): Check | undefined => {
  const rules = context.descriptor.rules ?? [];
  if (rules.length === 0) return undefined;
  const states = rules.map((rule, index) =>
    rule.kind === 'equals' ? equalsRule(context, rule, index) : sumRule(context, rule, index),
  );
  return {
    async validateStart() {
      for (const state of states) await state.start?.();
    },
    validateRow(row) {
      for (const state of states) state.row(row);
    },
    validateEnd(table) {
      // A file read in part, of no rows, or whose rows do not read as cells holds none of the rows a rule
      // selects: its issues say why, and a rule failing on every row would only repeat them.
      const unread = !table.readWhole
        ? 'the file was not read to its end'
        : table.rows === 0
          ? 'the file has no data row'
          : !table.rowsChecked
            ? "no row was read as cells (the header's issue says why)"
            : undefined;
      if (unread !== undefined) {
        for (const rule of rules)
          context.record({
            check: 'rule',
            subject: rule.id,
            status: 'not-checked',
            message: `not checked: ${unread}`,
          });
        return;
      }
      for (const state of states) state.end();
    },
  };
};

/** One rule's run over the table. */
interface RuleState {
  start?(): Promise<void>;
  row(row: RowState): void;
  end(): void;
}

/** A failure of a rule: where, and what. */
interface Failure {
  readonly line: number;
  readonly column: number;
  readonly field: string;
  readonly value?: string;
  readonly message: string;
  /**
   * The failure without line numbers, for the outcome recorded in
   * `validation.json`, which must not depend on the order of the input's rows
   * (a published version is the same whatever order its CSV came in).
   * Default: `message`.
   */
  readonly outcome?: string;
}

/** Reports a rule's failures as errors, or as its known conflict, and records its outcome. */
function settle(
  context: CheckContext,
  rule: DeclaredRule,
  checked: number,
  failures: readonly Failure[],
): void {
  const rows = `${checked} row${checked === 1 ? '' : 's'}`;
  const what = rule.kind === 'equals' ? `${rows} compared` : `${rows} added`;
  const conflict = context.descriptor.conflicts?.find((entry) => entry.id === rule.conflict);
  if (failures.length === 0 && checked === 0) {
    // Nothing compared holds nothing: every row it selects had an empty or invalid cell, or was never read.
    context.record({
      check: 'rule',
      subject: rule.id,
      status: 'not-checked',
      message: 'not checked: no row had the values to compare (cells empty, invalid or not read)',
    });
    return;
  }
  if (failures.length === 0) {
    context.record({
      check: 'rule',
      subject: rule.id,
      status: 'passed',
      message:
        conflict === undefined
          ? `holds (${what})`
          : `holds (${what}), although declared as the known conflict "${conflict.id}": check the declaration`,
    });
    return;
  }
  if (conflict !== undefined) {
    const where = failures.map((failure) => failure.outcome ?? failure.message).join('; ');
    context.record({
      check: 'rule',
      subject: rule.id,
      status: 'conflict',
      message: `fails as the known conflict "${conflict.id}" of the source (${where}). ${conflict.summary}`,
    });
    return;
  }
  for (const failure of failures) {
    const { line, column, ...rest } = failure;
    context.at(line, column, { code: 'rule-error', ...rest, message: `rule ${rule.id}: ${failure.message}` });
  }
  context.record({
    check: 'rule',
    subject: rule.id,
    status: 'failed',
    message: `fails on ${failures.length} row${failures.length === 1 ? '' : 's'} (${what}); the issues say where`,
  });
}

function shown(value: CellValue | undefined): string {
  return value === undefined ? 'empty' : String(value);
}

/**
 * How a row fails an `equals` rule, or `undefined` where it holds: the row the key names (`text`, in the
 * referenced dataset's names) is not in `where`, or its `reference.column` holds another value than the
 * row's `column` (numbers within the rule's tolerance). Said the same by validation and by the commit's
 * check of the versions it lists (`published-datasets.ts`).
 */
export function equalsFailure(
  rule: Pick<EqualsRule, 'column' | 'reference' | 'tolerance'>,
  referenced: readonly string[],
  value: CellValue | undefined,
  found: number,
  expected: CellValue | undefined,
  where: string,
  text: string,
): string | undefined {
  const tolerance = rule.tolerance ?? 0;
  if (found === 0) return `no row of ${where} has ${referenced.join('+')} equal to ${text}`;
  // Which of them the first is depends on the order of the rows, which the published files do not keep.
  if (found > 1)
    return `${found} rows of ${where} have ${text}, so the rule cannot tell which one's ${rule.reference.column} ${rule.column} must equal: the rule's reference.fields must name one row`;
  if (sameValue(value, expected, tolerance)) return undefined;
  return `${rule.column} is ${shown(value)} but ${rule.reference.column} of the row of ${where} with ${text} is ${shown(expected)}${tolerance > 0 ? ` (tolerance ${tolerance})` : ''}`;
}

function equalsRule(context: CheckContext, rule: EqualsRule, index: number): RuleState {
  const fields = columnList(rule.fields);
  const referenced = columnList(rule.reference.fields);
  const refColumn = rule.reference.column;
  const self = isSelf(context, rule.reference.resource);
  const failures: Failure[] = [];
  let checked = 0;
  let other: KeyIndex | undefined;
  // A reference to this dataset is settled at the end: the referenced row may come later.
  const own = new Map<string, CellValue | undefined>();
  const ownRepeated = new Map<string, number>();
  const pending: { line: number; column: number; key: string; text: string; value: CellValue | undefined }[] =
    [];
  let unusable = false;
  const compare = (
    line: number,
    column: number,
    text: string,
    value: CellValue | undefined,
    found: number,
    expected: CellValue | undefined,
    where: string,
  ): void => {
    checked++;
    const failure = equalsFailure(rule, referenced, value, found, expected, where, text);
    if (failure !== undefined)
      failures.push({
        line,
        column,
        field: rule.column,
        ...(found && value !== undefined ? { value: displayValue(String(value)) } : {}),
        message: failure,
      });
  };
  return {
    async start() {
      if (self) {
        const names = new Set(context.columns.map((column) => column.name));
        const unknown = [...referenced, refColumn].find((name) => !names.has(name));
        const mismatch = unknown === undefined ? selfKeyTypeProblem(context, fields, referenced) : undefined;
        if (unknown === undefined && mismatch === undefined) return;
        unusable = true;
        context.atDescriptor(`/rules/${index}/reference`, {
          code: 'rule-error',
          message: `rule ${rule.id} cannot be checked: ${mismatch ?? `"${unknown ?? ''}" is not a column of this dataset`}`,
        });
        return;
      }
      other = await indexOther(context, rule.reference.resource, referenced, [refColumn], fields);
      if (other.ok) return;
      unusable = true;
      if (other.notChecked === true) {
        context.record({
          check: 'rule',
          subject: rule.id,
          status: 'not-checked',
          message: `not checked: ${other.why}`,
        });
      } else {
        context.atDescriptor(`/rules/${index}/reference`, {
          code: 'rule-error',
          message: `rule ${rule.id} cannot be checked: ${other.why}`,
        });
      }
    },
    row(row) {
      if (unusable) return;
      if (self) {
        const mine = keyOf(row.values, referenced);
        if (mine !== undefined) {
          if (!own.has(mine)) own.set(mine, row.values[refColumn]);
          else ownRepeated.set(mine, (ownRepeated.get(mine) ?? 1) + 1);
        }
      }
      if (row.skipped || fields.some((name) => row.badCells.has(name)) || row.badCells.has(rule.column))
        return;
      const key = keyOf(row.values, fields);
      if (key === undefined) return;
      const text = describeKey(
        row.values,
        fields.map((name) => name),
      );
      const column = row.columnOf(rule.column);
      const value = row.values[rule.column];
      if (self) {
        pending.push({ line: row.line, column, key, text: keyText(text, fields, referenced), value });
        return;
      }
      if (other?.ok !== true) return;
      const target = other.rows.get(key);
      compare(
        row.line,
        column,
        keyText(text, fields, referenced),
        value,
        target === undefined ? 0 : (other.repeated.get(key) ?? 1),
        target?.[refColumn],
        `${rule.reference.resource} (${other.file})`,
      );
    },
    end() {
      if (unusable) return;
      for (const item of pending)
        compare(
          item.line,
          item.column,
          item.text,
          item.value,
          own.has(item.key) ? (ownRepeated.get(item.key) ?? 1) : 0,
          own.get(item.key),
          'this dataset',
        );
      settle(context, rule, checked, failures);
    },
  };
}

/** The key as the referenced dataset names it: `id=turnover-2019` for a row's `turnover_row=turnover-2019`. */
function keyText(text: string, fields: readonly string[], referenced: readonly string[]): string {
  let result = text;
  fields.forEach((name, index) => {
    result = result.replace(`${name}=`, `${referenced[index] ?? name}=`);
  });
  return result;
}

function sumRule(context: CheckContext, rule: SumRule, index: number): RuleState {
  const selectors: {
    selector: RowSelector;
    pointer: string;
    matches: { line: number; column: number; value: CellValue | undefined; invalid: boolean }[];
  }[] = [
    ...rule.parts.map((selector, part) => ({
      selector,
      pointer: `/rules/${index}/parts/${part}`,
      matches: [],
    })),
    { selector: rule.total, pointer: `/rules/${index}/total`, matches: [] },
  ];
  const tolerance = rule.tolerance ?? 0;
  // The columns a selector reads: a row whose cell there has an issue, or a row not read, may be the one it selects.
  const selecting = [...new Set(selectors.flatMap((entry) => Object.keys(entry.selector)))];
  let unreadable = 0;
  return {
    row(row) {
      if (row.skipped || selecting.some((name) => row.badCells.has(name))) unreadable++;
      if (row.skipped) return;
      for (const entry of selectors) {
        if (Object.entries(entry.selector).every(([name, value]) => row.values[name] === value))
          entry.matches.push({
            line: row.line,
            column: row.columnOf(rule.column),
            value: row.values[rule.column],
            invalid: row.badCells.has(rule.column),
          });
      }
    },
    end() {
      let selectable = true;
      let unsettled: string | undefined;
      for (const { selector, pointer, matches } of selectors) {
        if (matches.length === 1) continue;
        selectable = false;
        const text = Object.entries(selector)
          .map(([name, value]) => `${name}=${String(value)}`)
          .join(', ');
        if (matches.length === 0 && unreadable > 0) {
          // The row it selects may be one whose issues are reported already: saying that it is missing would mislead.
          unsettled ??= `${text} selects no row read whole (${unreadable} row${unreadable === 1 ? ' was' : 's were'} not, or had an invalid cell where a selector looks: the issues say why)`;
          continue;
        }
        context.atDescriptor(pointer, {
          code: 'rule-error',
          message: `rule ${rule.id}: ${text} selects ${matches.length === 0 ? 'no row' : `${matches.length} rows (lines ${matches.map((match) => match.line).join(', ')})`}; a selector must select exactly one`,
        });
      }
      if (!selectable) {
        context.record(
          unsettled !== undefined && selectors.every((entry) => entry.matches.length <= 1)
            ? { check: 'rule', subject: rule.id, status: 'not-checked', message: `not checked: ${unsettled}` }
            : {
                check: 'rule',
                subject: rule.id,
                status: 'failed',
                message: 'a selector does not select exactly one row; the issues say which',
              },
        );
        return;
      }
      const parts = selectors.slice(0, -1).map((entry) => entry.matches[0]);
      const total = selectors.at(-1)?.matches[0];
      if (total === undefined) return;
      // A cell with an issue of its own was left out of the row's values: it is not empty, and the rule cannot be held to it.
      const invalid = selectors.flatMap((entry) => entry.matches).find((match) => match.invalid);
      if (invalid !== undefined) {
        context.record({
          check: 'rule',
          subject: rule.id,
          status: 'not-checked',
          message: `not checked: the ${rule.column} cell on line ${invalid.line} is invalid, and its issue says why`,
        });
        return;
      }
      const values = parts.map((part) => part?.value);
      const failures: Failure[] = [];
      const numbers = values.filter((value): value is number => typeof value === 'number');
      if (numbers.length !== values.length || typeof total.value !== 'number') {
        failures.push({
          line: total.line,
          column: total.column,
          field: rule.column,
          message: `${rule.column} must be a number in every row added and in the total; found ${[...values, total.value].map(shown).join(', ')}`,
        });
      } else {
        const sum = numbers.reduce((a, b) => a + b, 0);
        if (!withinTolerance(sum, total.value, tolerance)) {
          const lines = parts.map((part) => part?.line).join(', ');
          failures.push({
            line: total.line,
            column: total.column,
            field: rule.column,
            value: String(total.value),
            message: `${numbers.join(' + ')} = ${Number(sum.toFixed(10))} (lines ${lines}), but ${rule.column} here is ${total.value}${tolerance > 0 ? ` (tolerance ${tolerance})` : ''}`,
            outcome: `${numbers.join(' + ')} = ${Number(sum.toFixed(10))}, but the total's ${rule.column} is ${total.value}${tolerance > 0 ? ` (tolerance ${tolerance})` : ''}`,
          });
        }
      }
      settle(context, rule, parts.length, failures);
    },
  };
}
