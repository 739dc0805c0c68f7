import type { JsonLines } from './row-source.js';
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
