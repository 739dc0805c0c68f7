import Papa from 'papaparse';
import { OpenDataError } from './errors.js';
import { InvalidUtf8Error } from './utf8.js';

/** One CSV record as papaparse read it, with the 1-based line it starts on. */
export interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
  /** Quoting problems papaparse found in this record (unclosed or stray quotes). */
  readonly problems: readonly CsvProblem[];
}

/** A quoting problem reported by papaparse, tied to the record's field index (0-based). */
export interface CsvProblem {
  readonly fieldIndex: number;
  readonly message: string;
}

/** Streams records one at a time; see {@link readCsvRecordBatches}. */
export async function* readCsvRecords(text: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  for await (const batch of readCsvRecordBatches(text)) yield* batch;
}

/**
 * Streams RFC 4180 records out of decoded text with papaparse, in batches of
 * the records each piece of text completes (so the per-record cost of async
 * iteration is paid once per batch). Line numbers follow the file, counting
 * line breaks inside quoted fields, so errors point at the line a user sees in
 * an editor. LF, CRLF and CR files read the same. A piece of text is read
 * only when the consumer asks for the next batch, so memory holds one piece
 * and its records (a file or S3 stream yields pieces of 64 KiB or so).
 *
 * papaparse's own parser is driven here a piece at a time, as its stream
 * reader would, so that the text it is parsing is at hand: a quoting problem
 * is tied to the cell it is in, found from where papaparse says it is.
 */
