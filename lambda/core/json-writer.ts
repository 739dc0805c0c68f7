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
    const text = new ItemText();
    for await (const pieces of items) {
      for (const piece of pieces) text.addLines(piece);
      for (const chunk of text.take(false)) await sink.write(chunk);
    }
    for (const chunk of text.take(true)) await sink.write(chunk);
    await sink.write(text.empty ? ']' : '\n  ]');
  }
  await sink.write('\n}\n');
}

/**
 * An array's items as they are written: each line of the JSON lines given, after the separator that
 * puts it on a line of its own, copied into buffers of {@link FLUSH_BYTES} that are handed over whole
 * (a sink may keep what it is given).
 */
class ItemText {
  empty = true;
  #full: Uint8Array[] = [];
  #buffer = Buffer.allocUnsafe(FLUSH_BYTES);
  #used = 0;

  /** Adds each `\n`-terminated line of `piece` as an item. */
  addLines(piece: Uint8Array): void {
    const bytes = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    for (let start = 0; start < bytes.length;) {
      let end = bytes.indexOf(0x0a, start);
      if (end === -1) end = bytes.length;
      this.#copy(this.empty ? FIRST_ITEM : NEXT_ITEM, 0, this.empty ? FIRST_ITEM.length : NEXT_ITEM.length);
      this.#copy(bytes, start, end);
      this.empty = false;
      start = end + 1;
    }
  }

  /** The filled buffers, and with `all` the one being filled too. */
  take(all: boolean): Uint8Array[] {
    if (all || this.#used >= FLUSH_BYTES) this.#cut(FLUSH_BYTES);
    const full = this.#full;
    this.#full = [];
    return full;
  }

  #copy(source: Buffer, start: number, end: number): void {
    const length = end - start;
    if (this.#used + length > this.#buffer.length) this.#cut(Math.max(FLUSH_BYTES, length));
    source.copy(this.#buffer, this.#used, start, end);
    this.#used += length;
  }

  /** Puts the buffer being filled with the full ones and starts one of `size` bytes. */
  #cut(size: number): void {
    if (this.#used > 0) this.#full.push(this.#buffer.subarray(0, this.#used));
    this.#buffer = Buffer.allocUnsafe(size);
    this.#used = 0;
  }
}
