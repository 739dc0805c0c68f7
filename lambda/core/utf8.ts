import { OpenDataError } from './errors.js';

/** The input is not valid UTF-8; the location is of the first offending byte. */
export class InvalidUtf8Error extends OpenDataError {
  override readonly name = 'InvalidUtf8Error';
  readonly code = 'invalid-utf8';
  constructor(
    /** 0-based offset of the first invalid byte in the whole input. */
    readonly byteOffset: number,
    /** 1-based line of that byte. */
    readonly line: number,
    /** 1-based character column of that byte within its line. */
    readonly column: number,
    /** The first byte of the input, when it is the offending one: it may tell which encoding the file has. */
    private readonly firstByte?: number,
    /** In a CSV, the 0-based cell of the record the byte is in, as the CSV reader finds it ({@link inCell}). */
    readonly fieldIndex?: number,
  ) {
    super(
      firstByte === 0xff || firstByte === 0xfe
        ? `invalid UTF-8 byte sequence at byte offset ${byteOffset}: the file starts with byte ${firstByte.toString(16).toUpperCase()}, which no UTF-8 text has and a UTF-16 one does (Excel's "Unicode Text" is UTF-16): save it as "CSV UTF-8"`
        : `invalid UTF-8 byte sequence at byte offset ${byteOffset}: the file must be saved as UTF-8`,
    );
  }

  /** The same error, told of the CSV cell (0-based, in its record) the byte is in. */
  inCell(fieldIndex: number): InvalidUtf8Error {
    return new InvalidUtf8Error(this.byteOffset, this.line, this.column, this.firstByte, fieldIndex);
  }
}

/**
 * Decodes a byte stream as strict UTF-8, chunk by chunk, without holding the
 * whole input. A leading byte-order mark is dropped. Throws
 * {@link InvalidUtf8Error} naming the byte offset, line and column of the first
 * invalid sequence (Windows-1251 or Latin-1 bytes, truncated sequences), once
 * the text before it has been yielded: every byte before the bad one is read,
 * however the input is cut into chunks, so that a reader of the text can say
 * where in it the bad byte is (the CSV reader: in which cell).
 */
export async function* decodeUtf8Strict(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  // The native decoder is the fast path; our own scan runs only after it fails, to locate the byte.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const position = new TextPosition();
  let bytesBefore = 0;
  let tail: Uint8Array = new Uint8Array(0); // last ≤3 bytes of the previous chunk: an incomplete sequence may start there
  for await (const chunk of chunks) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      const { before, error } = locate(concat(tail, chunk), tail.length, bytesBefore, position);
      if (before.length > 0) yield before;
      throw error;
    }
    position.advance(text);
    if (text.length > 0) yield text;
    bytesBefore += chunk.length;
    tail = lastBytes(tail, chunk, 3);
  }
  try {
    const rest = decoder.decode();
    if (rest.length > 0) yield rest;
  } catch {
    const { before, error } = locate(tail, tail.length, bytesBefore, position);
    if (before.length > 0) yield before;
    throw error;
  }
}

/**
 * Decodes a whole document held in memory (a schema, a descriptor, `site.json`, the catalog) as strict UTF-8,
 * a leading byte-order mark dropped. Throws {@link InvalidUtf8Error} naming the byte offset, line and column
 * of the first invalid sequence, where a lenient decoder would put U+FFFD in its place and carry on.
 */
export function decodeUtf8Document(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    // Only the decoder's refusal of a byte is located; anything else (a text too long for a string) is not ours.
    if (!(error instanceof TypeError)) throw error;
    throw locate(bytes, 0, 0, new TextPosition()).error;
  }
}

/** What a JSON document's first byte that is not UTF-8 says: "is not UTF-8 text", and at which byte. */
export function notUtf8Message(error: InvalidUtf8Error): string {
  return `is not UTF-8 text (an invalid byte sequence at byte offset ${error.byteOffset})`;
}

/**
 * Builds the error for a failed chunk, and the text between what was yielded and the bad byte. `bytes` is
 * the carried-over tail (`tailLength` bytes, already counted in `bytesBefore`) followed by the chunk.
 */
