import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, makeWorkspace, publishWorkspace } from '../support/workspace.js';

// Folders of a published tree replaced by symbolic links, as a user saving space or tidying might: a run
// writes only into the tree's own folders, never through a link into a version's folder or out of the tree.

type Workspace = Awaited<ReturnType<typeof makeWorkspace>>;

/** An ordinary edit of trade's notes, so that a new version is due. */
async function editTrade(ws: Workspace): Promise<void> {
  const csv = path.join(ws.data, 'trade.csv');
  await writeFile(csv, (await readFile(csv, 'utf8')).replace(/,false,,([A-Z])/, ',false,,Edited: $1'));
}

/** Every file under `dir` with its bytes, by relative path. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) {
      const file = path.join(entry.parentPath, entry.name);
      files[path.relative(dir, file)] = (await readFile(file)).toString('base64');
    }
  return files;
}

describe('a published tree whose folders are symbolic links', () => {
  it("publishes a new version without writing through latest/ linked to the previous version's folder", async () => {
    // Prepare
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws)).code).toBe(0);
    const trade = path.join(ws.out, 'datasets', 'trade');
    const previous = await snapshot(path.join(trade, '1.0.0'));
    await rm(path.join(trade, 'latest'), { recursive: true });
    await symlink('1.0.0', path.join(trade, 'latest'));
    await editTrade(ws);

    // Act
    const run = await publishWorkspace(ws);
    const verify = await cli('verify', ws.out);

    // Assess: the version's files as published, latest/ a folder of its own holding the new version.
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^trade +published 1\.0\.1/m);
    expect(await snapshot(path.join(trade, '1.0.0'))).toEqual(previous);
    expect((await lstat(path.join(trade, 'latest'))).isDirectory()).toBe(true);
    expect(await readFile(path.join(trade, 'latest', 'trade.csv'))).toEqual(
      await readFile(path.join(trade, '1.0.1', 'trade.csv')),
    );
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('replaces latest/, chart-data/ and cite/ linked out of the tree by folders, leaving what they led to alone', async () => {
    // Prepare: the three linked to one folder of the user's, which holds a file of theirs and copies.
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws)).code).toBe(0);
    const trade = path.join(ws.out, 'datasets', 'trade');
    const mine = path.join(ws.root, 'mine');
    await mkdir(mine);
    await writeFile(path.join(mine, 'notes.txt'), 'mine\n');
    await cp(path.join(trade, '1.0.0'), mine, { recursive: true });
    const theirs = await snapshot(mine);
    for (const folder of ['latest', 'chart-data', 'cite']) {
      await rm(path.join(trade, folder), { recursive: true });
      await symlink(mine, path.join(trade, folder));
    }

    // Act: once with the data as published, once with a new version due.
    const repair = await publishWorkspace(ws);
    await editTrade(ws);
    const next = await publishWorkspace(ws);
    const verify = await cli('verify', ws.out);

    // Assess
    expect(repair.code, repair.stderr).toBe(0);
    expect(repair.stdout).toContain(`  ${path.join(trade, 'latest', 'trade.csv')}`);
    expect(next.code, next.stderr).toBe(0);
    for (const folder of ['latest', 'chart-data', 'cite'])
      expect((await lstat(path.join(trade, folder))).isDirectory(), folder).toBe(true);
    expect(await snapshot(mine)).toEqual(theirs);
    expect(verify.code, verify.stderr).toBe(0);
  });

  it("refuses to write through a dataset's folder linked out of the tree, naming the link", async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws)).code).toBe(0);
    const trade = path.join(ws.out, 'datasets', 'trade');
    const moved = path.join(ws.root, 'trade-moved');
    await cp(trade, moved, { recursive: true });
    await rm(trade, { recursive: true });
    await symlink(moved, trade);
    const before = await snapshot(moved);
    await editTrade(ws);

    const run = await publishWorkspace(ws);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `(datasets/trade is a symbolic link to ${moved}, which leads out of the tree`,
    );
    expect(await snapshot(moved)).toEqual(before);
  });

  it('refuses a catalog linked out of the tree before anything is written, naming the link', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws)).code).toBe(0);
    const catalog = path.join(ws.out, 'catalog.json');
    const kept = path.join(ws.root, 'catalog.json');
    await cp(catalog, kept);
    await rm(catalog);
    await symlink(kept, catalog);
    await editTrade(ws);

    const run = await publishWorkspace(ws);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `catalog.json in the published tree is no file (a symbolic link to ${kept} is there, which leads out of the tree`,
    );
    expect(existsSync(path.join(ws.out, 'datasets', 'trade', '1.0.1'))).toBe(false);
  });

  it('names a folder that stands where a file of latest/ goes, and keeps what it holds', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws)).code).toBe(0);
    const json = path.join(ws.out, 'datasets', 'trade', 'latest', 'trade.json');
    await rm(json);
    await mkdir(json);
    await writeFile(path.join(json, 'notes.txt'), 'mine\n');

    const run = await publishWorkspace(ws);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      '"datasets/trade/latest/trade.json" is a folder in the tree, where the file goes: move it away and run again',
    );
    expect(await readFile(path.join(json, 'notes.txt'), 'utf8')).toBe('mine\n');
  });

  it("keeps a version's file linked to another version's identical file, and refuses one linked to latest/", async () => {
    // Prepare: two versions, whose validation.json is the same file (a note edited); then 1.0.0's shares
    // 1.0.1's, and 1.0.1's CSV is made a link to latest/'s, which the next version writes again.
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws, 'trade')).code).toBe(0);
    await editTrade(ws);
    expect((await publishWorkspace(ws, 'trade')).code).toBe(0);
    const trade = path.join(ws.out, 'datasets', 'trade');
    const shared = path.join(trade, '1.0.0', 'validation.json');
    expect(await readFile(shared)).toEqual(await readFile(path.join(trade, '1.0.1', 'validation.json')));
    await rm(shared);
    await symlink('../1.0.1/validation.json', shared);
    const sharing = await cli('verify', ws.out);
    const csv = path.join(trade, '1.0.1', 'trade.csv');
    const published = await readFile(csv);
    await rm(csv);
    await symlink('../latest/trade.csv', csv);
    await editTrade(ws);

    // Act: a new version is due, whose latest/ would change what the link leads to.
    const run = await publishWorkspace(ws, 'trade');
    const verify = await cli('verify', ws.out);

    // Assess: the link between versions passed verify; the one to latest/ does not pass publish or verify.
    expect(sharing.code, sharing.stdout + sharing.stderr).toBe(0);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "a file the catalog lists is not in place: datasets/trade/1.0.1/trade.csv (a symbolic link to ../latest/trade.csv is there, which leads to datasets/trade/latest/trade.csv: no version's file, so it may be written again, where a version's file never changes). Nothing was listed",
    );
    expect(run.stderr).not.toContain('1.0.0/validation.json');
    // Refused before the commit: 1.0.2 is not listed, and what 1.0.1's link leads to is still 1.0.1's CSV.
    const catalog = JSON.parse(await readFile(path.join(ws.out, 'catalog.json'), 'utf8')) as {
      datasets: { id: string; latest: string }[];
    };
    expect(catalog.datasets.find((entry) => entry.id === 'trade')?.latest).toBe('1.0.1');
    expect(await readFile(csv)).toEqual(published);
    expect(verify.code).toBe(1);
    expect(verify.stdout + verify.stderr).toContain("which is no version's file and may be written again");
  });

  it.skipIf(process.platform !== 'linux')(
    "refuses before the commit a previous version's file replaced by a named pipe, naming it",
    async () => {
      const ws = await makeWorkspace();
      expect((await publishWorkspace(ws, 'trade')).code).toBe(0);
      const csv = path.join(ws.out, 'datasets', 'trade', '1.0.0', 'trade.csv');
      await rm(csv);
      execFileSync('mkfifo', [csv]);
      await editTrade(ws);

      const run = await publishWorkspace(ws, 'trade');

      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        'a file the catalog lists is not in place: datasets/trade/1.0.0/trade.csv (there is a named pipe, not a file)',
      );
      expect(run.stdout).not.toMatch(/published 1\.0\.1/);
    },
  );
});
