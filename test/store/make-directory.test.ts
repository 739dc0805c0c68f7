import { existsSync, statSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirectory } from '../../lambda/store/file-system.js';
import { cli } from '../support/workspace.js';
import { makeTempDir } from '../support/temp-dir.js';
import { within } from '../support/within.js';

/** Linux's /proc exists and refuses new entries with ENOENT, where Node's recursive mkdir retried for ever. */
const PROC = process.platform === 'linux' && existsSync('/proc/self') ? '/proc' : undefined;

describe('makeDirectory', () => {
  it('creates missing parents, and accepts a folder or a link to one that is already there', async () => {
    const root = await makeTempDir('opendata-mkdir-');
    const deep = path.join(root, 'a', 'b', 'c');
    await makeDirectory(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    await makeDirectory(deep);
    await symlink(deep, path.join(root, 'link'));
    await makeDirectory(path.join(root, 'link'));
    // Ten at once, as concurrent puts make the same parents.
    await Promise.all(Array.from({ length: 10 }, () => makeDirectory(path.join(root, 'x', 'y', 'z'))));
    expect(statSync(path.join(root, 'x', 'y', 'z')).isDirectory()).toBe(true);
  });

  it('refuses a file in the way with EEXIST, and a file as a parent with ENOTDIR', async () => {
    const root = await makeTempDir('opendata-mkdir-');
    await writeFile(path.join(root, 'file'), 'x');
    await expect(makeDirectory(path.join(root, 'file'))).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(makeDirectory(path.join(root, 'file', 'below'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await mkdir(path.join(root, 'dir'));
    await symlink(path.join(root, 'missing'), path.join(root, 'dangling'));
    await expect(makeDirectory(path.join(root, 'dangling'))).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it.skipIf(PROC === undefined)(
    'gives up with ENOENT where a parent refuses new entries (/proc)',
    async () => {
      await expect(within(5_000, makeDirectory('/proc/opendata-test/below'))).rejects.toMatchObject({
        code: 'ENOENT',
      });
    },
  );

  it.skipIf(PROC === undefined)(
    'publish --out under /proc ends with an error naming the folder',
    async () => {
      const result = await within(60_000, cli('publish', '--out', '/proc/opendata-test'));
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('/proc/opendata-test');
    },
    90_000,
  );
});