export async function* readCsvRecordBatches(
  text: AsyncIterable<string>,
  options: CsvReadOptions = {},
): AsyncGenerator<CsvRecord[]> {
  const { maxFieldLength, maxColumns, maxRecordLength } = options;
  // papaparse would guess the line ending from its first chunk, which may be a single byte;
  // we decide it from the first line break instead, however the text arrives.
  const { newline, text: wholeText } = await detectNewline(inParts(text, PART_CHARS));
  let batch: CsvRecord[] = [];
  let nextLine = 1;
  // The text being parsed (what the last parse left unfinished, then a new piece), the offset in the whole
  // text where it starts, and where the next record starts.
  let input = '';
  let inputStart = 0;
  let recordStart = 0;
  // A record over a limit, found when papaparse handed it over: reading stops there.
  let stopped: TooManyFieldsError | RecordTooLongError | undefined;
  // The cells of the record not yet finished, counted as its text arrives (a new counter for each record).
  let unfinished: { readonly start: number; readonly cells: CellCounter } | undefined;
  // Where in `input` the next double quote, CR and LF are (-1: none after the records read), for the
  // checks of quotes and of line endings and the count of lines.
  let nextQuote = 0;
  let nextCr = 0;
  let nextLf = 0;
  // Whether the last record read ended with a CR: an LF beginning the next one completes a CRLF.
  let afterCr = false;

  /**
   * Why the record starting at `from` in `input`, its text longer than `max`, stops reading: its fields,
   * when it had more than `maxColumns` before its text passed `max` (so that a record stops for the same
   * limit however the text is cut into pieces); else its length, at the cell its first character past
   * `max` is in.
   */
  const tooLong = (from: number, max: number): TooManyFieldsError | RecordTooLongError => {
    const cell = new CellCounter(input, inputStart, from, newline).before(from + max);
    return maxColumns !== undefined && cell >= maxColumns
      ? new TooManyFieldsError(nextLine, maxColumns)
      : new RecordTooLongError(nextLine, cell, max);
  };

  const parser = new Papa.Parser({
    ...dialect(newline),
    step(results: ParserStep) {
      const fields = results.data[0] ?? [];
      const from = recordStart - inputStart;
      const to = results.meta.cursor - inputStart;
      const end = recordEnd(input, from, to, newline);
      // A record finished within one parse was never seen unfinished by the checks below, which look at a
      // record still arriving once a parse: it is held to the same limits here.
      if (maxRecordLength !== undefined && end - from > maxRecordLength) {
        stopped = tooLong(from, maxRecordLength);
        parser.abort();
        return;
      }
      if (maxColumns !== undefined && fields.length > maxColumns) {
        stopped = new TooManyFieldsError(nextLine, maxColumns);
        parser.abort();
        return;
      }
      // Line breaks lie only in quoted cells: a record whose text holds none besides its own ends (nearly
      // every record) counts none without looking at each cell.
      if (nextLf !== -1 && nextLf < from) nextLf = input.indexOf('\n', from);
      if (nextCr !== -1 && nextCr < from) nextCr = input.indexOf('\r', from);
      const breakInside = (nextLf !== -1 && nextLf < end) || (nextCr !== -1 && nextCr < end);
      // Counted in the record's text, not in its cells: where papaparse finds a quote out of place, its cells
      // are its guess, and may leave out what the text holds.
      const breaks = breakInside ? lineBreaksWithin(input, from, to, afterCr) : 0;
      const crBefore = afterCr;
      afterCr = to > from && input.charCodeAt(to - 1) === 0x0d;
      // A record that is only the second half of the line ending before it (see below).
      let alone = false;
      const problems: CsvProblem[] = [];
      // papaparse names a record's problems in the order of the text: the count of cells goes on from
      // where the last one stopped, so a record of many problems is still read once. (Made only for a
      // record with problems, like `told`: not for each of a million rows.)
      const cells =
        results.errors.length === 0
          ? undefined
          : new CellCounter(input, inputStart, recordStart - inputStart, newline);
      const told = results.errors.length === 0 ? undefined : new Set<string>();
      for (const error of results.errors) {
        const fieldIndex =
          error.index === undefined || cells === undefined
            ? Math.max(0, fields.length - 1)
            : cells.before(error.index - 1);
        const message = describePapaError(error, nextLine, nextLine + breaks);
        // papaparse names each stray quote of a cell; the cell is told once of each kind of problem.
        const key = `${fieldIndex}\n${message}`;
        if (told?.has(key) === true) continue;
        told?.add(key);
        problems.push({ fieldIndex, message });
      }
      // A line ending with LF alone after a quoted last cell, in a CRLF or CR file, puts text after the
      // closing quote: papaparse finds a stray quote. Said as the line ending it is, once, where the
      // line's endings mended would read cleanly as rows of their own.
      if (newline !== '\n' && breakInside && problems.length > 0) {
        const cause = loneLineFeedCause(input, from, end, newline, crBefore);
        if (cause !== undefined) {
          const at = cause.linesBefore === 0 ? 'this line' : `line ${nextLine + cause.linesBefore}`;
          // No line after it: the last line, whose LF alone follows its closing quote.
          const what =
            breaks === 0
              ? 'its last line ends with LF alone, which leaves its closing quote out of place'
              : `${at} ends with LF alone, so lines ${nextLine}-${nextLine + breaks} were read as one row, its quotes out of place`;
          problems.splice(0, problems.length, {
            fieldIndex: cause.fieldIndex,
            message: `the file's lines end with ${newline === '\r\n' ? 'CRLF' : 'CR'} (its first line does), and ${what}: save the file with one kind of line ending`,
          });
        }
      }
      // A file whose lines end with CRLF (or CR) and one that ends with LF alone reads that line and the
      // next as one record: said once, at the cell where the LF is, instead of as extra cells and types.
      // (Not in a record with a stray or unclosed quote: where quotes begin and end there is papaparse's guess.)
      if (newline !== '\n' && breakInside && problems.length === 0) {
        // In a CR file the LF of a line ending with CRLF begins the next record: it ends the line before,
        // and begins no line of its own (not counted, see lineBreaksWithin).
        const crlfBefore = newline === '\r' && input.charCodeAt(from) === 0x0a;
        if (crlfBefore) {
          // Nothing but that LF at the end of the text: told at the line it ends.
          alone = end === from + 1 && end === to;
          problems.push({
            fieldIndex: 0,
            message: `the file's lines end with CR, and ${alone ? 'this line' : 'the line before this one'} ends with CRLF: save the file with one kind of line ending`,
          });
        }
        const at = strayLineFeed(input, crlfBefore ? from + 1 : from, to, newline);
        // Only the end of the text ends a record with an LF here: the last line, with no line after it.
        const lastLine = input.charCodeAt(to - 1) === 0x0a && to === input.length;
        if (at !== undefined)
          problems.push({
            fieldIndex: at,
            message: `the file's lines end with ${newline === '\r\n' ? 'CRLF' : 'CR'}, and ${lastLine && breaks === 0 ? 'its last line ends with LF alone' : 'a line here ends with LF alone, so it and the line after it were read as one row'}: save the file with one kind of line ending`,
          });
      }
      // Quotes papaparse reads in its own way without a word, where other readers read them otherwise.
      // Only a record holding a quote is read again: where the next quote is, is looked for once a text.
      if (problems.length === 0) {
        // A CR that is not the file's line ending, outside quotes: papaparse keeps it in the cell.
        if (newline !== '\r' && nextCr !== -1 && nextCr < to) {
          const stray = strayCarriageReturn(input, from, to, newline);
          if (stray !== undefined) problems.push({ fieldIndex: stray.fieldIndex, message: stray.message });
        }
        if (nextQuote !== -1 && nextQuote < from) nextQuote = input.indexOf('"', from);
        if (problems.length === 0 && nextQuote !== -1 && nextQuote < to) {
          const problem = ambiguousQuoting(input, from, to, newline);
          if (problem !== undefined) problems.push(problem);
        }
      }
      batch.push({ line: alone ? nextLine - 1 : nextLine, fields, problems });
      nextLine += 1 + breaks;
      recordStart = results.meta.cursor;
    },
  } as Papa.ParseConfig);

  /** Parses `text` after what is left; unless `last`, a record it does not finish waits for the next piece. */
  const parse = (text: string, last: boolean): void => {
    input = input.substring(recordStart - inputStart) + text;
    inputStart = recordStart;
    nextQuote = 0;
    nextCr = 0;
    nextLf = 0;
    parser.parse(input, inputStart, !last);
  };

  // Pieces not parsed yet. papaparse parses the record it could not finish again with the next text, so
  // while a record is long it is handed text only once a quarter of the record's length has arrived: each
  // record then costs time in proportion to its length, not to its square (a row of 30 cells of 1 MiB took
  // 61 s, every 64 KiB piece parsing all of it again). The limits below are checked as often, so a record
  // is stopped within a quarter of its length past one.
  let pending: string[] = [];
  let pendingLength = 0;
  // The text ends at a byte that is no UTF-8 (the decoder yields every character before it, then throws):
  // the records before it are handed over, and the error told of the cell of the record it breaks into.
  const brokenAt = (error: InvalidUtf8Error): InvalidUtf8Error => {
    if (pendingLength > 0) parse(pending.join(''), false);
    if (stopped !== undefined) return error;
    let unfinished = input.substring(recordStart - inputStart);
    // A CR at the end may be the first half of the CRLF that ends the record: in no cell.
    if (unfinished.endsWith('\r')) unfinished = unfinished.slice(0, -1);
    return error.inCell(lastCell(unfinished, newline).index);
  };
  // A consumer that stops early (a limit, an encoding error) ends this loop, which returns the source: its
  // file handle or S3 socket is released.
  try {
    for await (const piece of wholeText) {
      pending.push(piece);
      pendingLength += piece.length;
      if (4 * pendingLength < input.length - (recordStart - inputStart)) continue;
      parse(pending.join(''), false);
      pending = [];
      pendingLength = 0;
      if (stopped !== undefined) {
        if (batch.length > 0) yield batch;
        throw stopped;
      }
      // The record papaparse could not finish is held whole, and joined to the next piece as one string: one
      // of many cells, each within the cell limit and the field limit, would grow past the longest string V8
      // can make (2^29 - 24 code units) and fail as a bug. Its length is checked as its text arrives.
      if (maxRecordLength !== undefined) {
        const from = recordStart - inputStart;
        // A CR at the end may be the first half of the CRLF that ends the record: not its text.
        const length = input.length - from - (input.endsWith('\r') ? 1 : 0);
        if (length > maxRecordLength) {
          if (batch.length > 0) yield batch;
          throw tooLong(from, maxRecordLength);
        }
      }
      // The record papaparse could not finish is parsed again with the next piece: one of millions of short
      // cells would be read whole, each piece splitting all of it again, before its fields could be counted.
      // Its cells are counted as the text arrives instead (each cell once, an open quoted cell again from
      // its quote, as papaparse reads it again): with more than the limit closed, it can only have more.
      if (maxColumns !== undefined) {
        if (unfinished?.start !== recordStart) {
          unfinished = {
            start: recordStart,
            cells: new CellCounter(input, inputStart, recordStart - inputStart, newline),
          };
        } else {
          unfinished.cells.extend(input, inputStart);
        }
        // A comma outside quotes closes a cell and opens another: the record has at least one more field.
        if (unfinished.cells.before(input.length) + 1 > maxColumns) {
          if (batch.length > 0) yield batch;
          throw new TooManyFieldsError(nextLine, maxColumns);
        }
      }
      // The record papaparse could not finish is parsed again with the next piece; a cell longer than the
      // limit would be read whole, each piece scanning all of it again, before any check saw it.
      if (maxFieldLength !== undefined && input.length - (recordStart - inputStart) > maxFieldLength) {
        let unfinished = input.substring(recordStart - inputStart);
        // A CR at the end may be the first half of a CRLF, which papaparse reads as a line break after a
        // quoted cell whatever the file's line ending: left out, it is counted in no cell.
        if (unfinished.endsWith('\r')) unfinished = unfinished.slice(0, -1);
        const cell = lastCell(unfinished, newline);
        if (cell.length > maxFieldLength) {
          // The records before it are handed over first (the header among them), then reading stops.
          if (batch.length > 0) yield batch;
          throw new CellTooLongError(
            nextLine,
            cell.index,
            maxFieldLength,
            loneLineFeedNote(unfinished, newline, nextLine),
          );
        }
      }
      if (batch.length > 0) {
        yield batch;
        batch = [];
      }
    }
  } catch (error) {
    if (!(error instanceof InvalidUtf8Error)) throw error;
    const told = brokenAt(error);
    if (batch.length > 0) yield batch;
    throw stopped ?? told;
  }
  // What is left finishes its records as the pieces before did (a last line break ends the last record,
  // it does not begin an empty one), then the end of the text finishes the last.
  if (pendingLength > 0) parse(pending.join(''), false);
  // The end of the text ends the last record as a line break would. papaparse reads white space after the
  // closing quote of the very last cell (`"abc"  ` and no line break) as a stray quote in a cell never
  // closed; before a line break it reads the cell, and the space is told as readers disagree on it
  // ({@link ambiguousQuoting}). That record is given the line break when it then reads cleanly.
  const rest = input.substring(recordStart - inputStart);
  if (stopped === undefined && endsWithSpaceAfterQuote(rest) && cleanRecord(rest + newline, newline))
    parse(newline, false);
  if (stopped === undefined) parse('', true);
  if (batch.length > 0) yield batch;
  if (stopped !== undefined) throw stopped;
}

