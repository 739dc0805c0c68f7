import { existsSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ScratchDirectory, ScratchSpaceError } from '../../lambda/core/scratch.js';

/** A write the disk refuses, as a full one does. */
function refuseWrites(file: object): void {
  const handle = (file as { handle: FileHandle }).handle;
  handle.write = (() =>
    Promise.reject(
      Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
    )) as FileHandle['write'];
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

describe('a scratch file whose write fails (disk full)', () => {
  it('reports the failure on close, with no unhandled rejection in between, and is removed', async () => {
    process.on('unhandledRejection', onUnhandled);
    const scratch = await ScratchDirectory.create();
    const file = await scratch.createFile('rows.jsonl');
    refuseWrites(file);

    // More than one flush's worth: the write is handed to the file system and not awaited here.
    await file.write('x'.repeat((1 << 20) + 1));
    // Give the failed write time to settle while nothing waits on it, as a renderer busy elsewhere would.
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));

    expect(unhandled).toEqual([]);
    await expect(file.close()).rejects.toThrow(ScratchSpaceError);
    await expect(file.close()).rejects.toThrow(/ENOSPC/);
    await scratch.dispose();
    expect(existsSync(scratch.path)).toBe(false);
  });
});
