import { OpenDataError } from './errors.js';
import { LineCutter, type JsonLines } from './row-source.js';
import type { ByteSink } from './scratch.js';

/** Array items are handed to the sink in pieces of about this many bytes. */
const FLUSH_BYTES = 1 << 16;

/** What goes before an array's first item, and between items: each item on a line of its own. */
const FIRST_ITEM = Buffer.from('\n    ');
const NEXT_ITEM = Buffer.from(',\n    ');

/**
 * Writes a JSON object whose large arrays are streamed: the `head` properties
 * first, pretty-printed with two spaces as `JSON.stringify(head, null, 2)`
 * would, then each streamed array as a property of its own, one compact item
 * per line. Items arrive already serialised, as the bytes of JSON lines (a
 * spill file's, see {@link JsonLines}), and are copied as they are. The
 * result is one ordinary JSON document; only one batch of items is in memory
 * at a time.
 */
export async function writeJsonObject(
  sink: ByteSink,
  head: Readonly<Record<string, unknown>>,
  arrays: readonly (readonly [name: string, items: AsyncIterable<JsonLines>])[],
): Promise<void> {
  const pretty = JSON.stringify(head, null, 2);
  const headBody = pretty === '{}' ? '' : pretty.slice(2, -2); // the properties, without the braces
  await sink.write(`{\n${headBody}`);
  let first = headBody === '';
  for (const [name, items] of arrays) {
    await sink.write(`${first ? '' : ',\n'}  ${JSON.stringify(name)}: [`);
    first = false;
    const text = new ItemText(sink);
    for await (const pieces of items) for (const piece of pieces) await text.addLines(piece);
    await text.flush();
    await sink.write(text.empty ? ']' : '\n  ]');
  }
  await sink.write('\n}\n');
}

/**
 * An array's items as they are written: each line of the JSON lines given, after the separator that
 * puts it on a line of its own, copied into one buffer of {@link FLUSH_BYTES} that is handed to the sink
 * whenever it is full and then filled again (a sink keeps a copy of what it is given, never the chunk).
 */
class ItemText {
  empty = true;
  readonly #buffer = Buffer.allocUnsafe(FLUSH_BYTES);
  #used = 0;

  constructor(private readonly sink: ByteSink) {}

  /** Adds each `\n`-terminated line of `piece` as an item. */
  async addLines(piece: Uint8Array): Promise<void> {
    const bytes = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    for (let start = 0; start < bytes.length;) {
      let end = bytes.indexOf(0x0a, start);
      if (end === -1) end = bytes.length;
      const separator = this.empty ? FIRST_ITEM : NEXT_ITEM;
      this.empty = false;
      if (this.#used + separator.length + (end - start) > this.#buffer.length) await this.flush();
      this.#copy(separator, 0, separator.length);
      if (end - start > this.#buffer.length - this.#used) {
        // A line longer than the buffer goes to the sink as it is, after what is buffered.
        await this.flush();
        await this.sink.write(bytes.subarray(start, end));
      } else this.#copy(bytes, start, end);
      start = end + 1;
    }
  }

  /** Hands what is buffered to the sink. */
  async flush(): Promise<void> {
    if (this.#used === 0) return;
    const used = this.#used;
    this.#used = 0;
    await this.sink.write(this.#buffer.subarray(0, used));
  }

  #copy(source: Buffer, start: number, end: number): void {
    source.copy(this.#buffer, this.#used, start, end);
    this.#used += end - start;
  }
}

/**
 * Lines longer than this are not read as {@link writtenArrayItems} reads lines: an item that long (or a
 * file without line breaks) is left to a streaming parser, which holds one value rather than one line.
 */
const LONGEST_ITEM_LINE = 1 << 24;

/** Text that is not laid out as {@link writeJsonObject} lays out a streamed array (see {@link writtenArrayItems}). */
export class NotWrittenLayoutError extends OpenDataError {
  override readonly name = 'NotWrittenLayoutError';
  readonly code = 'not-written-layout';
}

/**
 * The items of `name`, the last array of a JSON object as {@link writeJsonObject} writes it, read back as
 * the JSON text of each (one line each), in batches as the chunks arrive: the lines before the array's
 * own (`  "name": [` at the top level, which a string can never make, its line breaks being escaped) are
 * passed over; each item is on a line of its own, indented four spaces, all but the last followed by a
 * comma; then `  ]` and `}` end the document. Any other text, a line over 16 MiB, or a document that
 * ends too soon throws a {@link NotWrittenLayoutError}, after which a streaming JSON parser can read the
 * document instead: the items handed over before then are to be dropped. JSON files of other layouts
 * (written by other means, or changed) end here, and are not for this to judge further: the text of each
 * item is the caller's to parse.
 */
export async function* writtenArrayItems(
  chunks: AsyncIterable<Uint8Array>,
  name: string,
): AsyncGenerator<string[]> {
  const opening = `  ${JSON.stringify(name)}: [`;
  let part: 'head' | 'items' | 'last item' | 'closed' | 'ended' = 'head';
  // The chunk's buffer may be the reader's to fill again.
  const cutter = new LineCutter({ reusedChunks: true });
  for await (const chunk of chunks) {
    const lines = cutter.wholeLines(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (cutter.carriedBytes > LONGEST_ITEM_LINE) throw new NotWrittenLayoutError('a line over 16 MiB');
    const items: string[] = [];
    for (const piece of lines)
      for (const line of piece.toString('utf8', 0, piece.length - 1).split('\n')) {
        if (part === 'head') {
          if (line === opening) part = 'items';
          else if (line === `${opening}]`) part = 'closed';
        } else if (part === 'items' && line.startsWith('    ')) {
          if (line.endsWith(',')) items.push(line.slice(4, -1));
          else {
            items.push(line.slice(4));
            part = 'last item';
          }
        } else if (part === 'last item' && line === '  ]') part = 'closed';
        else if (part === 'closed' && line === '}') part = 'ended';
        else throw new NotWrittenLayoutError(`an unexpected line after the ${part} part`);
      }
    if (items.length > 0) yield items;
  }
  if (part !== 'ended' || cutter.carriedBytes > 0)
    throw new NotWrittenLayoutError('the document ends too soon');
}