/** Options of {@link readCsvRecordBatches}. */
export interface CsvReadOptions {
  /**
   * The longest cell allowed (`limits.maxFieldLength`): reading stops with a {@link CellTooLongError} as
   * soon as a record not yet finished holds a cell surely longer. Completed records are not checked
   * here; the cell-text check measures every cell.
   * @default no limit
   */
  readonly maxFieldLength?: number;
  /**
   * The most fields a record may have (`limits.maxColumns`): reading stops with a {@link TooManyFieldsError}
   * at the first record with more, whether papaparse has finished it or not, so the same file stops at the
   * same record however its text is cut into pieces. The records before it are handed over first.
   * @default no limit
   */
  readonly maxColumns?: number;
  /**
   * The longest record allowed (`limits.maxRecordLength`), in UTF-16 code units of its text in the file:
   * quotes and commas included, its line break not. Reading stops with a {@link RecordTooLongError} at the
   * first record longer, finished or not, naming the cell its first character past the limit is in (or
   * with a {@link TooManyFieldsError}, where the record had more than `maxColumns` fields before that), so
   * the same file stops at the same record however its text is cut into pieces. A record still arriving
   * is stopped within a quarter of the limit past it, before it is held whole. The records before it are
   * handed over first.
   * @default no limit
   */
  readonly maxRecordLength?: number;
}

