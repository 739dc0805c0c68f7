import { compareKeys } from '../canonical.js';
import { displayValue } from '../issue.js';
import type { Check, CheckContext, CheckFactory } from './check.js';

/**
 * No two rows share a primary key. A file in key order (the usual case, and
 * how the pipeline publishes) is checked against the previous row alone, so
 * no key is kept; a row out of order asks for the table to be read again
 * (`context.restart`), and the second reading remembers every key. A row with
 * a bad cell elsewhere still claims its key, so a later duplicate is reported
 * too; a row missing a key cell claims none.
 */
export const primaryKeyCheck: CheckFactory = (context: CheckContext): Check | undefined => {
  const primaryKey = context.descriptor.primaryKey;
  const first = primaryKey[0];
  if (first === undefined) return undefined;
  const keyLines = new Map<string, number>();
  let last: { key: unknown[]; line: number } | undefined;
  return {
    validateRow(row) {
      const key: unknown[] = [];
      for (const name of primaryKey) {
        const value = row.values[name];
        if (value === undefined) return;
        key.push(value);
      }
      let firstLine: number | undefined;
      if (!context.rereading) {
        const order = last === undefined ? 1 : compareKeys(key, last.key);
        if (order < 0) {
          context.restart();
          return;
        }
        if (order === 0) firstLine = last?.line;
        else last = { key, line: row.line };
      } else {
        const text = JSON.stringify(key);
        firstLine = keyLines.get(text);
        if (firstLine === undefined) keyLines.set(text, row.line);
      }
      if (firstLine === undefined) return;
      const keyText = primaryKey.map((name) => `${name}=${String(row.values[name])}`).join(', ');
      context.at(row.line, row.columnOf(first), {
        code: 'primary-key',
        field: primaryKey.join('+'),
        value: displayValue(keyText),
        message: `primary key ${keyText} repeats the row on line ${firstLine}`,
      });
    },
  };
};
