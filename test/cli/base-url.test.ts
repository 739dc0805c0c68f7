import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import { checkCatalogShape } from '../../lambda/core/catalog-shape.js';
import { cli, makeWorkspace, publishWorkspace, readJson, treeDigest } from '../support/workspace.js';

const SITE = 'https://data.example.org/';
const MOVED = 'https://opendata.example.net/kz-az/';
const LOCAL = 'http://127.0.0.1:8080/';

/** The files a base URL appears in: the feed, the DCAT catalog and a dataset page (schema.org metadata). */
const LINKED = ['feed.xml', 'catalog.jsonld', 'datasets/trade/index.html'];

async function linkedText(out: string): Promise<string> {
  return (await Promise.all(LINKED.map((file) => readFile(path.join(out, file), 'utf8')))).join('\n');
}

/** Every file of every version folder (`datasets/<id>/<x.y.z>/…`): what a base URL must never change. */
function versionFiles(digest: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(digest).filter(([file]) => /^datasets\/[^/]+\/\d+\.\d+\.\d+\//.test(file)),
  );
}

describe('the base URL belongs to the published tree', () => {
  it('is recorded by the run given it and kept by a run without it, which then writes nothing', async () => {
    const ws = await makeWorkspace();

    const first = await publishWorkspace(ws, 'trade', '--base-url', 'https://data.example.org');
    const recorded = await treeDigest(ws.out);
    const again = await publishWorkspace(ws, 'trade');

    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Base URL ${SITE} recorded in catalog.json; later runs keep it`);
    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    expect(catalog.baseUrl).toBe(SITE);
    expect(checkCatalogShape(catalog).ok).toBe(true);
    expect(catalog.datasets[0]?.versions[0]?.distributions[0]?.url).toBe(
      `${SITE}datasets/trade/1.0.0/trade.csv`,
    );
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
    expect(again.stdout).toMatch(/^catalog\.json unchanged in /m);
    expect(await treeDigest(ws.out)).toEqual(recorded);
    const linked = await linkedText(ws.out);
    expect(linked).toContain(`${SITE}datasets/trade/`);
    expect(linked).not.toContain(LOCAL);
  });

  it('changes only when another one is given: pages, feed, DCAT and download URLs move, no version file changes', async () => {
    const ws = await makeWorkspace();
    await publishWorkspace(ws, 'trade', '--base-url', SITE);
    const csv = path.join(ws.data, 'trade.csv');
    await writeFile(
      csv,
      (await readFile(csv, 'utf8')).replace("One item of the paper's", "An item of the paper's"),
    );
    await publishWorkspace(ws, 'trade'); // 1.0.1, under the recorded base URL
    const before = await treeDigest(ws.out);

    const moved = await publishWorkspace(ws, 'trade', '--base-url', MOVED);

    expect(moved.code).toBe(0);
    expect(moved.stdout).toMatch(/^trade +unchanged 1\.0\.1$/m);
    expect(moved.stdout).toContain(
      `Base URL changed from ${SITE} to ${MOVED}: pages, feed, DCAT catalog and download URLs follow it; no version file changed`,
    );
    const after = await treeDigest(ws.out);
    expect(versionFiles(after)).toEqual(versionFiles(before));
    expect(Object.keys(versionFiles(after))).toContain('datasets/trade/1.0.0/trade.csv');
    for (const file of ['catalog.json', ...LINKED]) expect(after[file], file).not.toBe(before[file]);
    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    expect(catalog.baseUrl).toBe(MOVED);
    const urls = catalog.datasets.flatMap((d) =>
      d.versions.flatMap((v) => v.distributions.map((f) => f.url)),
    );
    expect(urls.length).toBeGreaterThan(10);
    expect(urls.every((url) => url?.startsWith(`${MOVED}datasets/trade/1.0.`))).toBe(true);
    const linked = await linkedText(ws.out);
    expect(linked).toContain(`${MOVED}datasets/trade/`);
    expect(linked).not.toContain(SITE);
    expect((await cli('verify', ws.out)).code).toBe(0);
  });

  it('warns, in one line, while none was ever given: absolute URLs then say 127.0.0.1', async () => {
    const ws = await makeWorkspace();

    const { code, stderr } = await publishWorkspace(ws, 'trade');

    expect(code).toBe(0);
    expect(stderr.split('\n')).toEqual([
      `opendata: warning: no base URL recorded for this tree, so the absolute URLs of its feed, DCAT catalog and page metadata say ${LOCAL}; publish once with --base-url https://… to record the site's address`,
    ]);
    expect((await readJson<Catalog>(path.join(ws.out, 'catalog.json'))).baseUrl).toBeUndefined();
    expect(await linkedText(ws.out)).toContain(LOCAL);
  });

  it('is found in a tree published before it was recorded, from its download URLs', async () => {
    const ws = await makeWorkspace();
    await publishWorkspace(ws, 'trade', '--base-url', SITE);
    // A catalog as runs wrote it before the base URL was recorded: the same, without "baseUrl".
    const file = path.join(ws.out, 'catalog.json');
    const legacy = await readJson<Record<string, unknown>>(file);
    delete legacy.baseUrl;
    await writeFile(file, `${JSON.stringify(legacy, null, 2)}\n`);

    const { code, stderr } = await publishWorkspace(ws, 'trade');

    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect((await readJson<Catalog>(file)).baseUrl).toBe(SITE);
    expect(await linkedText(ws.out)).not.toContain(LOCAL);
  });

  it.each([
    ['data.example.org', '--base-url must be an http(s) URL, not "data.example.org"'],
    ['ftp://data.example.org/', '--base-url must be an http(s) URL, not "ftp://data.example.org/"'],
    ['https://data.example.org/?v=1', 'no query or fragment'],
    ['https://user:secret@data.example.org/', 'no user name or password'],
    ['https://user@data.example.org/', 'no user name or password'],
  ])('refuses %j before writing anything', async (url, message) => {
    const ws = await makeWorkspace();

    const { code, stderr } = await publishWorkspace(ws, 'trade', '--base-url', url);

    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  // Each was taken by the URL parser as written and published, and the catalog written with it then failed
  // its schema's "uri" format: the run exited 1 after listing its versions, and every later run (given a
  // good base URL or none) and verify refused the catalog.
  it.each([
    'https://data.example.org/%zz/',
    'https://data.example.org/a%2/',
    'https://data.example.org/[x]/',
    'https://data.example.org/a|b/',
  ])('refuses %j, which the catalog could not record, before writing anything', async (url) => {
    const ws = await makeWorkspace();

    const { code, stderr } = await publishWorkspace(ws, 'trade', '--base-url', url);

    expect(code).toBe(2);
    expect(stderr).toContain(`--base-url "${url}" would be recorded as`);
    expect(stderr).toContain('which schemas/catalog.schema.json refuses for baseUrl');
    expect(await treeDigest(ws.out)).toEqual({});
  });

  it('still takes a base URL with a non-ASCII host, which the catalog records in its ASCII form', async () => {
    const ws = await makeWorkspace();

    expect((await publishWorkspace(ws, 'trade', '--base-url', 'https://dätä.example.org/kz')).code).toBe(0);

    expect((await readJson<Catalog>(path.join(ws.out, 'catalog.json'))).baseUrl).toBe(
      'https://xn--dt-viab.example.org/kz/',
    );
    expect((await cli('verify', ws.out)).code).toBe(0);
  });
});
