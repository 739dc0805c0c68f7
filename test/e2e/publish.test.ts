import { existsSync } from 'node:fs';
import Papa from 'papaparse';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Catalog, CatalogVersion } from '../../lambda/core/catalog.js';
import { isVersionedKey } from '../../lambda/core/content-policy.js';
import { makeWorkspace, readJson, treeDigest, publishWorkspace } from '../support/workspace.js';

const DATASETS = ['enterprises', 'milestones', 'trade', 'trade-by-year', 'transport', 'visits'];

const publish = publishWorkspace;

async function replaceInFile(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${from} not found in ${file}`);
  await writeFile(file, text.replace(from, to));
}

/** Publishes trade-by-year alone, with a note of its source edited (so that it has a new version to stage). */
async function publishTradeByYearEdited(ws: Awaited<ReturnType<typeof makeWorkspace>>) {
  await replaceInFile(
    path.join(ws.data, 'trade-by-year.csv'),
    'The paper gives no trade figure',
    'The paper gives no figure',
  );
  return publish(ws, 'trade-by-year');
}

describe('publish', () => {
  it('publishes every curated dataset as 1.0.0 with all files, and lists them in the catalog last', async () => {
    const ws = await makeWorkspace();

    const { code, stdout } = await publish(ws);

    expect(code).toBe(0);
    for (const id of DATASETS)
      expect(stdout).toMatch(new RegExp(`^${id} +published 1\\.0\\.0 \\(initial, \\d+ rows\\)$`, 'm'));
    const tree = Object.keys(await treeDigest(ws.out));
    for (const id of DATASETS) {
      for (const folder of ['1.0.0', 'latest']) {
        for (const file of [
          `${id}.csv`,
          `${id}.json`,
          'datapackage.json',
          'validation.json',
          'changes.json',
        ]) {
          expect(tree).toContain(`datasets/${id}/${folder}/${file}`);
        }
      }
    }
    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    expect(catalog.datasets.map((dataset) => [dataset.id, dataset.latest])).toEqual(
      DATASETS.map((id) => [id, '1.0.0']),
    );
  });

  it('checks the references of a dataset published on its own against what is published of the dataset it refers to', async () => {
    const ws = await makeWorkspace();
    await publish(ws);
    // A key renamed in both sources: trade's source and trade-by-year's agree, the published trade does not.
    for (const file of ['trade.csv', 'trade-by-year.csv'])
      await replaceInFile(path.join(ws.data, file), 'turnover-2001-series', 'turnover-2001-annual');
    const before = await treeDigest(ws.out);

    const alone = await publish(ws, 'trade-by-year');

    expect(alone.code).not.toBe(0);
    expect(alone.stdout + alone.stderr).toContain(
      'turnover_musd_trade_id=turnover-2001-annual: no row of trade (as published: datasets/trade/1.0.0/trade.json; its source is not in this run) has id equal to it',
    );
    expect(await treeDigest(ws.out)).toEqual(before);

    // Published together, the two agree again.
    const together = await publish(ws, 'trade', 'trade-by-year');
    expect(together.code).toBe(0);
    expect(together.stdout).toMatch(/^trade-by-year +published 1\.0\.1 /m);
  });

  it('refuses to publish on its own a dataset whose new rows would leave a published reference to it without a row', async () => {
    const ws = await makeWorkspace();
    await publish(ws);
    // trade loses a row the published trade-by-year refers to; trade-by-year's own source is not changed.
    await replaceInFile(path.join(ws.data, 'trade.csv'), 'turnover-2001-series,', 'turnover-2001-x,');
    const before = await treeDigest(ws.out);

    const alone = await publish(ws, 'trade');

    expect(alone.code).not.toBe(0);
    expect(alone.stderr).toContain(
      '[foreign-key] publishing it would leave the published trade-by-year 1.0.0 referring to a row it no longer has (turnover_musd_trade_id=turnover-2001-series; foreignKeys/0 of trade-by-year): publish the two together, trade-by-year changed to match',
    );
    expect(await treeDigest(ws.out)).toEqual(before);
  });

  it('refuses to check references against a published file that is not the one the catalog lists', async () => {
    const ws = await makeWorkspace();
    await publish(ws);
    await replaceInFile(
      path.join(ws.out, 'datasets/trade/1.0.0/trade.json'),
      '"turnover-2001-series"',
      '"turnover-2001-seriez"',
    );
    const { code, stdout, stderr } = await publishTradeByYearEdited(ws);

    expect(code).not.toBe(0);
    expect(stdout + stderr).toContain(
      'cannot check the references to "trade": datasets/trade/1.0.0/trade.json, the published version of "trade", is not the file the catalog lists',
    );
  });

  it('says a published version the catalog lists without its JSON file cannot be referred to', async () => {
    const ws = await makeWorkspace();
    await publish(ws);
    const catalogFile = path.join(ws.out, 'catalog.json');
    const catalog = await readJson<Catalog>(catalogFile);
    const trade = catalog.datasets.find((dataset) => dataset.id === 'trade');
    for (const version of trade?.versions ?? [])
      (version as { distributions: CatalogVersion['distributions'] }).distributions =
        version.distributions.filter((file) => file.format !== 'json');
    await writeFile(catalogFile, `${JSON.stringify(catalog, null, 2)}\n`);
    const { code, stdout, stderr } = await publishTradeByYearEdited(ws);

    expect(code).not.toBe(0);
    expect(stdout + stderr).toContain(
      'the catalog lists no datasets/trade/1.0.0/trade.json for 1.0.0, the published version of "trade": run verify',
    );
    expect(stderr).not.toContain('Closing file descriptor');
  });

  it('refuses a reference from a dataset published on its own to one that is neither published nor in the run', async () => {
    const ws = await makeWorkspace();

    const { code, stdout, stderr } = await publish(ws, 'trade-by-year');

    expect(code).not.toBe(0);
    expect(stdout + stderr).toContain(
      'cannot check the references to "trade": the dataset "trade" is not published, and its source is not in this run: publish the two together',
    );
  });

  it('writes nothing the second time and leaves the tree byte-identical', async () => {
    const ws = await makeWorkspace();
    await publish(ws);
    const before = await treeDigest(ws.out);

    const { code, stdout } = await publish(ws);

    expect(code).toBe(0);
    for (const id of DATASETS) expect(stdout).toMatch(new RegExp(`^${id} +unchanged 1\\.0\\.0$`, 'm'));
    expect(stdout).toContain('catalog.json unchanged');
    expect(await treeDigest(ws.out)).toEqual(before);
  });

  it('gives one changed dataset a patch version and leaves every old file untouched', async () => {
    const ws = await makeWorkspace();
    await publish(ws);
    const before = await treeDigest(ws.out);
    // A changed note (a changed quote would have to be in the paper, or provenance refuses the row).
    await replaceInFile(path.join(ws.data, 'trade.csv'), "One item of the paper's", "An item of the paper's");

    const { code, stdout } = await publish(ws);

    expect(code).toBe(0);
    expect(stdout).toMatch(/^trade +published 1\.0\.1 \(patch, 16 rows\)$/m);
    for (const id of DATASETS.filter((id) => id !== 'trade'))
      expect(stdout).toMatch(new RegExp(`^${id} +unchanged 1\\.0\\.0$`, 'm'));
    const after = await treeDigest(ws.out);
    const versioned = Object.entries(before).filter(([file]) => isVersionedKey(file));
    expect(versioned.length).toBeGreaterThan(20);
    for (const [file, hash] of versioned) expect(after[file], file).toBe(hash);
    const changes = await readJson<{ change: string; summary: unknown; changed: unknown[] }>(
      path.join(ws.out, 'datasets/trade/1.0.1/changes.json'),
    );
    expect(changes.change).toBe('patch');
    expect(changes.summary).toEqual({ added: 0, removed: 0, changed: 1 });
    expect(changes.changed).toEqual([
      {
        key: { year: 2001, id: 'turnover-2001-series' },
        changes: {
          note: {
            old: expect.stringMatching(/^One item of the paper's sentence/),
            new: expect.stringMatching(/^An item of the paper's sentence/),
          },
        },
      },
    ]);
    expect(await readFile(path.join(ws.out, 'datasets/trade/latest/trade.csv'))).toEqual(
      await readFile(path.join(ws.out, 'datasets/trade/1.0.1/trade.csv')),
    );
    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    const trade = catalog.datasets.find((dataset) => dataset.id === 'trade');
    expect(trade?.latest).toBe('1.0.1');
    expect(
      trade?.versions.map((version) => [version.version, version.change, version.previousVersion]),
    ).toEqual([
      ['1.0.1', 'patch', '1.0.0'],
      ['1.0.0', 'initial', undefined],
    ]);
  });

  it('gives added rows a minor version and a schema change a major version', async () => {
    const ws = await makeWorkspace();
    await publish(ws);
    const csvFile = path.join(ws.data, 'transport.csv');
    const lines = (await readFile(csvFile, 'utf8')).trimEnd().split('\n');
    const extra = (lines[1] ?? '').replace(/^[^,]+/, 'zz-added-row');
    await writeFile(csvFile, [...lines, extra, ''].join('\n'));

    const minor = await publish(ws);
    await replaceInFile(
      path.join(ws.schemas, 'transport.schema.json'),
      '"additionalProperties": false',
      '"additionalProperties": false, "maxProperties": 64',
    );
    const major = await publish(ws);

    expect(minor.stdout).toMatch(/^transport +published 1\.1\.0 \(minor, 8 rows\)$/m);
    expect(major.stdout).toMatch(/^transport +published 2\.0\.0 \(major, 8 rows\)$/m);
  });

  it('rejects a broken dataset with precise errors, publishes the others, and leaves the published tree unchanged', async () => {
    const ws = await makeWorkspace();
    await publish(ws);
    const before = await treeDigest(ws.out);
    const csvFile = path.join(ws.data, 'trade.csv');
    const lines = (await readFile(csvFile, 'utf8')).split('\n');
    lines[2] = lines[2]?.replace(',161.2,', ',"161,2",') ?? ''; // line 3: decimal comma
    lines[4] = lines[1] ?? ''; // line 5: duplicate of line 2's key
    await writeFile(csvFile, lines.join('\n'));

    const { code, stdout, stderr } = await publish(ws);

    expect(code).toBe(1);
    // trade-by-year refers to trade, so it is refused too, each reference named as unchecked.
    const dependent = stderr
      .split('\n')
      .filter((line) => line.startsWith(`${ws.data}/trade-by-year.dataset.json:`));
    expect(dependent.length).toBeGreaterThan(0);
    expect(dependent.every((line) => line.includes('the dataset "trade" has 2 issues of its own'))).toBe(
      true,
    );
    expect(stderr.split('\n').filter((line) => !dependent.includes(line))).toEqual([
      `${ws.data}/trade.csv:3:5: [type-error] value_musd: "161,2" is not a number (use a dot as the decimal separator)`,
      `${ws.data}/trade.csv:5:2: [primary-key] year+id: primary key year=2001, id=turnover-2001-series repeats the row on line 2`,
      expect.stringMatching(/^opendata: warning: no base URL recorded for this tree/),
    ]);
    expect(stdout).toMatch(/^trade +rejected: 2 issues, published versions left as they were$/m);
    expect(stdout).toMatch(/^visits +unchanged 1\.0\.0$/m);
    expect(await treeDigest(ws.out)).toEqual(before);
  });

  it.each([
    [
      'an unclosed quote',
      (text: string) => text.replace('in 2002 - $ 161.2 million', '"in 2002'),
      'parse-error',
    ],
    ['non-UTF-8 bytes', (text: string) => text.replace('in 2002 -', 'in 2002 \u00e9'), 'encoding-error'],
  ])('rejects %s without touching the published tree', async (_name, corrupt, code) => {
    const ws = await makeWorkspace();
    await publish(ws);
    const before = await treeDigest(ws.out);
    const csvFile = path.join(ws.data, 'trade.csv');
    const text = corrupt(await readFile(csvFile, 'utf8'));
    await writeFile(csvFile, code === 'encoding-error' ? Buffer.from(text, 'latin1') : text);

    const result = await publish(ws);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`trade\\.csv:3:\\d+: \\[${code}\\]`));
    expect(await treeDigest(ws.out)).toEqual(before);
  });

  it('rebuilds a byte-identical tree from the same inputs with SOURCE_DATE_EPOCH', async () => {
    const [one, two] = await Promise.all([makeWorkspace(), makeWorkspace()]);
    process.env.SOURCE_DATE_EPOCH = '1767225600';
    try {
      await publish(one);
      await publish(two);
    } finally {
      delete process.env.SOURCE_DATE_EPOCH;
    }

    expect(await treeDigest(two.out)).toEqual(await treeDigest(one.out));
    expect((await readJson<Catalog>(path.join(one.out, 'catalog.json'))).modified).toBe(
      '2026-01-01T00:00:00.000Z',
    );
  });

  it('refuses a SOURCE_DATE_EPOCH before the latest version, publishing nothing, and says what to set', async () => {
    const ws = await makeWorkspace();
    process.env.SOURCE_DATE_EPOCH = '1767225600'; // 2026-01-01
    try {
      expect((await publish(ws, 'transport')).code).toBe(0);
      await replaceInFile(
        path.join(ws.data, 'transport.csv'),
        '9800,containers,exact,false,,',
        '9800,containers,exact,false,,Changed. ',
      );
      const before = await treeDigest(ws.out);
      process.env.SOURCE_DATE_EPOCH = '1735689600'; // 2025-01-01

      const { code, stderr } = await publish(ws, 'transport');

      expect(code).toBe(1);
      expect(stderr).toContain(
        'transport: the publish time chosen, 2025-01-01T00:00:00.000Z, is before that of 1.0.0, its latest version, published 2026-01-01T00:00:00.000Z',
      );
      expect(stderr).toContain('set SOURCE_DATE_EPOCH to 1767225600 or later, or unset it');
      expect(await treeDigest(ws.out)).toEqual(before);
    } finally {
      delete process.env.SOURCE_DATE_EPOCH;
    }
  });

  // It was a warning, and the version was published: dated in the future for good, and every later version
  // after it, as a new version is never dated before the one it follows (a mistyped epoch dated them 7663).
  it('refuses a SOURCE_DATE_EPOCH more than a day in the future, writing nothing', async () => {
    const ws = await makeWorkspace();
    process.env.SOURCE_DATE_EPOCH = String(Math.floor(Date.now() / 1000) + 3 * 24 * 3600);
    try {
      const { code, stderr } = await publish(ws, 'transport');

      expect(code).toBe(2);
      expect(stderr).toMatch(
        /^opendata: SOURCE_DATE_EPOCH is \S+, more than a day in the future: the version would be dated so for good, and every later version after it; unset it, or give a time no later than \d+$/m,
      );
      expect(existsSync(ws.out)).toBe(false);
    } finally {
      delete process.env.SOURCE_DATE_EPOCH;
    }
  });

  // Taken silently, it dated the version, and every one after it, up to a day ahead of the clock.
  it('warns of a SOURCE_DATE_EPOCH ahead of the clock by less than a day, and publishes', async () => {
    const ws = await makeWorkspace();
    process.env.SOURCE_DATE_EPOCH = String(Math.floor(Date.now() / 1000) + 3600);
    try {
      const { code, stderr } = await publish(ws, 'transport');

      expect(code).toBe(0);
      expect(stderr).toMatch(
        /^opendata: warning: SOURCE_DATE_EPOCH is \S+, ahead of this machine's clock: versions published later are dated after it$/m,
      );
    } finally {
      delete process.env.SOURCE_DATE_EPOCH;
    }
  });

  it('publishes only the datasets named on the command line', async () => {
    const ws = await makeWorkspace();

    const { code, stdout } = await publish(ws, 'trade', 'visits');

    expect(code).toBe(0);
    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    expect(catalog.datasets.map((dataset) => dataset.id)).toEqual(['trade', 'visits']);
    expect(stdout).not.toContain('enterprises');
  });

  it('adds absolute download URLs when given a base URL', async () => {
    const ws = await makeWorkspace();

    await publish(ws, '--base-url', 'https://data.example.org/kz-az');

    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    expect(catalog.datasets[0]?.versions[0]?.distributions[0]?.url).toBe(
      'https://data.example.org/kz-az/datasets/enterprises/1.0.0/enterprises.csv',
    );
  });
});

describe('a dataset whose files were removed from the data folder', () => {
  it('is named in the output of a run over every dataset, and stays listed as it was', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws)).code).toBe(0);
    for (const file of ['transport.csv', 'transport.dataset.json']) await rm(path.join(ws.data, file));
    await rm(path.join(ws.schemas, 'transport.schema.json'));

    const all = await publishWorkspace(ws);
    const one = await publishWorkspace(ws, 'trade');

    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(
      /^transport +not in .+: its published versions stay listed in the catalog, as they were$/m,
    );
    expect(one.stdout).not.toContain('not in');
    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    expect(catalog.datasets.map((entry) => entry.id)).toContain('transport');
  });
});

describe('schema changes', () => {
  it('are a major version whose changes.json names the columns added, removed and redefined', async () => {
    const ws = await makeWorkspace();
    await publish(ws, 'transport');
    const schemaFile = path.join(ws.schemas, 'transport.schema.json');
    const schema = await readJson<{
      properties: Record<string, Record<string, unknown>>;
      required: string[];
    }>(schemaFile);
    schema.properties.year = { ...schema.properties.year, maximum: 2020 };
    await writeFile(schemaFile, JSON.stringify(schema, null, 2));

    const { stdout } = await publish(ws, 'transport');

    expect(stdout).toMatch(/^transport +published 2\.0\.0 \(major, 7 rows\)$/m);
    const changes = await readJson<{
      schemaChanged: boolean;
      schemaChanges: { added: string[]; removed: string[]; changed: { column: string }[] };
    }>(path.join(ws.out, 'datasets/transport/2.0.0/changes.json'));
    expect(changes.schemaChanged).toBe(true);
    expect(changes.schemaChanges.added).toEqual([]);
    expect(changes.schemaChanges.removed).toEqual([]);
    expect(changes.schemaChanges.changed.map((entry) => entry.column)).toEqual(['year']);
  });

  it('count a new title or description alone as a patch, and a rule changed after it as a major version', async () => {
    const ws = await makeWorkspace();
    await publish(ws, 'transport');
    const schemaFile = path.join(ws.schemas, 'transport.schema.json');
    const schema = await readJson<{ title?: string; properties: Record<string, Record<string, unknown>> }>(
      schemaFile,
    );
    schema.title = 'Transport figures, retitled';
    schema.properties.year = {
      ...schema.properties.year,
      description: 'The year the figure is for, described anew.',
    };
    await writeFile(schemaFile, JSON.stringify(schema, null, 2));

    const annotated = await publish(ws, 'transport');
    schema.properties.year = { ...schema.properties.year, maximum: 2020 };
    await writeFile(schemaFile, JSON.stringify(schema, null, 2));
    const ruled = await publish(ws, 'transport');

    expect(annotated.stdout).toMatch(/^transport +published 1\.0\.1 \(patch, 7 rows\)$/m);
    const changes = await readJson<{ schemaChanged: boolean; schemaChanges: unknown }>(
      path.join(ws.out, 'datasets/transport/1.0.1/changes.json'),
    );
    expect(changes).toMatchObject({
      schemaChanged: false,
      schemaChanges: { added: [], removed: [], changed: [] },
    });
    expect(ruled.stdout).toMatch(/^transport +published 2\.0\.0 \(major, 7 rows\)$/m);
    const catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    const versions = catalog.datasets.find((entry) => entry.id === 'transport')?.versions ?? [];
    expect(
      versions.map((version) => [version.version, version.rulesHash === versions[2]?.rulesHash]),
    ).toEqual([
      ['2.0.0', false],
      ['1.0.1', true],
      ['1.0.0', true],
    ]);
  });

  it('compare a latest version published before rulesHash was recorded by the whole schema, as before', async () => {
    const ws = await makeWorkspace();
    await publish(ws, 'transport');
    const catalogFile = path.join(ws.out, 'catalog.json');
    const recorded = await readJson<Catalog>(catalogFile);
    const older = {
      ...recorded,
      datasets: recorded.datasets.map((entry) => ({
        ...entry,
        versions: entry.versions.map(({ rulesHash: _recorded, ...version }) => version),
      })),
    };
    await writeFile(catalogFile, `${JSON.stringify(older, null, 2)}\n`);
    const schemaFile = path.join(ws.schemas, 'transport.schema.json');
    const schema = await readJson<{ title?: string }>(schemaFile);
    await writeFile(schemaFile, JSON.stringify({ ...schema, title: 'Retitled' }, null, 2));

    const { code, stdout } = await publish(ws, 'transport');

    expect(code).toBe(0);
    expect(stdout).toMatch(/^transport +published 2\.0\.0 \(major, 7 rows\)$/m);
  });

  it('count a new column order alone as a major version, which the canonical hash of the schema cannot see', async () => {
    const ws = await makeWorkspace();
    await publish(ws, 'transport');
    // The last two columns swapped in the schema, the descriptor and the CSV: the same rows, in a new layout.
    const schemaFile = path.join(ws.schemas, 'transport.schema.json');
    const schema = await readJson<{ properties: Record<string, unknown> }>(schemaFile);
    const names = Object.keys(schema.properties);
    const swapped = [...names.slice(0, -2), names.at(-1) ?? '', names.at(-2) ?? ''];
    await writeFile(
      schemaFile,
      JSON.stringify({
        ...schema,
        properties: Object.fromEntries(swapped.map((name) => [name, schema.properties[name]])),
      }),
    );
    const descriptorFile = path.join(ws.data, 'transport.dataset.json');
    const descriptor = await readJson<{ columns: { name: string }[] }>(descriptorFile);
    await writeFile(
      descriptorFile,
      JSON.stringify({
        ...descriptor,
        columns: swapped.map((name) => descriptor.columns.find((column) => column.name === name)),
      }),
    );
    const csvFile = path.join(ws.data, 'transport.csv');
    const records = Papa.parse<string[]>((await readFile(csvFile, 'utf8')).trimEnd()).data;
    const header = records[0] ?? [];
    const moved = records.map((record) => swapped.map((name) => record[header.indexOf(name)] ?? ''));
    await writeFile(csvFile, `${Papa.unparse(moved, { newline: '\n' })}\n`);

    const { stdout } = await publish(ws, 'transport');

    expect(stdout).toMatch(/^transport +published 2\.0\.0 \(major, 7 rows\)$/m);
    const changes = await readJson<{
      schemaChanged: boolean;
      schemaChanges: { order?: unknown };
      summary: unknown;
    }>(path.join(ws.out, 'datasets/transport/2.0.0/changes.json'));
    expect(changes.schemaChanged).toBe(true);
    expect(changes.schemaChanges.order).toEqual({ old: names, new: swapped });
    expect(changes.summary).toEqual({ added: 0, removed: 0, changed: 0 });
    const page = await readFile(path.join(ws.out, 'datasets/transport/index.html'), 'utf8');
    expect(page.replace(/\s+/g, ' ')).toContain(
      `columns now in the order <code>${swapped.join(', ')}</code>`,
    );
  });

  it('count a new primary key alone as a major version whose changelog says how the key moved', async () => {
    const ws = await makeWorkspace();
    await publish(ws, 'transport');
    const descriptorFile = path.join(ws.data, 'transport.dataset.json');
    const descriptor = await readJson<{ primaryKey: string[] }>(descriptorFile);
    expect(descriptor.primaryKey).toEqual(['year', 'id']);
    await writeFile(descriptorFile, JSON.stringify({ ...descriptor, primaryKey: ['id'] }, null, 2));

    const { stdout } = await publish(ws, 'transport');

    expect(stdout).toMatch(/^transport +published 2\.0\.0 \(major, 7 rows\)$/m);
    const changes = await readJson<{
      schemaChanged: boolean;
      schemaChanges: { primaryKey?: unknown };
      summary: unknown;
    }>(path.join(ws.out, 'datasets/transport/2.0.0/changes.json'));
    expect(changes.schemaChanged).toBe(true);
    expect(changes.schemaChanges.primaryKey).toEqual({ old: ['year', 'id'], new: ['id'] });
    // The same rows, compared by the new key: none added, removed or changed.
    expect(changes.summary).toEqual({ added: 0, removed: 0, changed: 0 });
    const page = await readFile(path.join(ws.out, 'datasets/transport/index.html'), 'utf8');
    expect(page.replace(/\s+/g, ' ')).toContain(
      'primary key (the row order) changed from <code>year, id</code> to <code>id</code>',
    );
  });
});
