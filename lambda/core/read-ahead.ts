import { open } from 'node:fs/promises';

/** How a file is read ahead of its reader: the size of each piece, and how many are asked for at once. */
export interface ReadAheadOptions {
  readonly pieceBytes: number;
  /**
   * Reads in flight while the reader works on the piece it has. Each read of a piece is a round trip to
   * the file system's threads; one at a time, the reader waits out every one of them.
   * @default 4
   */
  readonly depth?: number;
}

/**
 * The bytes of the file at `path` from its start, in pieces of `pieceBytes` (the last one shorter), as a
 * stream of it would give them, with up to `depth` reads in flight at the next positions. A short read
 * (the end of the file) is taken as a sequential reader would take it: the reads after it are dropped
 * and reading goes on from where it ended, until a read finds nothing. Each piece is a new buffer, the
 * reader's to keep. The file is closed once every read begun has settled, however the reading stops.
 */
export async function* readAhead(path: string, options: ReadAheadOptions): AsyncGenerator<Buffer> {
  const { pieceBytes } = options;
  const depth = Math.max(1, options.depth ?? 4);
  const handle = await open(path, 'r');
  // Reads asked for, in file order. Each is marked handled at once: one that fails while an earlier
  // piece is being taken is reported when its turn comes, not as an unhandled rejection.
  let pending: { readonly position: number; readonly read: Promise<Buffer> }[] = [];
  let next = 0;
  const ask = (): void => {
    const position = next;
    next += pieceBytes;
    const buffer = Buffer.allocUnsafeSlow(pieceBytes);
    const read = handle
      .read(buffer, 0, pieceBytes, position)
      .then(({ bytesRead }) => buffer.subarray(0, bytesRead));
    read.catch(() => undefined);
    pending.push({ position, read });
  };
  try {
    for (;;) {
      while (pending.length < depth) ask();
      const { position, read } = pending.shift() as (typeof pending)[number];
      const piece = await read;
      if (piece.length === 0) return;
      if (piece.length < pieceBytes) {
        // Reads begun past a short one would skip what lies between: they are dropped, and the next
        // read starts where this one stopped.
        await Promise.allSettled(pending.map((later) => later.read));
        pending = [];
        next = position + piece.length;
      }
      yield piece;
    }
  } finally {
    await Promise.allSettled(pending.map((later) => later.read));
    await handle.close();
  }
}
