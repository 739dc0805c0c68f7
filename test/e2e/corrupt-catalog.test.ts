/**
 * A published catalog.json hand-edited into one a run cannot use is named at its line and column, however
 * it went wrong: a run reads the catalog with JSON.parse alone, and reads it again as the curated documents
 * are read only where its shape is wrong, to say where.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, makeWorkspace, publishWorkspace } from '../support/workspace.js';

describe('a published catalog hand-edited to hold a number past a 64-bit float', () => {
  it('is named by publish at its line and column, not as a count that "must be integer, found null"', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws, 'trade')).code).toBe(0);
    const file = path.join(ws.out, 'catalog.json');
    const published = await readFile(file, 'utf8');
    const edited = published.replace(/"rows": \d+/, '"rows": 1e400');
    expect(edited).not.toBe(published);
    await writeFile(file, edited);

    const { code, stderr } = await publishWorkspace(ws, 'trade');

    expect(code).toBe(1);
    expect(stderr).toMatch(/catalog\.json:\d+:\d+ in the published tree/);
    expect(stderr).toContain('the number 1e400 is beyond what a 64-bit float holds');
  });
});

describe('a published catalog hand-edited and saved with a byte that is not UTF-8', () => {
  it('is refused by publish at its line and column, as verify refuses it, and no page takes U+FFFD from it', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws, 'trade')).code).toBe(0);
    const file = path.join(ws.out, 'catalog.json');
    const published = await readFile(file);
    // A Latin-1 editor writes "ä" as the single byte E4 in the dataset's title.
    const at = published.indexOf('"title": "Kazakh-Azerbaijani bilateral trade');
    expect(at).toBeGreaterThan(0);
    const edited = Buffer.from(published);
    edited[at + '"title": "K'.length] = 0xe4;
    await writeFile(file, edited);
    const index = await readFile(path.join(ws.out, 'index.html'));

    const { code, stderr } = await publishWorkspace(ws, 'trade');

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /catalog\.json:\d+:\d+ in the published tree: is not UTF-8 text \(an invalid byte sequence at byte offset \d+\)/,
    );
    expect(await readFile(path.join(ws.out, 'index.html'))).toEqual(index);
    expect(await readFile(file)).toEqual(edited);

    const verified = await cli('verify', ws.out);
    expect(verified.code).toBe(1);
    expect(verified.stderr).toMatch(/catalog\.json: at line \d+, column \d+: is not UTF-8 text/);
  });
});
