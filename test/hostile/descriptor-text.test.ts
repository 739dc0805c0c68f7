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

describe('data/site.json text and links', () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      'a javascript: publisher URL',
      { publisher: { name: 'x', url: 'javascript:alert(1)' } },
      '/publisher/url',
    ],
    ['a title with a bidi override', { title: 'Open \u202edata' }, '/title'],
    ['a title on two lines', { title: 'Open\ndata' }, '/title'],
    ['a publisher name with an escape sequence', { publisher: { name: 'x\u001b[2J' } }, '/publisher/name'],
  ])('%s stops the run before anything is written, naming the field', async (_name, change, pointer) => {
    const ws = await hostileWorkspace({ sample: {} }, { ...SITE, ...change });

    const run = publishAll(ws);

    await expect(run).rejects.toThrow(SiteMetaError);
    await expect(run).rejects.toThrow(pointer);
    expect(await publishedDatasetFiles(ws)).toEqual([]);
  });
});
