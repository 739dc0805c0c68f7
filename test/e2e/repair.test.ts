import { existsSync } from 'node:fs';
import { appendFile, copyFile, lstat, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, makeWorkspace, publishWorkspace } from '../support/workspace.js';

describe('publish repairs what a hand edit of the derived files broke, never a version', () => {
  it('puts back an edited or deleted latest/ file and page, leaving the version files as listed', async () => {
    // Prepare
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws, 'trade')).code).toBe(0);
    const file = (key: string) => path.join(ws.out, ...key.split('/'));
    const version = await readFile(file('datasets/trade/1.0.0/trade.csv'));
    await appendFile(file('datasets/trade/latest/trade.csv'), 'edited in place,\n');
    await rm(file('datasets/trade/latest/trade.json'));
    await rm(file('datasets/trade/index.html'));

    // Act
    const again = await publishWorkspace(ws, 'trade');
    const verify = await cli('verify', ws.out);

    // Assess
    expect(again.stdout).toMatch(/^trade +unchanged 1\.0\.0$/m);
    expect(again.stdout).toContain(
      '3 files drawn from the catalog (latest/, pages, charts, citations, feed, DCAT catalog) were missing or out of date, and written:',
    );
    // Each named, on a line of its own.
    for (const key of [
      'datasets/trade/latest/trade.csv',
      'datasets/trade/latest/trade.json',
      'datasets/trade/index.html',
    ])
      expect(again.stdout.split('\n')).toContain(`  ${file(key)}`);
    expect(again.code).toBe(0);
    expect(await readFile(file('datasets/trade/1.0.0/trade.csv'))).toEqual(version);
    expect(await readFile(file('datasets/trade/latest/trade.csv'))).toEqual(version);
    expect(await readFile(file('datasets/trade/index.html'), 'utf8')).toContain('1.0.0');
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('says what to do about a version file that was changed by hand: restore it, since no run rewrites it', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws, 'trade')).code).toBe(0);
    await appendFile(path.join(ws.out, 'datasets', 'trade', '1.0.0', 'trade.csv'), 'edited in place,\n');

    const again = await publishWorkspace(ws, 'trade');

    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/datasets\/trade\/1\.0\.0\/trade\.csv: has \d+ bytes; the catalog says \d+/);
    expect(again.stderr).toContain(
      "a published file must never change, and no run rewrites one: restore it from a copy (a backup, or the bucket's version history on S3), then run verify",
    );
  });

  it('refuses to work out a new version from a previous version file changed since it was published', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws, 'trade')).code).toBe(0);
    const json = path.join(ws.out, 'datasets', 'trade', '1.0.0', 'trade.json');
    const published = await readFile(json, 'utf8');
    // A value no version ever had, in a file that is still valid JSON.
    const tampered = published.replace(
      /"value_musd": ?([0-9.]+)/,
      (_, value: string) => `"value_musd": ${value}9`,
    );
    expect(tampered).not.toBe(published);
    await writeFile(json, tampered);
    // An ordinary edit of the curator's notes, so that a new version is due.
    const csv = path.join(ws.data, 'trade.csv');
    await writeFile(csv, (await readFile(csv, 'utf8')).replace(/,false,,([A-Z])/, ',false,,Edited: $1'));

    const again = await publishWorkspace(ws, 'trade');

    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /datasets\/trade\/1\.0\.0\/trade\.json has sha256 [0-9a-f]{64} \(\d+ bytes\); the catalog says [0-9a-f]{64}/,
    );
    expect(again.stderr).toContain('so nothing was published: restore it');
    expect(existsSync(path.join(ws.out, 'datasets', 'trade', '1.0.1'))).toBe(false);
    const catalog = JSON.parse(await readFile(path.join(ws.out, 'catalog.json'), 'utf8')) as {
      datasets: { id: string; versions: { version: string }[] }[];
    };
    expect(catalog.datasets.find((entry) => entry.id === 'trade')?.versions.map((v) => v.version)).toEqual([
      '1.0.0',
    ]);
  });

  it('says to restore a missing file the pages are drawn from, and keeps the new version it listed before', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws)).code).toBe(0);
    const stats = path.join(ws.out, 'datasets', 'visits', '1.0.0', 'stats.json');
    const backup = path.join(ws.root, 'stats.json');
    await copyFile(stats, backup);
    await rm(stats);
    const csv = path.join(ws.data, 'trade.csv');
    await writeFile(csv, (await readFile(csv, 'utf8')).replace(/,false,,([A-Z])/, ',false,,Edited: $1'));

    const failed = await publishWorkspace(ws);

    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      'datasets/visits/1.0.0/stats.json is listed in the catalog but missing from the store',
    );
    expect(failed.stderr).toContain("(the catalog lists this run's new versions)");
    // Said once, not again as its own cause.
    expect(failed.stderr.split('is listed in the catalog but missing').length).toBe(2);
    expect(failed.stderr).toContain('restore it from a copy');
    const catalog = JSON.parse(await readFile(path.join(ws.out, 'catalog.json'), 'utf8')) as {
      datasets: { id: string; latest: string }[];
    };
    expect(catalog.datasets.find((entry) => entry.id === 'trade')?.latest).toBe('1.0.1');

    await copyFile(backup, stats);
    const again = await publishWorkspace(ws);
    const verify = await cli('verify', ws.out);

    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^trade +unchanged 1\.0\.1$/m);
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('says the catalog lists the new version when a derived file cannot be written after the commit', async () => {
    // Prepare: a folder where the trade page goes, holding a file of someone's, then a new version due.
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws)).code).toBe(0);
    const page = path.join(ws.out, 'datasets', 'trade', 'index.html');
    await rm(page);
    await mkdir(page);
    await writeFile(path.join(page, 'notes.txt'), 'mine\n');
    const csv = path.join(ws.data, 'trade.csv');
    await writeFile(csv, (await readFile(csv, 'utf8')).replace(/,false,,([A-Z])/, ',false,,Edited: $1'));

    // Act
    const failed = await publishWorkspace(ws);

    // Assess: the failure names the file and what the catalog now lists, and nothing of the folder is lost.
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(
      '"datasets/trade/index.html" is a folder in the tree, where the file goes: move it away and run again',
    );
    expect(failed.stderr).toContain("The catalog lists this run's new versions (datasets/trade/1.0.1/)");
    expect(failed.stderr).not.toContain('not listed');
    // What the run published is reported before what stopped it.
    expect(failed.stdout).toMatch(/^trade +published 1\.0\.1/m);
    const catalog = JSON.parse(await readFile(path.join(ws.out, 'catalog.json'), 'utf8')) as {
      datasets: { id: string; latest: string }[];
    };
    expect(catalog.datasets.find((entry) => entry.id === 'trade')?.latest).toBe('1.0.1');
    expect(await readFile(path.join(page, 'notes.txt'), 'utf8')).toBe('mine\n');

    // Once the folder is moved away, the next run finishes the rest.
    await rm(page, { recursive: true });
    const again = await publishWorkspace(ws);
    const verify = await cli('verify', ws.out);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^trade +unchanged 1\.0\.1$/m);
    expect(await readFile(page, 'utf8')).toContain('1.0.1');
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('replaces a derived file that is a symbolic link leading out of the tree, and leaves what it led to', async () => {
    // Prepare: latest/'s CSV and the page made links to identical copies outside the tree, which serve
    // would not follow.
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws, 'trade')).code).toBe(0);
    const file = (key: string) => path.join(ws.out, ...key.split('/'));
    const outside = (name: string) => path.join(ws.root, name);
    for (const [key, name] of [
      ['datasets/trade/latest/trade.csv', 'latest.csv'],
      ['datasets/trade/index.html', 'page.html'],
    ] as const) {
      await copyFile(file(key), outside(name));
      await rm(file(key));
      await symlink(outside(name), file(key));
    }

    // Act
    const again = await publishWorkspace(ws, 'trade');
    const verify = await cli('verify', ws.out);

    // Assess
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(
      '2 files drawn from the catalog (latest/, pages, charts, citations, feed, DCAT catalog) were missing or out of date, and written',
    );
    expect((await lstat(file('datasets/trade/latest/trade.csv'))).isFile()).toBe(true);
    expect((await lstat(file('datasets/trade/index.html'))).isFile()).toBe(true);
    expect(await readFile(outside('latest.csv'))).toEqual(
      await readFile(file('datasets/trade/1.0.0/trade.csv')),
    );
    expect(verify.code, verify.stderr).toBe(0);
  });

  it('refuses a version file that is a symbolic link leading out of the tree before the commit, saying what is there', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws, 'trade')).code).toBe(0);
    const version = path.join(ws.out, 'datasets', 'trade', '1.0.0', 'trade.csv');
    const copy = path.join(ws.root, 'trade.csv');
    await copyFile(version, copy);
    await rm(version);
    await symlink(copy, version);

    const again = await publishWorkspace(ws, 'trade');

    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      `a file the catalog lists is not in place: datasets/trade/1.0.0/trade.csv (a symbolic link to ${copy} is there, which leads out of the tree: no file is read or served through it)`,
    );
    expect(again.stderr).toContain('put each file itself there (from a backup');
    expect((await lstat(version)).isSymbolicLink()).toBe(true);
  });
});
