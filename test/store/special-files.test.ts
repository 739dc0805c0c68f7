import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { makeTempDir } from '../support/temp-dir.js';
import { within } from '../support/within.js';

/** Named pipes and /dev/zero exist where the tests run on Linux; elsewhere these are skipped. */
const LINUX = process.platform === 'linux' && existsSync('/dev/zero');

describe.skipIf(!LINUX)('a directory store where a file should be something else', () => {
  it.each([
    ['a named pipe', 'named pipe'],
    ['a link to /dev/zero', 'device'],
  ])('%s is refused at once by get, open, exists and head', async (name, kind) => {
    const root = await makeTempDir('opendata-special-');
    const file = path.join(root, 'x.csv');
    if (kind === 'named pipe') execFileSync('mkfifo', [file]);
    else await symlink('/dev/zero', file);
    const store = new LocalDirectoryStore(root);

    // Each call made only when it is awaited: a refusal nobody awaits yet would be an unhandled rejection.
    const calls: (() => Promise<unknown>)[] = [
      () => store.get('x.csv'),
      () => store.open('x.csv'),
      () => store.exists('x.csv'),
      () => store.head('x.csv'),
    ];
    for (const call of calls)
      await expect(within(5_000, call())).rejects.toThrow(`${file} is a ${kind}, not a regular file`);
  });

  it('still reads a regular file, and finds a directory missing', async () => {
    const root = await makeTempDir('opendata-special-');
    await writeFile(path.join(root, 'x.csv'), 'a,b\n');
    await mkdir(path.join(root, 'dir.csv'));
    const store = new LocalDirectoryStore(root);

    expect(new TextDecoder().decode((await store.get('x.csv'))?.body)).toBe('a,b\n');
    expect(await store.exists('x.csv')).toBe(true);
    expect(await store.exists('dir.csv')).toBe(false);
    expect(await store.get('dir.csv')).toBeUndefined();
  });
});
