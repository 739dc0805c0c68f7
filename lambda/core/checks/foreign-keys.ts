import { columnList } from '../descriptor.js';
import { displayValue } from '../issue.js';
import type { Check, CheckContext, CheckFactory } from './check.js';
import { describeKey, indexOther, isSelf, keyOf, selfKeyTypeProblem, type KeyIndex } from './references.js';

/**
 * The descriptor's `foreignKeys` (Table Schema): each row's values in
 * `fields` must be the values in `reference.fields` of some row of the
 * referenced dataset, compared as typed values; a row with an empty cell in
 * `fields` is not checked. Another dataset is read from its source files in
 * the same run (`RunContext.datasets`), validated on its own; without a
 * resolver the reference is recorded as not checked. A reference to this
 * dataset (`resource: ""`) is checked against its own rows: the keys seen are
 * remembered, and a row referring to a later row is settled at the end.
 */
export const foreignKeysCheck: CheckFactory = (context: CheckContext): Check | undefined => {
  const declared = context.descriptor.foreignKeys ?? [];
  if (declared.length === 0) return undefined;
  const keys = declared.map((key, index) => ({
    index,
    fields: columnList(key.fields),
    resource: key.reference.resource,
    referenced: columnList(key.reference.fields),
    self: isSelf(context, key.reference.resource),
    other: undefined as KeyIndex | undefined,
    seen: new Set<string>(),
    pending: [] as { line: number; column: number; key: string; text: string }[],
  }));
  const report = (
    key: (typeof keys)[number],
    line: number,
    column: number,
    text: string,
    where: string,
  ): void => {
    context.at(line, column, {
      code: 'foreign-key',
      field: key.fields.join('+'),
      value: displayValue(text),
      message: `${text}: no row of ${where} has ${key.referenced.join('+')} equal to it (foreignKeys/${key.index})`,
    });
  };
  return {
    async validateStart() {
      for (const key of keys) {
        if (key.self) {
          const names = new Set(context.columns.map((column) => column.name));
          const unknown = key.referenced.find((name) => !names.has(name));
          const mismatch =
            unknown === undefined ? selfKeyTypeProblem(context, key.fields, key.referenced) : undefined;
          if (unknown !== undefined || mismatch !== undefined) {
            key.other = { ok: false, why: mismatch ?? `"${unknown ?? ''}" is not a column of this dataset` };
            context.atDescriptor(`/foreignKeys/${key.index}/reference/fields`, {
              code: 'foreign-key',
              message: `cannot check the references to this dataset: ${key.other.why}`,
            });
          }
          continue;
        }
        key.other = await indexOther(context, key.resource, key.referenced, [], key.fields);
        if (key.other.ok) continue;
        if (key.other.notChecked === true) {
          context.record({
            check: 'foreign-key',
            subject: `foreignKeys/${key.index}`,
            status: 'not-checked',
            message: `references to "${key.resource}" not checked: ${key.other.why}`,
          });
        } else {
          context.atDescriptor(`/foreignKeys/${key.index}/reference`, {
            code: 'foreign-key',
            message: `cannot check the references to "${key.resource}": ${key.other.why}`,
          });
        }
      }
    },
    validateRow(row) {
      for (const key of keys) {
        if (key.other !== undefined && !key.other.ok) continue;
        if (key.self) {
          const own = keyOf(row.values, key.referenced);
          if (own !== undefined) key.seen.add(own);
        }
        if (key.fields.some((name) => row.badCells.has(name))) continue;
        const value = keyOf(row.values, key.fields);
        if (value === undefined) continue;
        const column = row.columnOf(key.fields[0] ?? '');
        const text = describeKey(row.values, key.fields);
        if (key.self) {
          if (!key.seen.has(value)) key.pending.push({ line: row.line, column, key: value, text });
        } else if (key.other?.ok === true && !key.other.rows.has(value)) {
          report(key, row.line, column, text, `${key.resource} (${key.other.file})`);
        }
      }
    },
    validateEnd() {
      for (const key of keys) {
        for (const pending of key.pending) {
          if (!key.seen.has(pending.key))
            report(key, pending.line, pending.column, pending.text, 'this dataset');
        }
      }
    },
  };
};
