import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import { contentTypeFor } from '../../lambda/core/content-policy.js';
import { citationOf } from '../../lambda/core/site/citations.js';
import { HOSTILE, tradeDataset } from '../injection/hostile-site.js';
import { makeWorkspace, publishWorkspace, readJson } from '../support/workspace.js';

/**
 * The citation files read back as a reference manager would. No BibTeX or RIS
 * parser is installed (the project adds no dependencies without need), so the
 * two readers below follow the formats' grammars: BibTeX entries of brace-
 * delimited fields (braces balanced, `\{` literal), RIS lines of a two-letter
 * tag, two spaces, a dash and a space. CSL-JSON is checked with ajv against
 * the CSL data schema's rules for the fields we write.
 */

function parseBibtex(text: string): { type: string; key: string; fields: Record<string, string> } {
  const head = /^@(\w+)\{([^,\s]+),/.exec(text);
  if (head === null) throw new Error('no entry head');
  const fields: Record<string, string> = {};
  let at = head[0].length;
  for (;;) {
    const field = /^\s*(\w+)\s*=\s*\{/.exec(text.slice(at));
    if (field === null) break;
    at += field[0].length;
    let depth = 1;
    let value = '';
    while (depth > 0) {
      const char = text[at];
      if (char === undefined) throw new Error(`unclosed field ${field[1] ?? ''}`);
      if (char === '\\') {
        value += char + (text[at + 1] ?? '');
        at += 2;
        continue;
      }
      if (char === '{') depth++;
      if (char === '}') depth--;
      if (depth > 0) value += char;
      at++;
    }
    fields[field[1] ?? ''] = value;
    const comma = /^\s*,/.exec(text.slice(at));
    if (comma !== null) at += comma[0].length;
  }
  if (!/^\s*\}\s*$/.test(text.slice(at)))
    throw new Error(`unexpected text after the fields: ${text.slice(at)}`);
  return { type: head[1] ?? '', key: head[2] ?? '', fields };
}

function parseRis(text: string): [string, string][] {
  const lines = text.split('\r\n').filter((line) => line !== '');
  return lines.map((line) => {
    const match = /^([A-Z][A-Z0-9]) {2}- (.*)$/.exec(line);
    if (match === null) throw new Error(`not a RIS line: ${JSON.stringify(line)}`);
    return [match[1] ?? '', match[2] ?? ''];
  });
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

  it('credits the paper’s authors and the project, with the version and its URL, in BibTeX', async () => {
    for (const dataset of catalog.datasets) {
      const bib = parseBibtex(
        await readFile(path.join(out, `datasets/${dataset.id}/cite/1.0.0.bib`), 'utf8'),
      );
      expect(bib.type).toBe('dataset');
      expect(bib.fields.author).toBe('Ospanova, A.N. and Agaeva, F.M.');
      expect(bib.fields.publisher).toBe('kz-az-open-data');
      expect(bib.fields.version).toBe('1.0.0');
      expect(bib.fields.url).toBe(`${BASE_URL}datasets/${dataset.id}/index.html\\#v1.0.0`);
      expect(bib.fields.title).toBe(dataset.title);
    }
  });

  it('says the same in RIS', async () => {
    const ris = parseRis(await readFile(path.join(out, 'datasets/trade/cite/1.0.0.ris'), 'utf8'));
    expect(ris[0]).toEqual(['TY', 'DATA']);
    expect(ris.at(-1)).toEqual(['ER', '']);
    expect(ris.filter(([tag]) => tag === 'AU').map(([, value]) => value)).toEqual([
      'Ospanova, A.N.',
      'Agaeva, F.M.',
    ]);
    expect(Object.fromEntries(ris)).toMatchObject({
      PB: 'kz-az-open-data',
      ET: '1.0.0',
      UR: `${BASE_URL}datasets/trade/index.html#v1.0.0`,
    });
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

  it('keeps each format intact whatever the text: no field ends early, no forged RIS tag', () => {
    const { document, entry } = tradeDataset([2001, 2002]);
    const hostile = { ...document, title: `${HOSTILE}}\nTY  - JOUR\r\nER  - ` };
    const citation = citationOf(hostile, entry.versions[0] as (typeof entry.versions)[number], BASE_URL);

    const bib = parseBibtex(citation.bibtex);
    expect(Object.keys(bib.fields)).toEqual([
      'author',
      'title',
      'version',
      'publisher',
      'year',
      'month',
      'url',
      'note',
      'copyright',
    ]);
    const ris = parseRis(citation.ris);
    expect(ris.filter(([tag]) => tag === 'TY')).toHaveLength(1);
    expect(ris.filter(([tag]) => tag === 'ER')).toHaveLength(1);
    expect(JSON.parse(citation.cslJson)).toHaveLength(1);
  });
});