/** A record with more fields than the limit, found as soon as it surely has them: reading stops there. */
export class TooManyFieldsError extends OpenDataError {
  override readonly name = 'TooManyFieldsError';
  readonly code = 'limit-exceeded';
  constructor(
    /** 1-based line the record starts on. */
    readonly line: number,
    readonly maxColumns: number,
  ) {
    // Not the record's count of fields: reading stops before a record of millions is split into them.
    super(`record has more than ${maxColumns} fields, the limit (limits.maxColumns); reading stopped here`);
  }
}

/** A record whose text is longer than the limit, found before it is held whole: reading stops there. */
export class RecordTooLongError extends OpenDataError {
  override readonly name = 'RecordTooLongError';
  readonly code = 'limit-exceeded';
  constructor(
    /** 1-based line the record starts on. */
    readonly line: number,
    /** 0-based index of the cell the record's first character past the limit is in. */
    readonly fieldIndex: number,
    readonly maxRecordLength: number,
  ) {
    super(
      `record is more than ${maxRecordLength} characters long, the limit (limits.maxRecordLength); reading stopped here`,
    );
  }
}

/** A cell longer than the limit, found before its record ends: reading stops there. */
export class CellTooLongError extends OpenDataError {
  override readonly name = 'CellTooLongError';
  readonly code = 'limit-exceeded';
  constructor(
    /** 1-based line its record starts on (where every issue about a cell points). */
    readonly line: number,
    /** 0-based index of the cell in its record. */
    readonly fieldIndex: number,
    readonly maxFieldLength: number,
    /** What probably made the cell so long, when something does (see {@link loneLineFeedNote}). */
    why?: string,
  ) {
    super(
      `cell is more than ${maxFieldLength} characters long, the limit (limits.maxFieldLength); reading stopped here${why === undefined ? '' : `. ${why}`}`,
    );
  }
}

/**
 * Why a record still unfinished (`text`, starting on line `line`) may have run on so far in a file whose
 * lines end with CRLF or CR: one of its lines ends with LF alone, so papaparse reads on into the next line,
 * and after a quote to the end of the file. `undefined` in an LF file, or with no such LF.
 */
function loneLineFeedNote(text: string, newline: CsvNewline, line: number): string | undefined {
  if (newline === '\n') return undefined;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) {
    if (at > 0 && text.charCodeAt(at - 1) === 0x0d) continue;
    const before = text.slice(0, at).match(/\r\n|\r|\n/g)?.length ?? 0;
    return `The file's lines end with ${newline === '\r\n' ? 'CRLF' : 'CR'} (its first line does), and line ${line + before} ends with LF alone, so the lines after it ran into this row: save the file with one kind of line ending`;
  }
  return undefined;
}

