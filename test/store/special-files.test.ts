import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { ContainedDirectoryReader } from '../../lambda/store/contained-directory-reader.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { makeTempDir } from '../support/temp-dir.js';
import { within } from '../support/within.js';

/** Named pipes and /dev/zero exist where the tests run on Linux; elsewhere these are skipped. */
const LINUX = process.platform === 'linux' && existsSync('/dev/zero');

/**
 * Each read of `x.csv` that must refuse at once, made only when it is awaited: a refusal nobody awaits yet
 * would be an unhandled rejection.
 */
function readsOf(store: LocalDirectoryStore): (() => Promise<unknown>)[] {
  return [
    () => store.get('x.csv'),
    () => store.open('x.csv'),
    () => store.exists('x.csv'),
    () => store.head('x.csv'),
  ];
}

describe.skipIf(!LINUX)('a directory store where a file should be something else', () => {
  it('a named pipe is refused at once by get, open, exists and head', async () => {
    const root = await makeTempDir('opendata-special-');
    const file = path.join(root, 'x.csv');
    execFileSync('mkfifo', [file]);
    const store = new LocalDirectoryStore(root);
    const kind = 'named pipe';

    for (const read of readsOf(store))
      await expect(within(5_000, read())).rejects.toThrow(`${file} is a ${kind}, not a regular file`);
  });

  it('a socket is refused at once by get, open, exists and head, and by the reader verify uses', async () => {
    const root = await makeTempDir('opendata-special-');
    const file = path.join(root, 'x.csv');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(file, resolve));
    try {
      const store = new LocalDirectoryStore(root);
      for (const read of readsOf(store))
        await expect(within(5_000, read())).rejects.toThrow(
          `${file} is a socket, not a regular file: the tree holds files only; move it away and run again`,
        );
      await expect(new ContainedDirectoryReader(root).open('x.csv')).rejects.toThrow(
        'is a socket, not a regular file: not read',
      );
      expect(await store.absenceOf('x.csv')).toBe('there is a socket, not a file');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it.each([
    ['/dev/zero', 'leads out of the tree'],
    ['../elsewhere.csv', 'leads out of the tree'],
    ['gone.csv', 'leads to no file'],
  ])(
    'a symbolic link to %s is no file there, as the site serves none through it, and says so',
    async (to, leads) => {
      const base = await makeTempDir('opendata-special-');
      const root = path.join(base, 'tree');
      await mkdir(root);
      await writeFile(path.join(base, 'elsewhere.csv'), 'a,b\n');
      await symlink(to, path.join(root, 'x.csv'));
      const store = new LocalDirectoryStore(root);

      expect(await within(5_000, store.get('x.csv'))).toBeUndefined();
      expect(await within(5_000, store.open('x.csv'))).toBeUndefined();
      expect(await within(5_000, store.head('x.csv'))).toBeUndefined();
      expect(await within(5_000, store.exists('x.csv'))).toBe(false);
      expect(await store.absenceOf('x.csv')).toBe(
        `a symbolic link to ${to} is there, which ${leads}: no file is read or served through it`,
      );
    },
  );

  it('reads a file through a symbolic link that stays inside the tree, as the site serves it', async () => {
    const root = await makeTempDir('opendata-special-');
    await mkdir(path.join(root, 'a'));
    await writeFile(path.join(root, 'a', 'kept.csv'), 'a,b\n');
    await symlink('a/kept.csv', path.join(root, 'x.csv'));
    const store = new LocalDirectoryStore(root);

    expect(new TextDecoder().decode((await store.get('x.csv'))?.body)).toBe('a,b\n');
    expect(await store.exists('x.csv')).toBe(true);
    expect((await store.head('x.csv'))?.bytes).toBe(4);
    expect(await store.absenceOf('x.csv')).toBeUndefined();
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
    expect(await store.absenceOf('dir.csv')).toBe('a folder is there');
  });
});
