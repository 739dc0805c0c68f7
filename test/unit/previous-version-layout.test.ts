/**
 * The previous version's rows are read from its `<id>.json` a line each, as the streamed JSON writer lays
 * them out, and by a streaming parser where the file is laid out otherwise (a tree published before the
 * rows were streamed, or a file rewritten by hand with the same rows and its catalog entry updated). Both
 * must give the same changes.json; a damaged file is still refused.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { publishDatasets } from '../../lambda/core/pipeline.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { sourceLocation } from '../support/local-sources.js';
import { readJson } from '../support/workspace.js';
import { writeSources, type TinyContent } from '../model/tiny-dataset.js';

const ID = 'tiny';
const roots: string[] = [];

afterEach(async () => {
  for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
});

const FIRST: TinyContent = {
  wide: false,
  rows: Array.from({ length: 40 }, (_, i) => ({
    id: `r-${String(i).padStart(3, '0')}`,
    n: i,
    note: i % 3 === 0 ? '' : `note ${i} Қазақ ✓`,
  })),
};

/** The first content with one row changed, one removed and one added. */
const SECOND: TinyContent = {
  wide: false,
  rows: [
    ...FIRST.rows
      .filter((row) => row.id !== 'r-005')
      .map((row) => (row.id === 'r-010' ? { ...row, n: 999 } : row)),
    { id: 'r-900', n: 7, note: 'new' },
  ],
};

async function publish(root: string, now: string) {
  const result = await publishDatasets({
    source: sourceLocation(root),
    store: new LocalDirectoryStore(path.join(root, 'public')),
    now: new Date(now),
  });
  return result.outcomes[0];
}

/** Publishes FIRST, lets `rewrite` change 1.0.0's JSON file (and its catalog entry), then publishes SECOND. */
async function secondVersion(
  rewrite: (text: string) => string,
  after: (text: string) => string = (text) => text,
) {
  const root = await mkdtemp(path.join(tmpdir(), 'previous-layout-'));
  roots.push(root);
  await writeSources(root, { siteTitle: 'Tiny', datasets: { [ID]: FIRST } }, [ID]);
  expect((await publish(root, '2026-01-01T00:00:00Z'))?.status).toBe('published');
  const key = `datasets/${ID}/1.0.0/${ID}.json`;
  const file = path.join(root, 'public', key);
  const text = rewrite(await readFile(file, 'utf8'));
  await writeFile(file, text);
  const catalogFile = path.join(root, 'public', 'catalog.json');
  const catalog = await readJson<{
    datasets: { versions: { distributions: { path: string; bytes: number; sha256: string }[] }[] }[];
  }>(catalogFile);
  for (const entry of catalog.datasets.flatMap((d) => d.versions.flatMap((v) => v.distributions)))
    if (entry.path === key) {
      entry.bytes = Buffer.byteLength(text);
      entry.sha256 = createHash('sha256').update(text).digest('hex');
    }
  await writeFile(catalogFile, `${JSON.stringify(catalog, null, 2)}\n`);
  await writeFile(file, after(text));
  await writeSources(root, { siteTitle: 'Tiny', datasets: { [ID]: SECOND } }, [ID]);
  const outcome = await publish(root, '2026-02-01T00:00:00Z');
  return { root, outcome, version: outcome?.status === 'published' ? outcome.version : undefined };
}

async function changesOf(root: string, version: string): Promise<unknown> {
  return readJson(path.join(root, 'public', 'datasets', ID, version, 'changes.json'));
}

describe("the previous version's rows", () => {
  it('give the same changes whether its JSON file is laid out a row a line or pretty-printed throughout', async () => {
    const asWritten = await secondVersion((text) => text);
    const pretty = await secondVersion((text) => `${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    const compact = await secondVersion((text) => JSON.stringify(JSON.parse(text)));

    for (const { version } of [asWritten, pretty, compact]) expect(version).toBe('1.0.1');
    const expected = await changesOf(asWritten.root, '1.0.1');
    expect(expected).toMatchObject({ summary: { added: 1, removed: 1, changed: 1 } });
    expect(await changesOf(pretty.root, '1.0.1')).toEqual(expected);
    expect(await changesOf(compact.root, '1.0.1')).toEqual(expected);
  });

  it('are refused from a file that is not what the catalog lists, in either layout', async () => {
    // Changed after its catalog entry was written: one row's count is not what the listed bytes hold.
    const tamper = (text: string) => {
      const changed = text.replace('"n":1,', '"n":2,').replace('"n": 1,', '"n": 2,');
      expect(changed).not.toBe(text);
      return changed;
    };
    for (const rewrite of [
      (text: string) => text,
      (text: string) => `${JSON.stringify(JSON.parse(text), null, 2)}\n`,
    ]) {
      await expect(secondVersion(rewrite, tamper)).rejects.toThrow(
        /tiny\.json has sha256 [0-9a-f]{64} \(\d+ bytes\); the catalog says [0-9a-f]{64} \(\d+ bytes\): a published file must never change/,
      );
    }
  });
});