/**
 * The last cell of a record not yet finished, as papaparse reads it so far: its index, and a length the
 * rest of the record can only add to. Without a quote in the record the cells are what lies between
 * commas. With one, papaparse reads the record as if it ended here, once as it is and once closed by a
 * quote: a quoted cell left open at the end is read raw, its doubled quotes counted twice, and the
 * closing quote makes it the cell read so far; the shorter reading stands. (In a record with a stray
 * quote papaparse may settle a cell shorter once the rest arrives; such a record is refused for its quotes.)
 */
function lastCell(record: string, newline: CsvNewline): { index: number; length: number } {
  if (!record.includes('"')) {
    let index = 0;
    for (let comma = record.indexOf(','); comma !== -1; comma = record.indexOf(',', comma + 1)) index++;
    return { index, length: record.length - record.lastIndexOf(',') - 1 };
  }
  const [asItIs, closed] = [record, `${record}"`].map((text) => {
    const fields = Papa.parse<string[]>(text, dialect(newline)).data[0] ?? [''];
    return { index: fields.length - 1, length: (fields.at(-1) ?? '').length };
  }) as [{ index: number; length: number }, { index: number; length: number }];
  return closed.length < asItIs.length ? closed : asItIs;
}

/** What papaparse's parser hands its `step`: the one record it read, its quoting errors and where it ends. */
interface ParserStep {
  readonly data: string[][];
  readonly errors: Papa.ParseError[];
  /** `cursor`: the offset in the whole text just past the record and its line break. */
  readonly meta: Papa.ParseMeta;
}

/**
 * Counts the cells of the record starting at `from` in `text` that come before a point (the opening
 * quote of the cell papaparse found a quoting problem in, or the end of the text read so far), reading
 * them as papaparse does ({@link closingQuote}): a quoted cell ends at a quote followed by a comma, a
 * doubled quote is a quote, and a quote followed by anything else is stray and read as text. Points must
 * come in increasing order: each count goes on from the last, so the record is read once however many
 * problems it has. The text may grow ({@link extend}) while the record is still arriving.
 */
class CellCounter {
  /** Where the current cell starts, how many cells came before it, and the comma that ends it, once found. */
  #start: number;
  #cells = 0;
  #comma: number | undefined;

  constructor(
    private text: string,
    /** Where `text` starts in the whole text. */
    private offset: number,
    from: number,
    private readonly newline: CsvNewline,
  ) {
    this.#start = from;
  }

