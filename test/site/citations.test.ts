import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Cite } from '@citation-js/core';
import '@citation-js/plugin-bibtex';
import '@citation-js/plugin-ris';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import { contentTypeFor } from '../../lambda/core/content-policy.js';
import { citationOf } from '../../lambda/core/site/citations.js';
import { HOSTILE, tradeDataset } from '../injection/hostile-site.js';
import { makeWorkspace, publishWorkspace, readJson } from '../support/workspace.js';

/**
 * The citation files read back as a reference manager would: BibTeX and RIS by
 * citation-js (its BibTeX/biblatex and RIS plugins), which gives each entry as
 * CSL-JSON; CSL-JSON itself is checked with ajv against the CSL data schema's
 * rules for the fields we write. The page's own copies are read the same way.
 */

/** One CSL item as citation-js reads it. */
interface CslItem {
  type?: string;
  title?: string;
  author?: { family?: string; given?: string; literal?: string }[];
  publisher?: string;
  version?: string;
  URL?: string;
  issued?: { 'date-parts'?: number[][] };
}

/** The entries citation-js finds in a BibTeX or RIS text (type detected, as a user's paste would be). */
async function parsed(text: string, type: '@biblatex/text' | '@ris/file'): Promise<CslItem[]> {
  const cite = await Cite.async(text, { forceType: type });
  return cite.data as CslItem[];
}

/** The text of the page's `<pre><code>` under a `<summary>`, with the HTML escapes read back. */
function pageCopy(page: string, summary: string): string {
  const match = new RegExp(`<summary>${summary}</summary>\\s*<pre[^>]*><code>([\\s\\S]*?)</code></pre>`).exec(
    page,
  );
  if (match === null) throw new Error(`no ${summary} copy on the page`);
  return (match[1] ?? '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The CSL-JSON data schema's rules for the fields written (csl-data.json, v1.0). */
const CSL_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    required: ['id', 'type'],
    properties: {
      id: { type: ['string', 'number'] },
      type: { enum: ['dataset', 'article', 'book', 'report', 'webpage', 'software'] },
      title: { type: 'string' },
      author: {
        type: 'array',
        items: {
          type: 'object',
          properties: { family: { type: 'string' }, given: { type: 'string' } },
          additionalProperties: false,
        },
      },
      publisher: { type: 'string' },
      version: { type: 'string' },
      URL: { type: 'string', format: 'uri' },
      note: { type: 'string' },
      license: { type: 'string' },
      issued: {
        type: 'object',
        required: ['date-parts'],
        properties: {
          'date-parts': {
            type: 'array',
            minItems: 1,
            maxItems: 2,
            items: { type: 'array', minItems: 1, maxItems: 3, items: { type: 'integer' } },
          },
        },
      },
    },
    additionalProperties: false,
  },
} as const;

const BASE_URL = 'https://data.example.org/kz-az/';

