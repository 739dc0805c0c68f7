import type { Column, Row } from './row-schema.js';

/**
 * Provenance: every row quotes the source text it comes from, and the quote
 * must (1) occur in that text and (2) state every value the row states.
 *
 * The rules, documented in `docs/validation.md`:
 *
 * - **Source text.** The source file is plain text in which `$` may be written
 *   `\$` (a Markdown escape). A backslash before ASCII punctuation is removed
 *   before matching, so quotes are stored as the paper reads (`$ 229.6 million`).
 *   Runs of white space (line breaks included) compare as one space, on both sides.
 * - **Which cells are stated.** A column's `stated` property in the descriptor
 *   says how its cells must appear in the quote: `number` (the default for
 *   `integer` and `number` columns), `date` (the default for `format: date`
 *   columns), `month` (1–12, written as a month name), `text` (the cell's text,
 *   ignoring case) or `false` (not checked: identifiers, notes, derived columns).
 * - **Numbers.** Every number written in the quote is read with `,` as a
 *   thousands separator (only before exactly three digits) and `.` as the
 *   decimal point, alone and multiplied by a following `thousand`, `million`
 *   or `billion`. A cell is stated when its value or its absolute value (a sign
 *   is usually said in words: "decreased by 47.4%") equals one of those
 *   numbers. `142.10` and `142.1` are the same number.
 * - **Dates.** An ISO date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`) is stated when
 *   the quote contains its year, the English name of its month and its day
 *   as a number (so `June 10-11, 1997` states both `1997-06-10` and
 *   `1997-06-11`). This checks that every part is there, not their order.
 */

/** How a column's cells must appear in the row's quote (`stated` in the descriptor). */
export type StatedAs = 'number' | 'date' | 'month' | 'text' | false;

/** The quote column when the descriptor does not name one. */
export const DEFAULT_QUOTE_COLUMN = 'source_quote';

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
] as const;

const SCALES: Readonly<Record<string, number>> = { thousand: 1e3, million: 1e6, billion: 1e9 };

/** A source text made ready for matching quotes against it (see the rules above). */
export function normalizeSourceText(text: string): string {
  return collapseSpace(text.replace(/\\([!-/:-@[-`{-~])/g, '$1'));
}

function collapseSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** How a column is checked when the descriptor does not say. */
export function defaultStatedAs(column: Column): StatedAs {
  if (column.type === 'integer' || column.type === 'number') return 'number';
  if (column.type === 'date') return 'date';
  return false;
}

/** A problem with one row's provenance, before it is located in a file. */
export interface ProvenanceProblem {
  readonly code: 'quote-not-in-source' | 'value-not-in-quote';
  readonly field: string;
  readonly message: string;
}

/** What {@link checkRowProvenance} needs to know about a table. */
export interface ProvenanceRules {
  readonly quoteColumn: string;
  /** Checked columns with how they are stated; columns absent here are not checked. */
  readonly stated: ReadonlyMap<string, Exclude<StatedAs, false>>;
  /** The source text, normalised with {@link normalizeSourceText}. */
  readonly source: string;
  /** The source file's name, for messages. */
  readonly sourceFile: string;
}

/** The problems of one row: its quote missing from the source, or a value its quote does not state. */
export function checkRowProvenance(row: Row, rules: ProvenanceRules): ProvenanceProblem[] {
  const raw = row[rules.quoteColumn];
  if (typeof raw !== 'string' || raw === '') return [];
  const quote = collapseSpace(raw);
  const problems: ProvenanceProblem[] = [];
  if (!rules.source.includes(quote)) {
    problems.push({
      code: 'quote-not-in-source',
      field: rules.quoteColumn,
      message: `the quote does not occur in the source text ${rules.sourceFile}${nearestHint(quote, rules.source)}`,
    });
  }
  const reading = readQuote(quote);
  for (const [field, statedAs] of rules.stated) {
    const value = row[field];
    if (value === undefined || value === '') continue;
    const missing = missingFromQuote(value, statedAs, reading);
    if (missing !== undefined)
      problems.push({
        code: 'value-not-in-quote',
        field,
        message: `the row's quote does not state ${missing}`,
      });
  }
  return problems;
}

/** What a quote states, read once per row. */
interface QuoteReading {
  readonly lower: string;
  readonly numbers: ReadonlySet<number>;
  readonly integers: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
}

function readQuote(quote: string): QuoteReading {
  const numbers = new Set<number>();
  const integers = new Set<number>();
  const pattern = /\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?/g;
  for (const match of quote.matchAll(pattern)) {
    const value = Number(match[0].replaceAll(',', ''));
    numbers.add(value);
    if (Number.isInteger(value)) integers.add(value);
    const scale = /^\s*(thousand|million|billion)\b/i.exec(quote.slice(match.index + match[0].length));
    if (scale?.[1] !== undefined) numbers.add(roundScaled(value * (SCALES[scale[1].toLowerCase()] ?? 1)));
  }
  const lower = quote.toLowerCase();
  const months = new Set<number>();
  MONTHS.forEach((name, index) => {
    if (new RegExp(`\\b${name}\\b`).test(lower)) months.add(index + 1);
  });
  return { lower, numbers, integers, months };
}

/** `1.6 × 10⁶` is 1600000.0000000002 in binary floating point: round to what was written. */
function roundScaled(value: number): number {
  return Number(value.toPrecision(12));
}

/** What the quote fails to state of a value, in words, or undefined when it states it. */
function missingFromQuote(
  value: string | number | boolean,
  statedAs: Exclude<StatedAs, false>,
  quote: QuoteReading,
): string | undefined {
  switch (statedAs) {
    case 'number': {
      const number = typeof value === 'number' ? value : Number(value);
      if (Number.isFinite(number) && (quote.numbers.has(number) || quote.numbers.has(Math.abs(number))))
        return undefined;
      return `the number ${String(value)}`;
    }
    case 'month': {
      const month = Number(value);
      return quote.months.has(month) ? undefined : `the month ${String(value)} (${MONTHS[month - 1] ?? '?'})`;
    }
    case 'text':
      return quote.lower.includes(collapseSpace(String(value)).toLowerCase())
        ? undefined
        : `the text "${String(value)}"`;
    case 'date': {
      const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(String(value));
      if (match === null) return `the date ${String(value)} (not an ISO date)`;
      const parts: string[] = [];
      if (!quote.integers.has(Number(match[1]))) parts.push(`the year ${match[1]}`);
      if (match[2] !== undefined && !quote.months.has(Number(match[2])))
        parts.push(`the month ${MONTHS[Number(match[2]) - 1] ?? match[2]}`);
      if (match[3] !== undefined && !quote.integers.has(Number(match[3])))
        parts.push(`the day ${Number(match[3])}`);
      return parts.length === 0 ? undefined : `${parts.join(', ')} of ${String(value)}`;
    }
  }
}

/**
 * A hint for a quote that is not in the source: how much of its start is.
 * Helps a curator see a changed word or an escaped character.
 */
function nearestHint(quote: string, source: string): string {
  let low = 0;
  let high = quote.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (source.includes(quote.slice(0, middle))) low = middle;
    else high = middle - 1;
  }
  if (low < 12) return '';
  const found = source.indexOf(quote.slice(0, low));
  const next = source.slice(found + low, found + low + 20);
  return `; it matches up to character ${low} ("…${quote.slice(Math.max(0, low - 20), low)}"), where the source goes on "${next}…" and the quote "${quote.slice(low, low + 20)}…"`;
}
