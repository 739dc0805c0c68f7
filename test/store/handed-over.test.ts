import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  chmod,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { objectMetaFor } from '../../lambda/core/content-policy.js';
import type { StreamedBody } from '../../lambda/core/object-store.js';
import { scratchBody } from '../../lambda/core/scratch.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { makeTempDir } from '../support/temp-dir.js';

// A version's rendered files are handed over with their bodies (StreamedBody.handedOver): a directory
// store moves them into place instead of copying them, and checks what it moved as it checks a copy.

const KEY = 'datasets/t/1.0.0/t.json';
const BYTES = Buffer.from('{"rows":[1,2,3]}\n'.repeat(5000));
const SHA256 = createHash('sha256').update(BYTES).digest('hex');

async function setUp(): Promise<{ store: LocalDirectoryStore; root: string; source: string }> {
  const root = await makeTempDir('opendata-handed-');
  const scratch = await makeTempDir('opendata-handed-scratch-');
  const source = path.join(scratch, 't.json');
  await writeFile(source, BYTES);
  return { store: new LocalDirectoryStore(root), root, source };
}

/** The body of the scratch file at `source`, handed over with it, as a version's rendered file is. */
const handedOver = (source: string): StreamedBody => ({
  ...scratchBody(source, BYTES.byteLength, SHA256),
  handedOver: true,
});

const fileAt = (root: string, key: string) => path.join(root, ...key.split('/'));

/** The names in the key's folder: the published file's, and any temporary file left behind. */
async function namesBeside(root: string, key: string): Promise<string[]> {
  return readdir(path.dirname(fileAt(root, key))).catch(() => []);
}

describe('a file handed over with its body', () => {
  it('is moved into place, not copied: the published file is the scratch file, and the store knows it', async () => {
    const { store, root, source } = await setUp();
    const { ino } = await stat(source);

    const outcome = await store.putIfAbsent(KEY, handedOver(source), objectMetaFor(KEY));

    expect(outcome).toBe('created');
    expect(existsSync(source)).toBe(false);
    const published = fileAt(root, KEY);
    expect((await stat(published)).ino).toBe(ino);
    expect(Buffer.compare(await readFile(published), BYTES)).toBe(0);
    expect(await store.knownContent(KEY)).toEqual({ bytes: BYTES.byteLength, sha256: SHA256 });
    expect(await namesBeside(root, KEY)).toEqual(['t.json']);
  });

  it('gets the permissions a new file gets, not the scratch file’s', async () => {
    const { store, root, source } = await setUp();
    const reference = 'datasets/t/1.0.0/reference.json';
    await store.putIfAbsent(reference, BYTES, objectMetaFor(reference));
    await chmod(source, 0o600);

    await store.putIfAbsent(KEY, handedOver(source), objectMetaFor(KEY));

    expect((await stat(fileAt(root, KEY))).mode).toBe((await stat(fileAt(root, reference))).mode);
  });

  it('is copied when it is not handed over: the scratch file stays where it was', async () => {
    const { store, root, source } = await setUp();

    await store.putIfAbsent(KEY, scratchBody(source, BYTES.byteLength, SHA256), objectMetaFor(KEY));

    expect(Buffer.compare(await readFile(source), BYTES)).toBe(0);
    expect((await stat(fileAt(root, KEY))).ino).not.toBe((await stat(source)).ino);
  });

  it('is refused when another name could still write it (a hard link): nothing is published, nothing left behind', async () => {
    const { store, root, source } = await setUp();
    await link(source, `${source}.other-name`);

    await expect(store.putIfAbsent(KEY, handedOver(source), objectMetaFor(KEY))).rejects.toThrow(
      /handed over as a file of its own, but is a file with 2 names/,
    );

    expect(existsSync(fileAt(root, KEY))).toBe(false);
    expect(await namesBeside(root, KEY)).toEqual([]);
    expect(Buffer.compare(await readFile(`${source}.other-name`), BYTES)).toBe(0);
  });

  it('is refused when it is a symbolic link, and what the link names is left alone', async () => {
    const { store, root, source } = await setUp();
    const target = `${source}.target`;
    await rm(source);
    await writeFile(target, BYTES);
    await symlink(target, source);

    await expect(store.putIfAbsent(KEY, handedOver(source), objectMetaFor(KEY))).rejects.toThrow(
      /handed over as a file of its own, but is not a regular file/,
    );

    expect(existsSync(fileAt(root, KEY))).toBe(false);
    expect(await namesBeside(root, KEY)).toEqual([]);
    expect((await lstat(target)).isFile()).toBe(true);
    expect(Buffer.compare(await readFile(target), BYTES)).toBe(0);
  });

  it('is refused when its bytes are not those its body declares, and nothing is published', async () => {
    const { store, root, source } = await setUp();
    await writeFile(source, 'X', { flag: 'r+' });

    await expect(store.putIfAbsent(KEY, handedOver(source), objectMetaFor(KEY))).rejects.toThrow(/SHA-256/);

    expect(existsSync(fileAt(root, KEY))).toBe(false);
    expect(await namesBeside(root, KEY)).toEqual([]);
  });

  it('is copied where it lies on another file system than the tree', async (context) => {
    const shm = '/dev/shm';
    const { store, root } = await setUp();
    if (!existsSync(shm) || (await stat(shm)).dev === (await stat(root)).dev)
      return context.skip(`no second file system at ${shm} beside ${root}`);
    const scratch = await mkdtemp(path.join(shm, 'opendata-handed-'));
    try {
      const source = path.join(scratch, 't.json');
      await writeFile(source, BYTES);

      await store.putIfAbsent(KEY, handedOver(source), objectMetaFor(KEY));

      expect(Buffer.compare(await readFile(fileAt(root, KEY)), BYTES)).toBe(0);
      expect(await store.knownContent(KEY)).toEqual({ bytes: BYTES.byteLength, sha256: SHA256 });
      expect(await namesBeside(root, KEY)).toEqual(['t.json']);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('is taken even when the key is taken: the file already there is left as it was', async () => {
    const { store, root, source } = await setUp();
    const other = Buffer.from('other bytes\n');
    await store.putIfAbsent(KEY, other, objectMetaFor(KEY));

    const outcome = await store.putIfAbsent(KEY, handedOver(source), objectMetaFor(KEY));

    expect(outcome).toBe('exists');
    expect(Buffer.compare(await readFile(fileAt(root, KEY)), other)).toBe(0);
    expect(await namesBeside(root, KEY)).toEqual(['t.json']);
  });

  it.for([
    ['gone', async (source: string) => rm(source)],
    [
      'a folder now',
      async (source: string) => {
        await rm(source);
        await mkdir(source);
      },
    ],
  ] as const)(
    'is refused, saying that another program changed the scratch folder, when it is %s',
    async ([, change]) => {
      const { store, root, source } = await setUp();
      await change(source);

      await expect(store.putIfAbsent(KEY, handedOver(source), objectMetaFor(KEY))).rejects.toThrow(
        /is gone or no file \((ENOENT|ENOTDIR|EISDIR)\): another program changed the run's scratch folder; nothing was published from it, run again/,
      );

      expect(existsSync(fileAt(root, KEY))).toBe(false);
      expect(await namesBeside(root, KEY)).toEqual([]);
    },
  );
});