function locate(
  bytes: Uint8Array,
  tailLength: number,
  bytesBefore: number,
  position: TextPosition,
): { before: string; error: InvalidUtf8Error } {
  const at = firstInvalidUtf8Byte(bytes, tailLength);
  // The position has reached the end of the text decoded so far; a sequence the decoder still held
  // (begun in the carried-over bytes, not yet text) is counted from its start.
  const from = Math.min(heldSequenceStart(bytes.subarray(0, tailLength)), at);
  // A byte-order mark is dropped at the start of the input only, as the stream's decoder drops it.
  const atStart = bytesBefore - tailLength + from === 0;
  const before = new TextDecoder('utf-8', { ignoreBOM: !atStart }).decode(bytes.subarray(from, at));
  position.advance(before);
  const offset = bytesBefore - tailLength + at;
  return {
    before,
    error: new InvalidUtf8Error(offset, position.line, position.column, offset === 0 ? bytes[at] : undefined),
  };
}

/**
 * Index of the first byte in `bytes` that starts an invalid or truncated UTF-8
 * sequence. The first `carried` bytes were carried over from earlier input, which
 * decoded: continuation bytes leading them end a sequence that began before, and
 * are skipped. A continuation byte after them (or at the very start of the input)
 * is a stray one, and is the answer. Returns `bytes.length` if none is found.
 */
export function firstInvalidUtf8Byte(bytes: Uint8Array, carried = 0): number {
  let i = 0;
  while (i < bytes.length && i < carried && ((bytes[i] ?? 0) & 0xc0) === 0x80) i++;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    const length = sequenceLength(lead);
    if (length === 0) return i;
    if (i + length > bytes.length) return i;
    for (let k = 1; k < length; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    if (!validSecondByte(lead, bytes[i + 1] ?? 0)) return i;
    i += length;
  }
  return bytes.length;
}

/**
 * Where, in bytes carried over from input that decoded, an incomplete sequence starts (the bytes the
 * decoder holds until the rest arrives); their length when they end with a complete character.
 */
function heldSequenceStart(carried: Uint8Array): number {
  for (let i = carried.length - 1; i >= 0 && i >= carried.length - 3; i--) {
    const byte = carried[i] ?? 0;
    if ((byte & 0xc0) === 0x80) continue;
    return sequenceLength(byte) > carried.length - i ? i : carried.length;
  }
  return carried.length;
}

function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** Rejects overlong forms, UTF-16 surrogates and code points above U+10FFFF. */
function validSecondByte(lead: number, second: number): boolean {
  if (lead === 0xe0) return second >= 0xa0;
  if (lead === 0xed) return second <= 0x9f;
  if (lead === 0xf0) return second >= 0x90;
  if (lead === 0xf4) return second <= 0x8f;
  return true;
}

/**
 * The last `count` bytes of `a` followed by `b`, copied: only what is kept is copied, never the whole chunk
 * (the chunk's memory may be reused by its stream once it is handed on).
 */
function lastBytes(a: Uint8Array, b: Uint8Array, count: number): Uint8Array {
  if (b.length >= count) return Uint8Array.from(b.subarray(b.length - count));
  return concat(a, b).slice(-count);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Tracks the 1-based line and column reached in a text read piece by piece (LF, CRLF and CR all end a line;
 * the column counts UTF-16 code units). Line breaks are found with `indexOf`, so a piece costs a native
 * search per line rather than a step of JavaScript per character.
 */
class TextPosition {
  line = 1;
  column = 1;
  private lastWasCr = false;

  advance(text: string): void {
    if (text.length === 0) return;
    const lastBreak = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
    if (lastBreak < 0) {
      this.column += text.length;
      this.lastWasCr = false;
      return;
    }
    for (let at = text.indexOf('\r'); at >= 0; at = text.indexOf('\r', at + 1)) this.line++;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) {
      const afterCr = at === 0 ? this.lastWasCr : text.charCodeAt(at - 1) === 13;
      if (!afterCr) this.line++;
    }
    this.column = text.length - lastBreak;
    this.lastWasCr = lastBreak === text.length - 1 && text.charCodeAt(lastBreak) === 13;
  }
}
