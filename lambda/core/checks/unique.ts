import { displayValue } from '../issue.js';
import type { Check, CheckContext, CheckFactory } from './check.js';

/**
 * No two rows share the values of a declared unique key (the descriptor's
 * `uniqueKeys`, Table Schema's `unique` constraint and `uniqueKeys`). A row
 * with an empty or bad cell in the key is not compared, as in Table Schema.
 * Unlike the primary key, a unique key follows no published order, so each
 * key's values are remembered: memory grows with the rows of a dataset that
 * declares one (a string per row and key).
 */
export const uniqueCheck: CheckFactory = (context: CheckContext): Check | undefined => {
  const keys = context.descriptor.uniqueKeys ?? [];
  if (keys.length === 0) return undefined;
  const seen = keys.map(() => new Map<string, number>());
  return {
    validateRow(row) {
      keys.forEach((key, index) => {
        const values = key.map((name) => row.values[name]);
        if (values.some((value) => value === undefined)) return;
        const text = JSON.stringify(values);
        const lines = seen[index];
        const first = lines?.get(text);
        if (first === undefined) {
          lines?.set(text, row.line);
          return;
        }
        const keyText = key.map((name) => `${name}=${String(row.values[name])}`).join(', ');
        context.at(row.line, row.columnOf(key[0] ?? ''), {
          code: 'unique-error',
          field: key.join('+'),
          value: displayValue(keyText),
          message: `${keyText} repeats the row on line ${first}, but ${key.length === 1 ? 'the column is' : 'these columns are'} declared unique (uniqueKeys)`,
        });
      });
    },
  };
};
