import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import type { ChangesDocument } from '../../lambda/core/changes.js';
import { makeWorkspace, publishCraftedWorkspace, readJson } from '../support/workspace.js';

const BASE_URL = 'https://data.example.org/';
let ws: Awaited<ReturnType<typeof makeWorkspace>>;

// The rows this test adds and changes are made up, so no run here checks them against the paper.
async function publish(): Promise<void> {
  const { code, stderr, notices } = await publishCraftedWorkspace(ws, 'trade', '--base-url', BASE_URL);
  expect(code, stderr).toBe(0);
  expect(notices).toHaveLength(1);
}

const changesOf = (version: string): Promise<ChangesDocument> =>
  readJson<ChangesDocument>(path.join(ws.out, 'datasets/trade', version, 'changes.json'));

// Three versions of trade: the curated one; then a row added, one removed and one changed; then a rule added to the schema.
beforeAll(async () => {
  ws = await makeWorkspace();
  await publish();

  const csvFile = path.join(ws.data, 'trade.csv');
  const lines = (await readFile(csvFile, 'utf8')).split('\n');
  const edited = lines
    .filter((line) => !line.startsWith('turnover-2015-series,'))
    .map((line) => (line.startsWith('turnover-2001-series,') ? line.replace(',106.1,', ',106.2,') : line));
  edited.splice(
    edited.length - 1,
    0,
    'turnover-2020-test,2020,turnover,value,300.5,,,false,,,a crafted test row',
  );
  await writeFile(csvFile, edited.join('\n'));
  await publish();

  const schemaFile = path.join(ws.schemas, 'trade.schema.json');
  const schema = await readJson<{ properties: { note: { maxLength?: number } } }>(schemaFile);
  schema.properties.note.maxLength = 10_000; // a new rule (a new description alone would be a patch)
  await writeFile(schemaFile, JSON.stringify(schema, null, 2));
  await publish();
});

describe('changes.json between two versions', () => {
  it('lists the rows added, removed and changed by primary key, with old and new values', async () => {
    const changes = await changesOf('1.0.1');

    expect(changes).toMatchObject({
      id: 'trade',
      version: '1.0.1',
      previousVersion: '1.0.0',
      change: 'patch',
      schemaChanged: false,
      summary: { added: 1, removed: 1, changed: 1 },
    });
    expect(changes.added).toEqual([
      {
        id: 'turnover-2020-test',
        year: 2020,
        flow: 'turnover',
        measure: 'value',
        value_musd: 300.5,
        flagged: false,
        source_quote: 'a crafted test row',
      },
    ]);
    expect(changes.removed.map((row) => row.id)).toEqual(['turnover-2015-series']);
    expect(changes.removed[0]).toMatchObject({ year: 2015, value_musd: 116.8 });
    expect(changes.changed).toEqual([
      {
        key: { year: 2001, id: 'turnover-2001-series' },
        changes: { value_musd: { old: 106.1, new: 106.2 } },
      },
    ]);
  });

  it('marks a schema change as a major version with no row changes', async () => {
    expect(await changesOf('2.0.0')).toMatchObject({
      previousVersion: '1.0.1',
      change: 'major',
      schemaChanged: true,
      summary: { added: 0, removed: 0, changed: 0 },
    });
    expect(await changesOf('1.0.0')).toMatchObject({ previousVersion: null, change: 'initial' });
  });

  it('states an initial version without repeating its rows (they are in <id>.json and the CSV)', async () => {
    const initial = await changesOf('1.0.0');
    const bytes = (await stat(path.join(ws.out, 'datasets/trade/1.0.0/changes.json'))).size;
    const rows = (await stat(path.join(ws.out, 'datasets/trade/1.0.0/trade.json'))).size;

    expect(initial).toMatchObject({ rowsListed: false, summary: { added: 16, removed: 0, changed: 0 } });
    expect([initial.added, initial.removed, initial.changed]).toEqual([[], [], []]);
    expect(bytes).toBeLessThan(rows / 4);
    expect(await changesOf('1.0.1')).toMatchObject({ rowsListed: true });
  });

  it('shows the changelog and every version’s files on the dataset page, newest first', async () => {
    const page = await readFile(path.join(ws.out, 'datasets/trade/index.html'), 'utf8');
    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    const versions = catalog.datasets.find((dataset) => dataset.id === 'trade')?.versions ?? [];

    expect(versions.map((version) => version.version)).toEqual(['2.0.0', '1.0.1', '1.0.0']);
    const anchors = versions.map((version) => page.indexOf(`id="v${version.version}"`));
    expect(anchors.every((index) => index > 0)).toBe(true);
    expect([...anchors].sort((a, b) => a - b)).toEqual(anchors);
    expect(page).toContain('The schema changed');
    expect(page).toMatch(/1 added:\s*<code>2020 \/ turnover-2020-test<\/code>/);
    expect(page).toMatch(/1 removed:\s*<code>2015 \/ turnover-2015-series<\/code>/);
    expect(page).toMatch(/<code>value_musd<\/code>\s+106\.1\s+→\s+106\.2/);
    for (const version of versions) {
      for (const distribution of version.distributions) {
        expect(page).toContain(`href="../../${distribution.path}"`);
        expect(page).toContain(distribution.sha256);
      }
    }
  });

  it('publishes one feed entry per version and links versions in DCAT', async () => {
    const feed = await readFile(path.join(ws.out, 'feed.xml'), 'utf8');
    const dcat = await readFile(path.join(ws.out, 'catalog.jsonld'), 'utf8');

    expect(feed.match(/<entry>/g)).toHaveLength(3);
    expect(feed).toContain(`<id>${BASE_URL}datasets/trade/1.0.1/</id>`);
    expect(feed).toContain('patch release: 1 rows added, 1 removed, 1 changed; 16 rows.');
    expect(JSON.parse(dcat)).toMatchObject({
      'dcat:dataset': [
        {
          'dcat:hasCurrentVersion': { '@id': `${BASE_URL}datasets/trade/index.html#v2.0.0` },
          'dcat:hasVersion': [
            {
              'dcat:version': '2.0.0',
              'dcat:previousVersion': { '@id': `${BASE_URL}datasets/trade/index.html#v1.0.1` },
            },
            {
              'dcat:version': '1.0.1',
              'dcat:previousVersion': { '@id': `${BASE_URL}datasets/trade/index.html#v1.0.0` },
            },
            { 'dcat:version': '1.0.0' },
          ],
        },
      ],
    });
  });
});
