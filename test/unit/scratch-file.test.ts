import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ScratchDirectory } from '../../lambda/core/scratch.js';

let scratch: ScratchDirectory | undefined;
afterEach(async () => {
  await scratch?.dispose();
  scratch = undefined;
});

/** Pieces of text and bytes, more than one flush's worth in all, with characters of two to four bytes. */
const pieces: (string | Uint8Array)[] = [
  'ə,Қазақстан,🇦🇿\n',
  new TextEncoder().encode('x'.repeat((1 << 20) + 3)),
  '',
  Uint8Array.of(0, 255, 10),
  'end\n',
];
const expected = Buffer.concat(pieces.map((piece) => Buffer.from(piece)));

describe('a scratch file', () => {
  it('closes into a body whose size and SHA-256 are those of the bytes written, and which reads them back', async () => {
    scratch = await ScratchDirectory.create();
    const file = await scratch.createFile('version.csv');
    for (const piece of pieces) await file.write(piece);

    const body = await file.close();

    expect(body.bytes).toBe(expected.byteLength);
    expect(body.sha256).toBe(createHash('sha256').update(expected).digest('hex'));
    const read: Buffer[] = [];
    for await (const chunk of body.open()) read.push(Buffer.from(chunk));
    expect(Buffer.concat(read).equals(expected)).toBe(true);
    expect(await file.close()).toBe(body);
  });

  it('keeps every byte, in order, whatever the sizes of the pieces written, as it fills and reuses its buffers', async () => {
    scratch = await ScratchDirectory.create();
    const directory = scratch;
    // Text of one to four bytes a character, short and long (past a whole buffer), and raw bytes.
    const piece = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'ə', 'Қ', '🇦', '\n', '"'), maxLength: 40 }),
      fc
        .tuple(fc.constantFrom('x', 'ə', '🇦🇿'), fc.integer({ min: 1, max: 700_000 }))
        .map(([unit, n]) => unit.repeat(n)),
      fc.uint8Array({ maxLength: 3000 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 30 }), async (pieces) => {
        const file = await directory.createFile('mixed.txt');
        const reused = new Uint8Array(3000);
        for (const p of pieces) {
          if (typeof p === 'string') await file.write(p);
          else {
            // The writer's own buffer, filled again after each write: the file must have copied it.
            reused.set(p);
            await file.write(reused.subarray(0, p.byteLength));
            reused.fill(0xee);
          }
        }
        const body = await file.close();
        const all = Buffer.concat(pieces.map((p) => Buffer.from(p)));
        const written = await readFile(body.file ?? '');
        expect(written.equals(all)).toBe(true);
        expect(body.bytes).toBe(all.byteLength);
        expect(body.sha256).toBe(createHash('sha256').update(all).digest('hex'));
      }),
      { seed: 51208, numRuns: 60 },
    );
  });

  it('created without a digest, is ended and read by its path, and cannot be closed into a body', async () => {
    scratch = await ScratchDirectory.create();
    const file = await scratch.createFile('rows.jsonl', { digest: false });
    for (const piece of pieces) await file.write(piece);

    await file.end();
    await file.end();

    expect((await readFile(file.path)).equals(expected)).toBe(true);
    await expect(file.close()).rejects.toThrow(/written without a digest: end\(\) it instead/);
    await expect(file.write('more')).rejects.toThrow(/is closed/);
  });

  it('refuses writes once closed, and a close once abandoned', async () => {
    scratch = await ScratchDirectory.create();
    const closed = await scratch.createFile('a.csv');
    await closed.close();
    await expect(closed.write('x')).rejects.toThrow(/is closed/);

    const abandoned = await scratch.createFile('b.csv');
    await abandoned.write('x');
    await abandoned.abandon();
    await expect(abandoned.close()).rejects.toThrow(/was abandoned/);
    await expect(abandoned.end()).rejects.toThrow(/was abandoned/);
  });
});
