import type { ByteSink } from './scratch.js';

/** Array items are handed to the sink in pieces of about this many characters. */
const FLUSH_CHARS = 1 << 16;

/**
 * Writes a JSON object whose large arrays are streamed: the `head` properties
 * first, pretty-printed with two spaces as `JSON.stringify(head, null, 2)`
 * would, then each streamed array as a property of its own, one compact item
 * per line. Items arrive already serialised (`JSON.stringify(item)`, as spill
 * files hold them). The result is one ordinary JSON document; only one batch
 * of items is in memory at a time.
 */
export async function writeJsonObject(
  sink: ByteSink,
  head: Readonly<Record<string, unknown>>,
  arrays: readonly (readonly [name: string, items: AsyncIterable<readonly string[]>])[],
): Promise<void> {
  const pretty = JSON.stringify(head, null, 2);
  const headBody = pretty === '{}' ? '' : pretty.slice(2, -2); // the properties, without the braces
  await sink.write(`{\n${headBody}`);
  let first = headBody === '';
  for (const [name, items] of arrays) {
    let text = `${first ? '' : ',\n'}  ${JSON.stringify(name)}: [`;
    first = false;
    let empty = true;
    for await (const batch of items) {
      for (const item of batch) {
        text += `${empty ? '' : ','}\n    ${item}`;
        empty = false;
      }
      if (text.length >= FLUSH_CHARS) {
        await sink.write(text);
        text = '';
      }
    }
    await sink.write(`${text}${empty ? ']' : '\n  ]'}`);
  }
  await sink.write('\n}\n');
}
