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
  // The row's key and the previous row's, in two arrays that trade places (no array or object made a row).
  let key: unknown[] = primaryKey.map(() => undefined);
  let lastKey: unknown[] = primaryKey.map(() => undefined);
  let lastLine: number | undefined;
  return {
    validateRow(row) {
      for (let index = 0; index < primaryKey.length; index++) {
        const name = primaryKey[index] as string;
        const value = row.values[name];
        if (value === undefined) return;
        if (!row.plainText && typeof value === 'string' && notComposed(value)) {
          row.badCells.add(name);
          context.at(row.line, row.columnOf(name), {
            code: 'primary-key',
            field: name,
            value: displayValue(value),
            message: NOT_COMPOSED_MESSAGE,
          });
          return;
        }
        key[index] = value;
      }
      let firstLine: number | undefined;
      if (!context.rereading) {
        const order = lastLine === undefined ? 1 : compareKeys(key, lastKey);
        if (order < 0) {
          context.restart();
          return;
        }
        if (order === 0) firstLine = lastLine;
        else {
          const spare = lastKey;
          lastKey = key;
          key = spare;
          lastLine = row.line;
        }
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

/**
 * True when `value` is not in Unicode Normalization Form C: a key such as "café" written as "e" and a
 * combining accent (U+0301) looks the same as the composed one and compares as another key, so the two
 * would publish as two rows that look alike (as a zero-width space would make them, which the cell-text
 * check refuses). Plain ASCII is always composed.
 */
export function notComposed(value: string): boolean {
  return NON_ASCII.test(value) && value !== value.normalize('NFC');
}

const NON_ASCII = /[\u0080-\uffff]/;

export const NOT_COMPOSED_MESSAGE =
  'key value is not in Unicode normalization form C (a letter and a combining accent where one composed character is meant, as some Mac and PDF copies write it): it looks like a key written the composed way but compares as another; save the text as NFC';
