import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SiteMetaError } from '../../lambda/core/pipeline.js';
import { validateDataset } from '../../lambda/core/validate.js';
import { FIXTURE_DESCRIPTOR, fixtureSource } from '../support/dataset-fixture.js';
import { cli } from '../support/workspace.js';
import { hostileWorkspace, publishAll, publishedDatasetFiles, SITE } from './hostile-workspace.js';

const D = FIXTURE_DESCRIPTOR;
const [firstColumn, secondColumn, ...otherColumns] = D.columns;

describe('descriptor text and links', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a title on two lines', { title: 'Sample\ndataset' }, '/title'],
    ['a title with a tab', { title: 'Sample\tdataset' }, '/title'],
    ['a description with a bidi override', { description: `${D.description} \u202eevil` }, '/description'],
    ['a description with an escape sequence', { description: `${D.description} \u001b[2J` }, '/description'],
    ['a keyword with a bell', { keywords: ['te\u0007st'] }, '/keywords/0'],
    [
      'a column description with an isolate',
      {
        columns: [
          firstColumn,
          { ...secondColumn, description: 'Calendar \u2066year\u2069.' },
          ...otherColumns,
        ],
      },
      '/columns/1/description',
    ],
    [
      'a column unit on two lines',
      { columns: [firstColumn, { ...secondColumn, unit: 'a\nb' }, ...otherColumns] },
      '/columns/1/unit',
    ],
    [
      'a source citation with a line break',
      { source: { ...D.source, citation: 'Test citation\nfor the sample.' } },
      '/source/citation',
    ],
    [
      'a source author with a right-to-left mark',
      { source: { ...D.source, authors: ['A.\u200f Author'] } },
      '/source/authors/0',
    ],
    [
      'a javascript: publisher URL',
      { publisher: { name: 'x', url: 'javascript:alert(1)' } },
      '/publisher/url',
    ],
    [
      'a data: publisher URL',
      { publisher: { name: 'x', url: 'data:text/html,<script>1</script>' } },
      '/publisher/url',
    ],
    ['an http URL with no host', { publisher: { name: 'x', url: 'http:evil' } }, '/publisher/url'],
  ])('%s is a descriptor-error at its pointer', async (_name, change, pointer) => {
    const { report } = await validateDataset(fixtureSource({ descriptor: { ...D, ...change } }));

    expect(report.issues.length).toBeGreaterThan(0);
    for (const issue of report.issues)
      expect(issue).toMatchObject({
        code: 'descriptor-error',
        file: 'data/sample.dataset.json',
        field: pointer,
      });
  });

  it.each([
    { description: `${D.description}\nA second paragraph.` },
    { publisher: { name: 'x', url: 'https://example.org/about' } },
    { publisher: { name: 'x', url: 'http://example.org/' } },
    { publisher: { name: 'x', url: 'mailto:data@example.org' } },
  ])('accepts %j', async (change) => {
    const { report } = await validateDataset(fixtureSource({ descriptor: { ...D, ...change } }));

    expect(report.issues).toEqual([]);
  });

  it('the CLI prints the located issue and publish writes nothing', async () => {
    const descriptor = { ...D, publisher: { name: 'x', url: 'javascript:alert(1)' } };
    const ws = await hostileWorkspace({ sample: { descriptor } });
    // The issue points at the member in the descriptor as written (one line here).
    const column = JSON.stringify(descriptor).indexOf('"url"') + 1;

    const validated = await cli('validate', '--data', ws.data, '--schemas', ws.schemas);
    const published = await publishAll(ws);

    expect(validated.code).toBe(1);
    expect(validated.stderr).toContain(
      `${path.join(ws.data, 'sample.dataset.json')}:1:${column}: [descriptor-error] /publisher/url: `,
    );
    expect(published.outcomes.map((outcome) => outcome.status)).toEqual(['rejected']);
    expect(await publishedDatasetFiles(ws)).toEqual([]);
  });
});

