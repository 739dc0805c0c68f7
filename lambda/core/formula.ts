/**
 * Text that spreadsheets evaluate as a formula when a CSV is opened (CSV
 * injection): a cell starting with `=`, `+`, `-`, `@`, tab or carriage return.
 */
export const FORMULA_PREFIX = /^[=+\-@\t\r]/;

/**
 * Neutralises a text cell for CSV output by prefixing a single quote, the
 * mitigation spreadsheets recognise. Only text columns are passed here, so a
 * number such as -5 is never touched.
 */
export function escapeFormula(text: string): string {
  return FORMULA_PREFIX.test(text) ? `'${text}` : text;
}
