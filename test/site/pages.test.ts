import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import type { PublishedColumn } from '../../lambda/core/dataset-document.js';
import { formatNumber } from '../../lambda/core/site/chart-layout.js';
import { renderDatasetPage } from '../../lambda/core/site/html-dataset.js';
import { escapeHtml, html } from '../../lambda/core/site/html.js';
import { hostileSite, tradeDataset } from '../injection/hostile-site.js';
import {
  cli,
  makeWorkspace,
  readJson,
  REPO_ROOT,
  treeDigest,
  publishWorkspace,
} from '../support/workspace.js';

const BASE_URL = 'https://data.example.org/kz-az/';
const TRICKY_TITLE = 'Transport <b>volumes</b> & "routes" </script>';
let out: string;
let catalog: Catalog;
const pages = new Map<string, string>();

beforeAll(async () => {
  const ws = await makeWorkspace();
  // A title with markup in it must come out as text on every page.
  const descriptorFile = path.join(ws.data, 'transport.dataset.json');
  const descriptor = await readJson<{ title: string }>(descriptorFile);
  await writeFile(descriptorFile, JSON.stringify({ ...descriptor, title: TRICKY_TITLE }, null, 2));
  const { code, stderr } = await publishWorkspace(ws, '--base-url', BASE_URL);
  expect(code, stderr).toBe(0);
  out = ws.out;
  catalog = await readJson<Catalog>(path.join(out, 'catalog.json'));
  pages.set('index.html', await readFile(path.join(out, 'index.html'), 'utf8'));
  for (const dataset of catalog.datasets) {
    const key = `datasets/${dataset.id}/index.html`;
    pages.set(key, await readFile(path.join(out, key), 'utf8'));
  }
});

function jsonLdOf(page: string): Record<string, unknown> {
  const match = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(page);
  expect(match, 'a JSON-LD block').not.toBeNull();
  return JSON.parse(match?.[1] ?? '{}') as Record<string, unknown>;
}

describe('index.html', () => {
  it('lists every dataset with its latest version, last change, rows and direct downloads', () => {
    const index = pages.get('index.html') ?? '';

    for (const dataset of catalog.datasets) {
      const latest = dataset.versions[0];
      expect(index).toContain(`href="datasets/${dataset.id}/index.html"`);
      expect(index).toContain(escapeHtml(dataset.title));
      expect(index).toContain(`<dd>${latest?.version ?? ''}</dd>`);
      expect(index).toContain(`<dd>${latest?.rows ?? ''}</dd>`);
      for (const format of ['csv', 'parquet', 'json', 'datapackage']) {
        const distribution = latest?.distributions.find((candidate) => candidate.format === format);
        expect(index).toContain(`href="${distribution?.path ?? 'missing'}"`);
      }
    }
  });
});

