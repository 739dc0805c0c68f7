import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readAhead } from '../../lambda/core/read-ahead.js';
import { makeTempDirSync } from '../support/temp-dir.js';
import { descriptorsOn } from '../support/open-descriptors.js';

async function collect(pieces: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const got: Buffer[] = [];
  for await (const piece of pieces) got.push(piece);
  return got;
}

describe('a file read ahead of its reader', () => {
  const directory = makeTempDirSync('read-ahead-');

  it('gives every byte once, in order, in pieces of the size asked for but the last, whatever the depth', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 6 }),
        async (bytes, pieceBytes, depth) => {
          const file = path.join(directory, `file-${run++}`);
          await writeFile(file, bytes);
          const pieces = await collect(readAhead(file, { pieceBytes, depth }));
          expect(Buffer.concat(pieces).equals(Buffer.from(bytes))).toBe(true);
          expect(pieces.slice(0, -1).every((piece) => piece.length === pieceBytes)).toBe(true);
          expect(pieces.every((piece) => piece.length > 0)).toBe(true);
          expect(pieces.length).toBe(Math.ceil(bytes.length / pieceBytes));
          expect(descriptorsOn(file)).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('gives each piece in a buffer of its own, which later reads do not overwrite', async () => {
    const file = path.join(directory, 'kept');
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, index) => index % 251));
    await writeFile(file, bytes);
    const kept = await collect(readAhead(file, { pieceBytes: 7, depth: 5 }));
    expect(Buffer.concat(kept).equals(bytes)).toBe(true);
    expect(new Set(kept.map((piece) => piece.buffer)).size).toBe(kept.length);
  });

  it('reads on from where a short read stopped, as a stream would, when the file grows after it', async () => {
    const file = path.join(directory, 'growing');
    await writeFile(file, 'abcdefghij'); // 10 bytes: reads at 0, 4, 8 (short), and 12 past the end
    const pieces: string[] = [];
    for await (const piece of readAhead(file, { pieceBytes: 4, depth: 4 })) {
      pieces.push(piece.toString());
      if (pieces.length === 3) await appendFile(file, 'KLMNOPQ');
    }
    expect(pieces.join('')).toBe('abcdefghijKLMNOPQ');
    expect(pieces).toEqual(['abcd', 'efgh', 'ij', 'KLMN', 'OPQ']);
  });

  it('closes the file when the reader stops early, once the reads in flight have settled', async () => {
    const file = path.join(directory, 'stopped');
    await writeFile(file, Buffer.alloc(4096, 1));
    for await (const piece of readAhead(file, { pieceBytes: 16, depth: 6 })) {
      expect(piece.length).toBe(16);
      break;
    }
    expect(descriptorsOn(file)).toEqual([]);
  });

  it('fails with what the file system said, and closes the file, when a read fails', async () => {
    const folder = path.join(directory, 'a-folder');
    await mkdir(folder);
    await expect(collect(readAhead(folder, { pieceBytes: 8, depth: 3 }))).rejects.toMatchObject({
      code: 'EISDIR',
    });
    expect(descriptorsOn(folder)).toEqual([]);
  });
});
