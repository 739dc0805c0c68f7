import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeUtf8Strict, InvalidUtf8Error } from '../../lambda/core/utf8.js';
import { cutBytes } from '../support/byte-pieces.js';

/** What decoding gives: the text, or where the error says the first bad byte is. */
async function outcome(
  chunks: Uint8Array[],
): Promise<string | { byteOffset: number; line: number; column: number }> {
  async function* source(): AsyncGenerator<Uint8Array> {
    for (const chunk of chunks) yield chunk;
  }
  let text = '';
  try {
    for await (const piece of decodeUtf8Strict(source())) text += piece;
    return text;
  } catch (error) {
    if (!(error instanceof InvalidUtf8Error)) throw error;
    return { byteOffset: error.byteOffset, line: error.line, column: error.column };
  }
}

/** Text with line breaks of every kind and characters of one to four bytes. */
const text = fc.string({
  unit: fc.oneof(
    fc.constantFrom('a', ',', '\n', '\r', '\r\n', 'é', 'ә', '€', '🇦🇿', '𝄞'),
    fc.string({ unit: 'grapheme', maxLength: 3 }),
  ),
  maxLength: 60,
});

/** Bytes that break UTF-8: a stray continuation, a lead without its tail, overlong forms, a surrogate, Latin-1. */
const badBytes = fc.constantFrom(
  [0x80],
  [0xc3],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x87],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xe9],
  [0xff],
);

describe('strict UTF-8 decoding of a stream', () => {
  it('gives the same text or the same error however the bytes are cut into chunks', async () => {
    await fc.assert(
      fc.asyncProperty(
        text,
        fc.option(fc.tuple(badBytes, fc.nat()), { nil: undefined }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (value, bad, offsets) => {
          let bytes = new TextEncoder().encode(value);
          if (bad !== undefined) {
            const [inserted, where] = bad;
            const at = where % (bytes.length + 1);
            bytes = Uint8Array.from([...bytes.subarray(0, at), ...inserted, ...bytes.subarray(at)]);
          }
          const whole = await outcome([bytes]);
          expect(await outcome(cutBytes(bytes, offsets))).toEqual(whole);
          // One byte at a time: every sequence straddles chunks.
          expect(await outcome([...bytes].map((byte) => Uint8Array.of(byte)))).toEqual(whole);
          if (bad === undefined) expect(whole).toBe(value.startsWith('\ufeff') ? value.slice(1) : value);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('names the line and column of the first bad byte, counted over all the text before it', async () => {
    await fc.assert(
      fc.asyncProperty(
        text,
        badBytes,
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (value, inserted, where, offsets) => {
          const good = new TextEncoder().encode(value);
          const at = where % (good.length + 1);
          const bytes = Uint8Array.from([...good.subarray(0, at), ...inserted, ...good.subarray(at)]);
          const found = await outcome(cutBytes(bytes, offsets));
          if (typeof found === 'string') throw new Error(`decoded ${JSON.stringify(found)} without an error`);
          // Pieces of one, two and three bytes as well: a CR ends a piece or sits inside one, and its LF, or
          // another character, starts the next.
          for (const size of [1, 2, 3]) {
            const pieces = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) =>
              bytes.subarray(i * size, (i + 1) * size),
            );
            expect(await outcome(pieces)).toEqual(found);
          }
          // Everything before the first bad byte decodes; its lines and the units after the last break say where it is.
          const before = new TextDecoder('utf-8', { fatal: true }).decode(
            bytes.subarray(0, found.byteOffset),
          );
          const lines = before.split(/\r\n|\r|\n/);
          expect({ line: found.line, column: found.column }).toEqual({
            line: lines.length,
            column: (lines.at(-1) ?? '').length + 1,
          });
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('a file that is not UTF-8', () => {
  const messageOf = async (bytes: Uint8Array, size: number): Promise<string> => {
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
    }
    try {
      for await (const piece of decodeUtf8Strict(source())) void piece;
    } catch (error) {
      if (error instanceof InvalidUtf8Error) return error.message;
      throw error;
    }
    return 'decoded';
  };

  it('says a UTF-16 file (Excel\'s "Unicode Text") may be one, however its bytes arrive', async () => {
    const utf16 = Buffer.from('\ufeffid,year\n', 'utf16le');
    for (const size of [1, 2, 64])
      expect(await messageOf(utf16, size)).toBe(
        'invalid UTF-8 byte sequence at byte offset 0: the file starts with byte FF, which no UTF-8 text has and a UTF-16 one does (Excel\'s "Unicode Text" is UTF-16): save it as "CSV UTF-8"',
      );
  });

  it('says only that it must be UTF-8 where nothing tells which encoding it has', async () => {
    const latin1 = Buffer.from('éte,year\n', 'latin1');
    expect(await messageOf(latin1, 64)).toBe(
      'invalid UTF-8 byte sequence at byte offset 0: the file must be saved as UTF-8',
    );
  });
});
