import { Readable } from 'node:stream';
import Papa from 'papaparse';

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

const HIGH_WATER = 1024;

/** Streams records one at a time; see {@link readCsvRecordBatches}. */
export async function* readCsvRecords(text: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  for await (const batch of readCsvRecordBatches(text)) yield* batch;
}

/**
 * Streams RFC 4180 records out of decoded text with papaparse, in batches of
 * whatever has been parsed since the consumer last asked (so the per-record
 * cost of async iteration is paid once per batch). Line numbers follow the
 * file, counting line breaks inside quoted fields, so errors point at the line
 * a user sees in an editor. LF, CRLF and CR files read the same. The source
 * stream is paused while more than {@link HIGH_WATER} records wait to be
 * consumed, so memory stays bounded.
 */
export async function* readCsvRecordBatches(text: AsyncIterable<string>): AsyncGenerator<CsvRecord[]> {
  const queue: CsvRecord[] = [];
  let finished = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  let parserHandle: Papa.Parser | undefined;
  let paused = false;
  let nextLine = 1;

  const notify = (): void => {
    wake?.();
    wake = undefined;
  };

  // papaparse would guess the line ending from its first chunk, which may be a single byte;
  // we decide it from the first line break instead, however the text arrives.
  const { newline, text: wholeText } = await detectNewline(text);
  const source = Readable.from(wholeText, { objectMode: false });
  source.on('error', (error: unknown) => {
    failure = error;
    finished = true;
    notify();
  });

  Papa.parse<string[]>(source as unknown as File /* papaparse's Node stream overload is untyped */, {
    delimiter: ',',
    quoteChar: '"',
    escapeChar: '"',
    header: false,
    dynamicTyping: false,
    skipEmptyLines: false,
    newline,
    step(results, parser) {
      parserHandle = parser;
      const fields = results.data;
      const breaks = fields.reduce((sum, field) => sum + countLineBreaks(field), 0);
      const problems = results.errors.map((error) => ({
        fieldIndex: Math.max(0, fields.length - 1),
        message: describePapaError(error, nextLine, nextLine + breaks),
      }));
      queue.push({ line: nextLine, fields, problems });
      nextLine += 1 + breaks;
      if (queue.length >= HIGH_WATER && !paused) {
        paused = true;
        parser.pause();
      }
      notify();
    },
    complete() {
      finished = true;
      notify();
    },
    error(error: Error) {
      failure = error;
      finished = true;
      notify();
    },
  });

  try {
    while (true) {
      if (queue.length > 0) {
        const batch = queue.splice(0, queue.length);
        if (paused) {
          paused = false;
          parserHandle?.resume();
        }
        yield batch;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (finished) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    // A reader that stops early (a limit, an encoding error) releases the source: file handle or S3 socket.
    if (!finished) {
      parserHandle?.abort();
      source.destroy();
    }
  }
}

/** Line breaks inside a field: CRLF counts once, lone CR and LF once each. */
function countLineBreaks(field: string): number {
  let count = 0;
  for (let i = field.indexOf('\n'); i !== -1; i = field.indexOf('\n', i + 1)) count++;
  for (let i = field.indexOf('\r'); i !== -1; i = field.indexOf('\r', i + 1)) {
    if (field.charCodeAt(i + 1) !== 10) count++;
  }
  return count;
}

function describePapaError(error: Papa.ParseError, firstLine: number, lastLine: number): string {
  switch (error.code) {
    case 'MissingQuotes':
      return lastLine > firstLine
        ? `quoted field is never closed: lines ${firstLine}-${lastLine} were read into this one cell (missing closing double quote)`
        : 'quoted field is never closed (missing closing double quote)';
    case 'InvalidQuotes':
      return 'stray double quote: inside a quoted field a quote must be doubled ("")';
    default:
      return error.message;
  }
}

/**
 * Reads just enough of the text to find its first line break and name the
 * file's line ending (CRLF, CR or LF; LF when there is none), then hands back
 * the whole text, nothing consumed.
 */
async function detectNewline(
  text: AsyncIterable<string>,
): Promise<{ newline: '\r\n' | '\r' | '\n'; text: AsyncIterable<string> }> {
  const iterator = text[Symbol.asyncIterator]();
  const seen: string[] = [];
  let buffered = '';
  let done = false;
  // A CR at the very end of what we have might be the first half of a CRLF: read one more piece.
  while (!done && !/\n|\r[^]/.test(buffered)) {
    const next = await iterator.next();
    if (next.done === true) done = true;
    else {
      seen.push(next.value);
      buffered += next.value;
    }
  }
  const first = /\r\n|\r|\n/.exec(buffered)?.[0];
  const newline = first === '\r\n' || first === '\r' ? first : '\n';
  async function* replay(): AsyncGenerator<string> {
    try {
      yield* seen;
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