describe('every page', () => {
  it('links only to files that exist in the tree (relative links, so it works from disk and serve)', () => {
    const broken: string[] = [];
    for (const [key, page] of pages) {
      for (const [, href = ''] of page.matchAll(/(?:href|src)="([^"]*)"/g)) {
        if (/^(https?:|mailto:|data:|#)/.test(href)) continue;
        const target = path.join(out, path.dirname(key), href.replace(/#.*$/, ''));
        if (!existsSync(target)) broken.push(`${key} → ${href}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('escapes curator text: markup in a title is shown as text, never executed', () => {
    for (const [key, page] of pages) {
      expect(page, key).not.toContain('<b>volumes</b>');
      expect(page.match(/<\/script>/g)?.length ?? 0, key).toBe(page.match(/<script/g)?.length ?? 0);
    }
    expect(pages.get('datasets/transport/index.html')).toContain(
      'Transport &lt;b&gt;volumes&lt;/b&gt; &amp; &quot;routes&quot; &lt;/script&gt;',
    );
    expect(jsonLdOf(pages.get('datasets/transport/index.html') ?? '').name).toBe(TRICKY_TITLE);
  });

  it("carries none of the templates' indentation: outside preformatted text no line is indented", () => {
    for (const [key, page] of pages) {
      const flowing = page
        .replace(/<pre[\s\S]*?<\/pre>/g, '<pre></pre>')
        .replace(/<script type="application\/ld\+json">[\s\S]*?<\/script>/g, '<script></script>');
      const indented = flowing.split('\n').filter((line) => /^(?: {2}|\t)/.test(line));
      expect(indented.slice(0, 3), key).toEqual([]);
    }
  });

  it('is byte-for-byte the same after a republish of unchanged data', async () => {
    const before = await treeDigest(out);
    const ws = path.dirname(out);
    await cli(
      'publish',
      '--data',
      path.join(ws, 'data'),
      '--schemas',
      path.join(ws, 'schemas'),
      '--out',
      out,
      '--base-url',
      BASE_URL,
    );
    expect(await treeDigest(out)).toEqual(before);
  });
});

describe('dataset pages', () => {
  it('say in the pandas lines of a table with dates what pandas does with a date outside its range', () => {
    const code = (id: string): string =>
      /<h3>Python \(pandas\)<\/h3>\s*<pre[^>]*><code>([\s\S]*?)<\/code><\/pre>/.exec(
        pages.get(`datasets/${id}/index.html`) ?? '',
      )?.[1] ?? '';
    const caveat =
      '# pandas leaves a date column as text if a date in it lies outside 1677-09-21 to 2262-04-11.';

    expect(code('milestones')).toContain(
      `parse_dates=[&quot;date&quot;,&quot;end_date&quot;],\n)\n${caveat}`,
    );
    expect(code('trade')).not.toContain('# pandas leaves');
  });

  it.each(['trade', 'trade-by-year', 'visits', 'enterprises', 'milestones', 'transport'])(
    '%s embeds a schema.org Dataset with absolute URLs',
    async (id) => {
      const ld = jsonLdOf(pages.get(`datasets/${id}/index.html`) ?? '');
      const entry = catalog.datasets.find((dataset) => dataset.id === id);
      const document = await readJson<{ columns: PublishedColumn[] }>(
        path.join(out, 'datasets', id, 'latest', `${id}.json`),
      );

      expect(ld).toMatchObject({
        '@context': 'https://schema.org',
        '@type': 'Dataset',
        url: `${BASE_URL}datasets/${id}/index.html`,
        identifier: id,
        version: entry?.latest,
        license: 'https://creativecommons.org/licenses/by/4.0/',
        creator: [
          { '@type': 'Person', name: 'A.N. Ospanova' },
          { '@type': 'Person', name: 'F.M. Agaeva' },
        ],
        publisher: { '@type': 'Organization', name: 'kz-az-open-data' },
        isAccessibleForFree: true,
        includedInDataCatalog: { '@type': 'DataCatalog', url: `${BASE_URL}index.html` },
      });
      for (const key of ['name', 'citation', 'temporalCoverage']) expect(typeof ld[key], key).toBe('string');
      expect((ld.distribution as { contentUrl: string }[]).map((d) => d.contentUrl)).toContain(
        `${BASE_URL}datasets/${id}/${entry?.latest ?? ''}/${id}.csv`,
      );
      expect(String(ld.description).length).toBeGreaterThanOrEqual(50);
      expect((ld.keywords as string[]).length).toBeGreaterThan(0);
      expect((ld.spatialCoverage as { '@type': string }[])[0]).toMatchObject({ '@type': 'Place' });
      expect((ld.variableMeasured as { name: string }[]).map((variable) => variable.name)).toEqual(
        document.columns.map((column) => column.name),
      );
      const downloads = ld.distribution as { '@type': string; contentUrl: string; encodingFormat: string }[];
      expect(downloads.map((download) => download.contentUrl)).toContain(
        `${BASE_URL}datasets/${id}/${entry?.latest ?? ''}/${id}.parquet`,
      );
      for (const download of downloads) {
        expect(download['@type']).toBe('DataDownload');
        expect(download.contentUrl.startsWith(BASE_URL)).toBe(true);
        expect(download.encodingFormat).toMatch(/^[a-z]+\/[a-z0-9.+-]+$/);
        expect(existsSync(path.join(out, download.contentUrl.slice(BASE_URL.length)))).toBe(true);
      }
    },
  );

  it('shows provenance, flagged conflicts, columns, a preview, snippets with real URLs and the citation', () => {
    const page = pages.get('datasets/trade/index.html') ?? '';

    expect(page).toContain('Ospanova A.N., Agaeva F.M. Kazakh-Azerbaijani relations at the present stage.');
    for (const conflict of ['turnover-2018', 'turnover-change-2019', 'trade-direction-change-2019'])
      expect(page).toContain(`id="conflict-${conflict}"`);
    expect(page).toMatch(/<tbody\s+id="row-2018-turnover-2018-series"\s+class="flagged"\s*>/);
    expect(page).toContain('in 2018 - 258.3 million dollars');
    expect(page).toMatch(/<td data-label="Unit">million USD<\/td>/);
    for (const snippet of [
      `curl -fsSLO ${BASE_URL}datasets/trade/1.0.0/trade.csv`,
      `pd.read_csv(\n    &quot;${BASE_URL}datasets/trade/1.0.0/trade.csv&quot;,\n    keep_default_na=False,\n    na_values=[&quot;&quot;],\n    dtype={\n        &quot;id&quot;: &quot;string&quot;,\n        &quot;year&quot;: &quot;Int64&quot;,`,
      `        &quot;compared_to_year&quot;: &quot;Int64&quot;,\n        &quot;flagged&quot;: &quot;boolean&quot;,`,
      `read.csv(\n  &quot;${BASE_URL}datasets/trade/1.0.0/trade.csv&quot;,\n  na.strings = &quot;&quot;,`,
      `  colClasses = c(\n    &quot;character&quot;, # &quot;id&quot;\n    &quot;numeric&quot;, # &quot;year&quot;\n`,
      `)\n# read.csv can read a number of 16 or 17 significant digits one step off in its last binary digit,\n# and a carriage return inside a text cell as a line feed: the Parquet file holds each exactly.\n# or,`,
      `read_parquet(&#39;${BASE_URL}datasets/trade/1.0.0/trade.parquet&#39;)`,
    ])
      expect(page).toContain(snippet);
    // The paper's authors are credited, the project publishes, and the version and its URL are named.
    expect(page).toContain(
      `A.N. Ospanova, F.M. Agaeva (${new Date().getUTCFullYear()}). Kazakh-Azerbaijani bilateral trade, 2001-2019, version 1.0.0 [Data set]. kz-az-open-data. ${BASE_URL}datasets/trade/index.html#v1.0.0. Transcribed from: Ospanova`,
    );
  });

  it('names the text columns shown under each preview row as an English list', () => {
    const sentence = (id: string) =>
      /The text columns? [^.]*? (?:is|are) shown under each row\./.exec(
        (pages.get(`datasets/${id}/index.html`) ?? '').replace(/\s+/g, ' '),
      )?.[0];

    expect(sentence('trade-by-year')).toBe('The text column <code>note</code> is shown under each row.');
    expect(sentence('enterprises')).toBe(
      'The text columns <code>name</code>, <code>role</code>, <code>note</code> and <code>source_quote</code> are shown under each row.',
    );
  });

  it('reads the Parquet file into pandas with the nullable types of the CSV line, so an integer column with an empty cell stays an integer', () => {
    const page = pages.get('datasets/trade/index.html') ?? '';
    expect(page).toContain(
      `df = pd.read_parquet(&quot;${BASE_URL}datasets/trade/1.0.0/trade.parquet&quot;, dtype_backend=&quot;numpy_nullable&quot;)`,
    );
  });

  it('reads as short paragraphs: a one-sentence summary first, numbered points as a list', () => {
    const page = pages.get('datasets/trade/index.html') ?? '';
    const main = page.slice(page.indexOf('</dl>'), page.indexOf('<nav aria-label="On this page">'));
    const paragraphs = [...main.matchAll(/<p[^>]*>([\s\S]*?)<\/p>/g)].map((match) => match[1] ?? '');

    expect(main).toMatch(
      /^<\/dl>\s*<p class="lead">Bilateral trade between Azerbaijan and Kazakhstan as reported in the paper, in long format: [^<]+\.<\/p>/,
    );
    expect(paragraphs.length).toBeGreaterThanOrEqual(4);
    // The paper's three contradictions are items of a list, not a 16-line paragraph.
    expect(main.match(/<li>/g)).toHaveLength(3);
    expect(Math.max(...paragraphs.map((paragraph) => paragraph.length))).toBeLessThan(700);
  });

  it('names the two countries the same way in every curated title, as the source paper does', async () => {
    const titles = await Promise.all(
      ['trade', 'trade-by-year', 'visits', 'enterprises', 'milestones', 'transport'].map(
        async (id) =>
          (await readJson<{ title: string }>(path.join(REPO_ROOT, 'data', `${id}.dataset.json`))).title,
      ),
    );
    expect(titles.filter((title) => /Azerbaijani?-Kazakh|Azerbaijan and Kazakhstan/.test(title))).toEqual([]);
    expect(titles.filter((title) => /Kazakh-Azerbaijani|Kazakhstan and Azerbaijan/.test(title))).toHaveLength(
      6,
    );
  });

  it('shows thousands separators in numbers but not in years, and keeps dates on one line', () => {
    const transport = pages.get('datasets/transport/index.html') ?? '';

    expect(transport).toContain('data-label="value" dir="auto">1,600,000</td>');
    expect(transport).toContain('data-label="year" dir="auto">2020</td>');
    expect(pages.get('datasets/visits/index.html')).toContain(
      '<td class="date" data-label="start_date" dir="auto">1995-02-09</td>',
    );
  });

  it('draws the trade chart as SVG with the conflicting 2018 readings marked', async () => {
    const svg = await readFile(path.join(out, 'datasets/trade/chart-turnover.svg'), 'utf8');

    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*role="img"/);
    expect(svg).toMatch(/<title id="chart-turnover-title">[^<]+<\/title><desc id="chart-turnover-desc">/);
    expect(svg).toContain('2018: 258.3 (flagged: turnover-2018)');
    expect(svg).toContain('2018: 220.54 (flagged: turnover-2018)');
    expect(pages.get('datasets/trade/index.html')).toContain('<title id="chart-turnover-title">');
    expect(pages.get('datasets/trade/index.html')).toContain('<title id="chart-turnover-narrow-title">');
    expect(existsSync(path.join(out, 'datasets/milestones/chart-turnover.svg'))).toBe(false);
  });

  it('draws a chart for every dataset from its own declaration, with the CSV of what is drawn', async () => {
    const charts = {
      trade: ['chart-turnover'],
      visits: ['chart-visits'],
      enterprises: ['chart-enterprise-counts', 'chart-projects-by-year'],
      milestones: ['chart-milestones'],
      transport: ['chart-volumes'],
    };
    for (const [id, names] of Object.entries(charts))
      for (const name of names) {
        expect(existsSync(path.join(out, `datasets/${id}/${name}.svg`)), name).toBe(true);
        expect(pages.get(`datasets/${id}/index.html`), name).toContain(`href="chart-data/${name}.csv"`);
      }
    const csv = await readFile(path.join(out, 'datasets/trade/chart-data/chart-turnover.csv'), 'utf8');
    // Exactly the rows drawn: the value rows (where measure = value), with the columns the chart reads.
    expect(csv.split('\n')[0]).toBe('year,id,flow,value_musd,flagged');
    expect(csv).toContain('2018,turnover-2018-comparison,turnover,220.54,true');
    expect(csv).not.toContain('change-percent');
    expect(csv.trimEnd().split('\n')).toHaveLength(1 + 12);
  });
});

describe('feed.xml', () => {
  it('has one Atom entry per published version with absolute links', async () => {
    const feed = await readFile(path.join(out, 'feed.xml'), 'utf8');
    const versions = catalog.datasets.reduce((sum, dataset) => sum + dataset.versions.length, 0);

    expect(
      feed.startsWith('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'),
    ).toBe(true);
    expect(feed.match(/<entry>/g)).toHaveLength(versions);
    expect(feed).toContain(`<link rel="self" type="application/atom+xml" href="${BASE_URL}feed.xml"/>`);
    expect(feed).toContain(
      `<link rel="alternate" type="text/html" href="${BASE_URL}datasets/trade/index.html#v1.0.0"/>`,
    );
    expect(feed).toContain(`<updated>${catalog.modified}</updated>`);
    expect(feed).toContain('Transport &lt;b&gt;volumes&lt;/b&gt;');
  });
});

describe("a dataset page's files", () => {
  it("lists the latest version's files once, under Downloads, and each earlier version's under it", () => {
    const dataset = tradeDataset([2001, 2002]);
    const [first] = dataset.entry.versions;
    if (first === undefined) throw new Error('the fixture has a version');
    const second = {
      ...first,
      version: '1.1.0',
      change: 'minor' as const,
      previousVersion: '1.0.0',
      distributions: first.distributions.map((file) => ({
        ...file,
        path: file.path.replace('/1.0.0/', '/1.1.0/'),
        sha256: 'e'.repeat(64),
      })),
    };
    const twice = { ...dataset, entry: { ...dataset.entry, latest: '1.1.0', versions: [second, first] } };
    const page = renderDatasetPage(hostileSite([twice]), twice).value;
    const versions = page.slice(page.indexOf('id="versions"'));

    const listed = (sha: string): number => page.split(`class="hash">${sha}<`).length - 1;
    expect(listed('e'.repeat(64))).toBe(second.distributions.length);
    expect(page.slice(0, page.indexOf('id="versions"'))).toContain(`class="hash">${'e'.repeat(64)}<`);
    expect(versions).toContain(
      `Its ${second.distributions.length} files are listed under <a href="#downloads">`,
    );
    expect(versions).toContain('<summary>Files of 1.0.0');
    expect(listed(first.distributions[0]?.sha256 ?? 'none')).toBe(1);
    expect(versions).not.toContain('<summary>Files of 1.1.0');
  });
});

describe('numbers on the pages', () => {
  it('never shows a non-zero value as 0 or a finite one as Infinity; others get separators and two decimals', () => {
    const shown = [
      1e-7,
      -0.001,
      0.004,
      1.7976931348623157e308,
      -1e21,
      1e15 + 2,
      1_600_000,
      220.54,
      3.14159,
      -0,
    ];

    expect(shown.map(formatNumber)).toEqual([
      '1e-7',
      '-0.001',
      '0.004',
      '1.7976931348623157e+308',
      '-1e+21',
      '1,000,000,000,000,002',
      '1,600,000',
      '220.54',
      '3.14',
      '0',
    ]);
  });
});

describe('html template tag', () => {
  it('escapes interpolated text and joins lists, but keeps nested markup', () => {
    const items = ['<a>', '"b"'];
    // prettier-ignore
    const list = html`<ul>${items.map((item) => html`<li title="${item}">${item}</li>`)}</ul>`;
    // prettier-ignore
    const scalars = html`${undefined}${null}${false}${0}${"'"}`;

    expect(list.value).toBe(
      '<ul><li title="&lt;a&gt;">&lt;a&gt;</li><li title="&quot;b&quot;">&quot;b&quot;</li></ul>',
    );
    expect(scalars.value).toBe('0&#39;');
  });

  it("drops a literal part's line-leading spaces and blank lines, never an interpolated value's", () => {
    const value = '  kept\n\n    as given ';
    // prettier-ignore
    const fragment = html`<p>
        one
\t
        two ${value}
      </p>`;

    expect(fragment.value).toBe(`<p>\none\ntwo ${value}\n</p>`);
  });
});
