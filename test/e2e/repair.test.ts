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
    expect(again.code).toBe(0);
    expect(await readFile(file('datasets/trade/1.0.0/trade.csv'))).toEqual(version);
    expect(await readFile(file('datasets/trade/latest/trade.csv'))).toEqual(version);
    expect(await readFile(file('datasets/trade/index.html'), 'utf8')).toContain('1.0.0');
    expect(verify.code, verify.stderr).toBe(0);
  });
});