describe('citation files', () => {
  let out = '';
  let catalog: Catalog;

  beforeAll(async () => {
    const ws = await makeWorkspace();
    out = ws.out;
    expect((await publishWorkspace(ws, '--base-url', BASE_URL)).code).toBe(0);
    catalog = await readJson<Catalog>(path.join(out, 'catalog.json'));
  });

  /** What every citation of a dataset's version 1.0.0 must say, as CSL. */
  function expected(id: string): Partial<CslItem> {
    const dataset = catalog.datasets.find((candidate) => candidate.id === id);
    const published = dataset?.versions.find((v) => v.version === '1.0.0')?.published ?? '';
    return {
      type: 'dataset',
      title: dataset?.title ?? '',
      author: [
        { family: 'Ospanova', given: 'A.N.' },
        { family: 'Agaeva', given: 'F.M.' },
      ],
      publisher: 'kz-az-open-data',
      version: '1.0.0',
      URL: `${BASE_URL}datasets/${id}/index.html#v1.0.0`,
      issued: { 'date-parts': [[Number(published.slice(0, 4)), Number(published.slice(5, 7))]] },
    };
  }

  it('credits the paper’s authors and the project, with the title, year, version and URL, in BibTeX', async () => {
    for (const dataset of catalog.datasets) {
      const text = await readFile(path.join(out, `datasets/${dataset.id}/cite/1.0.0.bib`), 'utf8');
      const items = await parsed(text, '@biblatex/text');
      expect(items, dataset.id).toHaveLength(1);
      expect(items[0], dataset.id).toMatchObject(expected(dataset.id));
    }
  });

  it('says the same in RIS, with the day of publication', async () => {
    for (const dataset of catalog.datasets) {
      const text = await readFile(path.join(out, `datasets/${dataset.id}/cite/1.0.0.ris`), 'utf8');
      const items = await parsed(text, '@ris/file');
      expect(items, dataset.id).toHaveLength(1);
      const published = dataset.versions.find((v) => v.version === '1.0.0')?.published ?? '';
      expect(items[0], dataset.id).toMatchObject({
        ...expected(dataset.id),
        issued: { 'date-parts': [published.slice(0, 10).split('-').map(Number)] },
      });
    }
  });

  it('shows on each page copies that read back as the files do', async () => {
    for (const dataset of catalog.datasets) {
      const page = await readFile(path.join(out, `datasets/${dataset.id}/index.html`), 'utf8');
      const bib = await parsed(pageCopy(page, 'BibTeX'), '@biblatex/text');
      const ris = await parsed(pageCopy(page, 'RIS'), '@ris/file');
      const [fileBib, fileRis] = await Promise.all([
        readFile(path.join(out, `datasets/${dataset.id}/cite/${dataset.latest}.bib`), 'utf8'),
        readFile(path.join(out, `datasets/${dataset.id}/cite/${dataset.latest}.ris`), 'utf8'),
      ]);
      const strip = ({ _graph, ...item }: CslItem & { _graph?: unknown }): CslItem => item;
      expect(bib.map(strip), dataset.id).toEqual((await parsed(fileBib, '@biblatex/text')).map(strip));
      expect(ris.map(strip), dataset.id).toEqual((await parsed(fileRis, '@ris/file')).map(strip));
      expect(bib[0], dataset.id).toMatchObject(expected(dataset.id));
    }
  });

  it('writes CSL-JSON that the CSL data schema accepts', async () => {
    const ajv = new Ajv2020({ allowUnionTypes: true, validateFormats: false });
    const validate = ajv.compile(CSL_SCHEMA);
    for (const dataset of catalog.datasets) {
      const key = `datasets/${dataset.id}/cite/1.0.0.csl.json`;
      const csl = JSON.parse(await readFile(path.join(out, key), 'utf8')) as {
        version: string;
        URL: string;
      }[];
      expect(validate(csl), JSON.stringify(validate.errors)).toBe(true);
      expect(csl[0]?.version).toBe('1.0.0');
      expect(csl[0]?.URL).toBe(`${BASE_URL}datasets/${dataset.id}/index.html#v1.0.0`);
      expect(contentTypeFor(key)).toBe('application/json; charset=utf-8');
    }
    expect(contentTypeFor('x/cite/1.0.0.bib')).toBe('application/x-bibtex; charset=utf-8');
    expect(contentTypeFor('x/cite/1.0.0.ris')).toBe('application/x-research-info-systems; charset=utf-8');
  });

  it('shows the citation on the page and links every version’s files', async () => {
    const page = await readFile(path.join(out, 'datasets/trade/index.html'), 'utf8');
    for (const file of ['cite/1.0.0.bib', 'cite/1.0.0.ris', 'cite/1.0.0.csl.json'])
      expect(page).toContain(`href="${file}"`);
    expect(page).toContain('<summary>BibTeX</summary>');
  });

  it('keeps an organisation whole and a person turned, in every format, even with "and" in a name', async () => {
    const { document, entry } = tradeDataset([2001, 2002]);
    const authors = [
      { organization: 'Ministry of Trade and Integration of Kazakhstan' },
      'A.N. Ospanova',
      'Ann and Bo',
      'Agaeva, F.M.',
    ];
    const citation = citationOf(
      { ...document, source: { ...document.source, authors } },
      entry.versions[0] as (typeof entry.versions)[number],
      BASE_URL,
    );
    const expected = [
      { literal: 'Ministry of Trade and Integration of Kazakhstan' },
      { family: 'Ospanova', given: 'A.N.' },
      { family: 'Bo', given: 'Ann and' },
      { family: 'Agaeva', given: 'F.M.' },
    ];

    const [bib] = await parsed(citation.bibtex, '@biblatex/text');
    const [ris] = await parsed(citation.ris, '@ris/file');
    const [csl] = JSON.parse(citation.cslJson) as CslItem[];
    // BibTeX keeps a braced name whole as one family name, which is how BibTeX styles print an organisation.
    expect(bib?.author).toEqual([
      { family: 'Ministry of Trade and Integration of Kazakhstan' },
      ...expected.slice(1),
    ]);
    expect(ris?.author).toEqual(expected);
    expect(csl?.author).toEqual(expected);
    expect(citation.text).toMatch(
      /^Ministry of Trade and Integration of Kazakhstan, A\.N\. Ospanova, Ann and Bo, Agaeva, F\.M\. \(/,
    );
  });

  it('keeps each format intact whatever the text: no field ends early, no forged RIS tag', async () => {
    const { document, entry } = tradeDataset([2001, 2002]);
    const hostile = { ...document, title: `${HOSTILE}}\nTY  - JOUR\r\nER  - ` };
    const citation = citationOf(hostile, entry.versions[0] as (typeof entry.versions)[number], BASE_URL);

    const [bib] = await parsed(citation.bibtex, '@biblatex/text').then((items) => {
      expect(items).toHaveLength(1);
      return items;
    });
    // Every field survives the hostile title: nothing after it was swallowed or cut.
    expect(bib).toMatchObject({ type: 'dataset', version: '1.0.0', publisher: expect.stringMatching(/\S/) });
    // The forged tags stay inside the title (BibTeX reads runs of white space as one space).
    expect(bib?.title).toMatch(/\}\s+TY\s+-\s+JOUR\s+ER\s+-\s*$/);
    expect(bib?.URL).toBe(`${BASE_URL}datasets/trade/index.html#v1.0.0`);
    const ris = await parsed(citation.ris, '@ris/file');
    expect(ris).toHaveLength(1);
    expect(ris[0]?.type).toBe('dataset');
    expect(ris[0]?.URL).toBe(`${BASE_URL}datasets/trade/index.html#v1.0.0`);
    expect(JSON.parse(citation.cslJson)).toHaveLength(1);
  });

  it('ends no line inside a text for a reader that splits lines as Python does (U+2028, U+2029)', async () => {
    const { document, entry } = tradeDataset([2001, 2002]);
    // What a version published before the text rules refused these separators may still hold.
    const forged = 'Real title\u2028AU  - Mallory, Eve\u2028UR  - https://evil.example/';
    const citation = citationOf(
      {
        ...document,
        title: forged,
        publisher: { ...document.publisher, name: 'Publisher\u2029PB  - Mallory' },
        source: {
          ...document.source,
          citation: 'A paper.\u2029N1  - forged',
          authors: ['Author, A.\u2028AU  - Mallory, Eve', { organization: 'Ministry\u2029ER  - ' }],
        },
      },
      entry.versions[0] as (typeof entry.versions)[number],
      BASE_URL,
    );
    // Python's str.splitlines: CR LF, and each of LF, CR, VT, FF, FS, GS, RS, NEL, U+2028 and U+2029.
    const breaks = [
      '\r\n',
      '\n',
      '\r',
      '\v',
      '\f',
      '\u001c',
      '\u001d',
      '\u001e',
      '\u0085',
      '\u2028',
      '\u2029',
    ];
    const splitlines = (text: string): string[] =>
      breaks
        .reduce((lines, lineBreak) => lines.flatMap((line) => line.split(lineBreak)), [text])
        .filter((line) => line !== '');

    const ris = splitlines(citation.ris);

    expect(ris.map((line) => line.slice(0, 6))).toEqual(
      ['TY', 'AU', 'AU', 'TI', 'ET', 'PB', 'PY', 'DA', 'UR', 'N1', 'ID', 'ER'].map((tag) => `${tag}  - `),
    );
    expect(ris).toContain('TI  - Real title AU  - Mallory, Eve UR  - https://evil.example/');
    expect(ris).toContain('AU  - Author, A. AU  - Mallory, Eve');
    expect(ris).toContain(`UR  - ${BASE_URL}datasets/trade/index.html#v1.0.0`);
    expect(splitlines(citation.bibtex)).toContain(
      '  title = {Real title AU  - Mallory, Eve UR  - https://evil.example/},',
    );
    const [item] = await parsed(citation.ris, '@ris/file');
    expect(item?.URL).toBe(`${BASE_URL}datasets/trade/index.html#v1.0.0`);
  });
});