describe('line and paragraph separators in descriptor text', () => {
  // A reader that splits lines as Python's splitlines does found two more RIS tags in this title's citation.
  const FORGED = 'Real title\u2028AU  - Mallory, Eve\u2028UR  - https://evil.example/';
  const LINE = 'it must be one line, without control, invisible or bidirectional formatting characters';
  const PARAGRAPH =
    'only line feeds may break a description, and no control, invisible or bidirectional formatting character is allowed';

  it.each<[string, Record<string, unknown>, string, string]>([
    ['a title', { title: FORGED }, '/title', `contains U+2028 (LINE SEPARATOR) at position 11; ${LINE}`],
    [
      'a source citation',
      { source: { ...D.source, citation: 'Test citation\u2029ER  - ' } },
      '/source/citation',
      `contains U+2029 (PARAGRAPH SEPARATOR) at position 14; ${LINE}`,
    ],
    [
      'a source author',
      { source: { ...D.source, authors: ['Author, A.\u2028AU  - Mallory, Eve'] } },
      '/source/authors/0',
      `contains U+2028 (LINE SEPARATOR) at position 11; ${LINE}`,
    ],
    [
      'an organisation among the authors',
      { source: { ...D.source, authors: [{ organization: 'Ministry\u2029UR  - https://evil.example/' }] } },
      '/source/authors/0/organization',
      `contains U+2029 (PARAGRAPH SEPARATOR) at position 9; ${LINE}`,
    ],
    [
      'the publisher name',
      { publisher: { name: 'Publisher\u2028PB  - Mallory' } },
      '/publisher/name',
      `contains U+2028 (LINE SEPARATOR) at position 10; ${LINE}`,
    ],
    [
      'a keyword',
      { keywords: ['trade\u2028ER  - '] },
      '/keywords/0',
      `contains U+2028 (LINE SEPARATOR) at position 6; ${LINE}`,
    ],
    [
      'a column name',
      { columns: [firstColumn, { ...secondColumn, name: 'year\u2028' }, ...otherColumns] },
      '/columns/1/name',
      `contains U+2028 (LINE SEPARATOR) at position 5; ${LINE}`,
    ],
    [
      'a paragraph: the description',
      { description: `${D.description}\u2029A second paragraph.` },
      '/description',
      `contains U+2029 (PARAGRAPH SEPARATOR) at position ${D.description.length + 1}; ${PARAGRAPH}`,
    ],
    [
      'a paragraph: the change message',
      { changeMessage: 'Corrected 2001.\u2028Again.' },
      '/changeMessage',
      `contains U+2028 (LINE SEPARATOR) at position 16; ${PARAGRAPH}`,
    ],
  ])(
    'in %s is a descriptor-error at its pointer, naming the character',
    async (_name, change, pointer, message) => {
      const { report } = await validateDataset(fixtureSource({ descriptor: { ...D, ...change } }));

      expect(report.issues).toContainEqual(
        expect.objectContaining({
          code: 'descriptor-error',
          field: pointer,
          message: expect.stringContaining(message),
        }),
      );
      for (const issue of report.issues) expect(issue).toMatchObject({ code: 'descriptor-error' });
    },
  );

  it('the CLI refuses a title holding them and writes no citation', async () => {
    const ws = await hostileWorkspace({ sample: { descriptor: { ...D, title: FORGED } } });

    const published = await cli('publish', '--data', ws.data, '--schemas', ws.schemas, '--out', ws.out);

    expect(published.code).toBe(1);
    expect(published.stderr).toContain(
      `[descriptor-error] /title: contains U+2028 (LINE SEPARATOR) at position 11; ${LINE}`,
    );
    expect(await publishedDatasetFiles(ws)).toEqual([]);
  });
});

describe('data/site.json text and links', () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      'a javascript: publisher URL',
      { publisher: { name: 'x', url: 'javascript:alert(1)' } },
      '/publisher/url',
    ],
    ['a title with a bidi override', { title: 'Open \u202edata' }, '/title'],
    ['a title on two lines', { title: 'Open\ndata' }, '/title'],
    ['a title with a line separator', { title: 'Open\u2028data' }, '/title'],
    ['a description with a paragraph separator', { description: 'A catalog.\u2029Of data.' }, '/description'],
    ['a publisher name with an escape sequence', { publisher: { name: 'x\u001b[2J' } }, '/publisher/name'],
  ])('%s stops the run before anything is written, naming the field', async (_name, change, pointer) => {
    const ws = await hostileWorkspace({ sample: {} }, { ...SITE, ...change });

    const run = publishAll(ws);

    await expect(run).rejects.toThrow(SiteMetaError);
    await expect(run).rejects.toThrow(pointer);
    expect(await publishedDatasetFiles(ws)).toEqual([]);
  });
});
