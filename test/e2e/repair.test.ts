import { appendFile, readFile, rm } from 'node:fs/promises';
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
      '3 files of latest/, the pages, feed or DCAT catalog were missing or out of date, and written again',
    );
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
});