  /**
   * The text is now `text`, starting at `offset` in the whole text: the same record, with what came
   * before it dropped and more after. A cell whose end was not found yet is looked at again.
   */
  extend(text: string, offset: number): void {
    const shift = offset - this.offset;
    this.text = text;
    this.offset = offset;
    this.#start -= shift;
    if (this.#comma !== undefined) this.#comma = this.#comma === -1 ? undefined : this.#comma - shift;
  }

  before(at: number): number {
    for (;;) {
      if (this.#start >= at) return this.#cells;
      if (this.#comma === undefined) {
        const end =
          this.text.charCodeAt(this.#start) === QUOTE
            ? closingQuote(this.text, this.#start, this.newline)
            : this.#start;
        this.#comma = this.text.indexOf(',', end);
      }
      if (this.#comma === -1 || this.#comma >= at) return this.#cells;
      this.#cells++;
      this.#start = this.#comma + 1;
      this.#comma = undefined;
    }
  }
}

const QUOTE = 0x22;
const COMMA = 0x2c;
/** White space as papaparse trims it between a closing quote and a comma: line-break characters too. */
const WHITE_SPACE = /^\s$/;

/**
 * Where the quoted cell opened at `open` closes, as papaparse reads it; the text's length if it does not
 * (yet: a quote at the end of text still arriving may close the cell once the next piece comes).
 */
function closingQuote(text: string, open: number, newline: CsvNewline): number {
  let i = open + 1;
  while (true) {
    const quote = text.indexOf('"', i);
    if (quote === -1) return text.length;
    if (text.charCodeAt(quote + 1) === QUOTE) {
      i = quote + 2;
      continue;
    }
    // Closing when only white space lies between it and a comma, a CR or LF that is not the file's line
    // ending among it ('"a"<CR>,b' in an LF file is the cells a and b); each character is looked at once.
    let after = quote + 1;
    while (after < text.length && WHITE_SPACE.test(text.charAt(after)) && !text.startsWith(newline, after))
      after++;
    if (text.charCodeAt(after) === COMMA) return quote;
    i = quote + 1;
  }
}

/** Where the record `text[from, to)` ends without its line break (the file's `newline`), if it has one. */
function recordEnd(text: string, from: number, to: number, newline: CsvNewline): number {
  return to - from >= newline.length && text.startsWith(newline, to - newline.length)
    ? to - newline.length
    : to;
}

/**
 * The closing quote of the quoted cell opened at `open`, before `end`: the first quote that is not
 * doubled (RFC 4180), or -1 when there is none (papaparse tells of a cell never closed).
 */
function closingQuoteBefore(text: string, open: number, end: number): number {
  let close = text.indexOf('"', open + 1);
  while (close !== -1 && close + 1 < end && text.charCodeAt(close + 1) === QUOTE)
    close = text.indexOf('"', close + 2);
  return close === -1 || close >= end ? -1 : close;
}

/**
 * A walk over the cells of the record `text[from, end)` (`end`: where it ends without its line break, see
 * {@link recordEnd}), each quoted cell skipped to its closing quote ({@link closingQuoteBefore}): each
 * {@link advance} moves to the next cell and says whether there is one; the walk stops at a quoted cell
 * never closed, which papaparse tells of. One object a record, its fields updated in place: the checks
 * walk every record that holds a quote, millions of cells in a large file.
 */
class RecordCells {
  /** The cell's index in the record (-1 before the first {@link advance}). */
  cell = -1;
  /** Where it starts (its opening quote, for a quoted cell). */
  start = 0;
  /** Where its text outside quotes starts: past the closing quote of a quoted cell, else at `start`. */
  outside = 0;
  /** Where it ends: at its comma, or at the record's end. */
  next: number;

  constructor(
    private readonly text: string,
    from: number,
    private readonly end: number,
  ) {
    // As if a comma stood just before the record: the first cell starts at `from`.
    this.next = from - 1;
  }

  advance(): boolean {
    const { text, end } = this;
    if (this.next >= end) return false;
    const start = this.next + 1;
    let outside = start;
    if (text.charCodeAt(start) === QUOTE) {
      const close = closingQuoteBefore(text, start, end);
      if (close === -1) {
        this.next = end;
        return false;
      }
      outside = close + 1;
    }
    const comma = text.indexOf(',', outside);
    this.cell++;
    this.start = start;
    this.outside = outside;
    this.next = comma === -1 || comma >= end ? end : comma;
    return true;
  }
}

/**
 * The first cell of the record `text[from, to)` (its line break included, if any) whose quotes other
 * readers read otherwise than papaparse, which says nothing of them: white space after a quoted cell's
 * closing quote (`"hello" ,x`: papaparse and DuckDB read `hello`, Python's csv module `hello `; other text
 * there papaparse tells as a stray quote), and white space
 * before a cell's opening quote (` "sp",x`: papaparse and Python read ` "sp"`, DuckDB `sp`). A quote
 * inside a cell that does not start with one (`he"llo`) is read as text by all of them, and stays allowed.
 * A cell whose quotes papaparse found wrong is told by papaparse, and the record is not read here.
 */
function ambiguousQuoting(
  text: string,
  from: number,
  to: number,
  newline: CsvNewline,
): CsvProblem | undefined {
  const end = recordEnd(text, from, to, newline);
  for (const cells = new RecordCells(text, from, end); cells.advance();) {
    const { cell, start, outside, next } = cells;
    if (outside > start) {
      // A quoted cell: only its comma, or the record's end, may follow the closing quote.
      if (outside < end && text.charCodeAt(outside) !== COMMA)
        return {
          fieldIndex: cell,
          message:
            'white space after the closing double quote of a quoted cell: readers disagree on whether it belongs to the cell (some drop it, others keep it); remove it, or put it inside the quotes',
        };
    } else {
      let first = start;
      while (first < next && (text.charCodeAt(first) === 0x20 || text.charCodeAt(first) === 0x09)) first++;
      if (first > start && first < next && text.charCodeAt(first) === QUOTE)
        return {
          fieldIndex: cell,
          message:
            'white space before the opening double quote of a cell: readers disagree on whether the cell is quoted; remove the space, or put it inside the quotes',
        };
    }
  }
  return undefined;
}

/**
 * The first cell of the record `text[from, to)` (its line break included, if any) holding a CR outside
 * quotes that is not part of the file's line ending (LF or CRLF). papaparse keeps such a CR in the cell,
 * where Python's csv module ends the row and DuckDB cannot read the file. A CR just before the line's
 * LF in a file whose lines end with LF is a CRLF line among LF ones, and said so (`lineEnding`).
 */
function strayCarriageReturn(
  text: string,
  from: number,
  to: number,
  newline: '\r\n' | '\n',
): (CsvProblem & { readonly lineEnding: boolean }) | undefined {
  const stray = lineBreakOutsideQuotes(text, from, to, newline, '\r');
  if (stray === undefined) return undefined;
  const end = recordEnd(text, from, to, newline);
  const lineEnding = newline === '\n' && stray.at === end - 1 && end < to;
  return {
    fieldIndex: stray.cell,
    lineEnding,
    message: lineEnding
      ? "the file's lines end with LF, and this line ends with CRLF: save the file with one kind of line ending"
      : 'a carriage return (CR) in a cell that is not quoted: readers disagree on whether it ends the row; put the cell in double quotes, or remove the CR',
  };
}

/**
 * The first `character` (a CR or an LF) of the record `text[from, to)` that lies outside quotes, with
 * the index of its cell. Quoted cells, which may hold any line break, are skipped; the record's own line
 * break (the file's `newline`) is not looked at, and no other line ending can stand outside quotes in a
 * record, so what is found is never part of one.
 */
function lineBreakOutsideQuotes(
  text: string,
  from: number,
  to: number,
  newline: CsvNewline,
  character: '\r' | '\n',
): { readonly cell: number; readonly at: number } | undefined {
  for (const cells = new RecordCells(text, from, recordEnd(text, from, to, newline)); cells.advance();) {
    const { cell, outside, next } = cells;
    // In a quoted cell, what follows the closing quote up to the comma.
    const found = text.indexOf(character, outside);
    if (found !== -1 && found < next) return { cell, at: found };
  }
  return undefined;
}

/**
 * The index of the cell of the record `text[from, to)` holding an LF outside quotes in a file whose
 * lines end with CRLF or CR, if any ({@link lineBreakOutsideQuotes}). Only records that hold a line
 * break are looked at, so this runs on few.
 */
function strayLineFeed(text: string, from: number, to: number, newline: '\r\n' | '\r'): number | undefined {
  return lineBreakOutsideQuotes(text, from, to, newline, '\n')?.cell;
}

/**
 * How papaparse is told to read the project's CSV (RFC 4180: comma, double quotes doubled inside a quoted
 * cell), with the line ending found for the file: the same for the reader and for every second look at a record.
 */
function dialect(newline: CsvNewline): Papa.ParseConfig {
  return { delimiter: ',', quoteChar: '"', escapeChar: '"', newline };
}

/** Whether `text` ends with a double quote followed by spaces or tabs. */
function endsWithSpaceAfterQuote(text: string): boolean {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 0x20 || text.charCodeAt(end - 1) === 0x09)) end--;
  return end < text.length && text.charCodeAt(end - 1) === QUOTE;
}

/**
 * Whether the quoting problems of the record `text[from, end)` (without its own line break) come from a
 * line ending with LF alone in a file whose lines end with `newline` (CRLF or CR): with each lone LF made
 * `newline`, the text must read without a problem as more than one row. Changing an LF inside quotes
 * changes nothing papaparse reports, so only an LF outside them can make the difference. Gives the last
 * cell of the first of those rows (where the LF ends it) and the line breaks before that LF in the record.
 */
function loneLineFeedCause(
  text: string,
  from: number,
  end: number,
  newline: '\r\n' | '\r',
  afterCr: boolean,
): { fieldIndex: number; linesBefore: number } | undefined {
  let mended = '';
  let last = from;
  for (let at = text.indexOf('\n', from); at !== -1 && at < end; at = text.indexOf('\n', at + 1)) {
    if (at === from ? afterCr : text.charCodeAt(at - 1) === 0x0d) continue;
    mended += text.slice(last, at) + newline;
    last = at + 1;
  }
  if (last === from) return undefined;
  mended += text.slice(last, end);
  const read = Papa.parse<string[]>(mended, dialect(newline));
  const first = read.data[0];
  if (read.errors.length > 0 || read.data.length < 2 || first === undefined) return undefined;
  const linesBefore = first.reduce((count, cell) => count + (cell.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
  return { fieldIndex: Math.max(0, first.length - 1), linesBefore };
}

/** Whether papaparse reads `text` (one record and its line break) without a quoting error. */
function cleanRecord(text: string, newline: CsvNewline): boolean {
  return Papa.parse(text, dialect(newline)).errors.length === 0;
}

/**
 * The line breaks inside the record `text[from, to)`, as an editor counts lines (CRLF once, a lone CR and a
 * lone LF once each), but for the one that ends the record (at `to`), which ends its last line, and an LF at
 * `from` completing a CRLF whose CR ended the record before (`afterCr`).
 */
function lineBreaksWithin(text: string, from: number, to: number, afterCr: boolean): number {
  let count = 0;
  // One step a character of this record (a search with indexOf could run on to the end of the text for each).
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0d || (c === 0x0a && !(i === from ? afterCr : text.charCodeAt(i - 1) === 0x0d))) count++;
  }
  const last = text.charCodeAt(to - 1);
  const endsLine = to > from && (last === 0x0d || (last === 0x0a && !(to - 1 === from && afterCr)));
  return endsLine ? count - 1 : count;
}

function describePapaError(error: Papa.ParseError, firstLine: number, lastLine: number): string {
  switch (error.code) {
    case 'MissingQuotes':
      return lastLine > firstLine
        ? `quoted field is never closed: lines ${firstLine}-${lastLine} were read into this one cell (missing closing double quote)`
        : 'quoted field is never closed (missing closing double quote)';
    case 'InvalidQuotes':
      // The cell goes on to the next quote that is followed by a comma or a line break, which may be
      // lines further down: those lines are then not rows of their own.
      return lastLine > firstLine
        ? `stray double quote: inside a quoted field a quote must be doubled (""); lines ${firstLine}-${lastLine} were read as this one row`
        : 'stray double quote: inside a quoted field a quote must be doubled ("")';
    default:
      return error.message;
  }
}

/** The line endings a CSV file may use. */
type CsvNewline = '\r\n' | '\r' | '\n';

/**
 * How far the first line break is looked for. A first line longer than this is a header no row schema
 * can match (a schema file holds at most 2 MiB), so the file is refused whatever the line ending; LF is
 * assumed, and the text is not held whole while its end is awaited.
 */
const NEWLINE_SEARCH_CHARS = 4 * 1024 ** 2;

/**
 * The most text parsed at once, in UTF-16 code units: a batch holds the records of at most this much text
 * (a record longer than it, the records of one record). A batch is alive while the checks go through it,
 * so the smaller it is, the less of it V8's young-generation collections find alive, copy and promote.
 * With a 1 MiB semi-space (the CLI's setting then, README, Memory), validating 10^6 rows read from 64 KiB pieces took 86
 * full collections and 4.3–4.9 s; in parts of 16 K, 24 and 3.2–3.3 s (Node 24, BENCHMARKS.md).
 */
export const PART_CHARS = 16_384;

/**
 * The text in parts of at most `most` code units: a longer piece is cut, a shorter one passes as it is.
 * A cut may fall anywhere, even between the halves of a surrogate pair: what a record has not finished is
 * joined to the next part before papaparse reads it (see `parse`).
 */
async function* inParts(text: AsyncIterable<string>, most: number): AsyncGenerator<string> {
  for await (const piece of text) {
    if (piece.length <= most) yield piece;
    else for (let start = 0; start < piece.length; start += most) yield piece.slice(start, start + most);
  }
}

/**
 * Reads just enough of the text to find its first line break and name the
 * file's line ending (CRLF, CR or LF; LF when there is none), then hands back
 * the whole text, nothing consumed.
 */
async function detectNewline(
  text: AsyncIterable<string>,
): Promise<{ newline: CsvNewline; text: AsyncIterable<string> }> {
  const iterator = text[Symbol.asyncIterator]();
  const seen: string[] = [];
  let read = 0;
  let newline: CsvNewline | undefined;
  let done = false;
  // A CR at the very end of what we have might be the first half of a CRLF: the next piece says.
  let pendingCr = false;
  // A byte that is no UTF-8 ends the text where it is: the text before it decides the line ending, and is
  // read as records before the error is thrown, so that it is told at the cell it breaks into.
  let broken: InvalidUtf8Error | undefined;
  while (!done && newline === undefined && read <= NEWLINE_SEARCH_CHARS) {
    let next: IteratorResult<string>;
    try {
      next = await iterator.next();
    } catch (error) {
      if (!(error instanceof InvalidUtf8Error)) throw error;
      broken = error;
      done = true;
      if (pendingCr) newline = '\r';
      break;
    }
    if (next.done === true) {
      done = true;
      if (pendingCr) newline = '\r';
      break;
    }
    const piece = next.value;
    seen.push(piece);
    read += piece.length;
    if (pendingCr) {
      if (piece.length === 0) continue;
      newline = piece.charCodeAt(0) === 10 ? '\r\n' : '\r';
      break;
    }
    // Only the new piece is searched: a first line of many pieces is not searched again each time.
    const at = /\r\n|\r|\n/.exec(piece);
    if (at === null) continue;
    if (at[0] === '\r' && at.index === piece.length - 1) pendingCr = true;
    else newline = at[0] as CsvNewline;
  }
  newline ??= '\n';
  async function* replay(): AsyncGenerator<string> {
    try {
      yield* seen;
      if (broken !== undefined) throw broken;
      if (done) return;
      for (let next = await iterator.next(); next.done !== true; next = await iterator.next())
        yield next.value;
    } finally {
      // Stopping early must reach the source, so that it can close its file or connection.
      await iterator.return?.();
    }
  }

  return { newline, text: replay() };
}
