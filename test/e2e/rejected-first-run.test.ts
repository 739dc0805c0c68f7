import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, makeWorkspace, publishWorkspace } from '../support/workspace.js';

describe('a first publish in which no dataset is valid', () => {
  it('writes nothing to the fresh folder, says so, and the run after the fix publishes as a first run', async () => {
    const ws = await makeWorkspace();
    const file = path.join(ws.data, 'trade.csv');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace(',2002,turnover,', ',20O2,turnover,'));

    const rejected = await publishWorkspace(ws, 'trade');

    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('trade.csv:3:2: [type-error] year: "20O2" is not an integer');
    expect(rejected.stdout).toMatch(/^trade +rejected/m);
    expect(rejected.stdout).toContain(`nothing published, so nothing was written to `);
    expect(rejected.stdout).not.toContain('catalog.json');
    expect(rejected.stdout).not.toContain('index.html');
    // No empty catalog or site that a reader, or verify, could take for a publication.
    expect(existsSync(ws.out) ? await readdir(ws.out, { recursive: true }) : []).toEqual([]);
    const verify = await cli('verify', ws.out);
    expect(verify.code).not.toBe(0);

    await writeFile(file, original);
    const fixed = await publishWorkspace(ws, 'trade');

    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stdout).toMatch(/^trade +published 1\.0\.0 \(initial, \d+ rows\)/m);
    expect(fixed.stdout).toContain('catalog.json updated in ');
    expect((await cli('verify', ws.out)).code).toBe(0);
  });

  it('leaves a tree that has a catalog as it was, the rejected dataset listed as before', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws, 'trade')).code).toBe(0);
    const catalog = await readFile(path.join(ws.out, 'catalog.json'), 'utf8');
    const file = path.join(ws.data, 'trade.csv');
    await writeFile(file, (await readFile(file, 'utf8')).replace(',2002,turnover,', ',20O2,turnover,'));

    const rejected = await publishWorkspace(ws, 'trade');

    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toContain('catalog.json unchanged in ');
    expect(await readFile(path.join(ws.out, 'catalog.json'), 'utf8')).toBe(catalog);
  });
});
