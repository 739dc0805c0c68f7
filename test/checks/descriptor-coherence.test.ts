import { describe, expect, it } from 'vitest';
import type { Issue } from '../../lambda/core/issue.js';
import { datasetJsonLd } from '../../lambda/core/site/schema-org.js';
import { validateDataset } from '../../lambda/core/validate.js';
import { hostileSite, tradeDataset } from '../injection/hostile-site.js';
import { FIXTURE_DESCRIPTOR, fixtureSource } from '../support/dataset-fixture.js';

/** The descriptor issues of validating the sample dataset with `overrides` in its descriptor. */
async function descriptorIssues(overrides: object): Promise<Pick<Issue, 'field' | 'message'>[]> {
  const { report } = await validateDataset(
    fixtureSource({ descriptor: { ...FIXTURE_DESCRIPTOR, ...overrides } }),
  );
  return report.issues
    .filter((issue) => issue.code === 'descriptor-error')
    .map(({ field, message }) => ({ field, message }));
}

const series = { name: 'values', kind: 'series', title: 'Values by year', x: 'year', y: 'value_musd' };

describe('a chart declaration', () => {
  it('that draws columns of the schema, of types it can draw, is accepted', async () => {
    expect(
      await descriptorIssues({
        charts: [
          { ...series, series: 'kind', flag: 'flagged', where: { kind: 'turnover' } },
          { name: 'events', kind: 'timeline', title: 'Dated figures', x: 'day', year: 'year', label: 'id' },
          { name: 'bars', kind: 'bars', title: 'Each figure', x: 'id', y: 'value_musd', facet: 'kind' },
        ],
      }),
    ).toEqual([]);
  });

  it('naming a column the schema does not have is refused at the member, for every member', async () => {
    expect(
      await descriptorIssues({
        charts: [
          { ...series, y: 'value_usd', series: 'knd', readings: ['other'], where: { kindd: 'turnover' } },
          {
            name: 'events',
            kind: 'timeline',
            title: 'Dated figures',
            x: 'date',
            label: 'title',
            flag: 'flag',
          },
        ],
      }),
    ).toEqual([
      { field: '/charts/0/y', message: 'names "value_usd", which is not a column of the schema' },
      { field: '/charts/0/series', message: 'names "knd", which is not a column of the schema' },
      { field: '/charts/0/readings/0', message: 'names "other", which is not a column of the schema' },
      { field: '/charts/0/where', message: 'names "kindd", which is not a column of the schema' },
      { field: '/charts/1/x', message: 'names "date", which is not a column of the schema' },
      { field: '/charts/1/label', message: 'names "title", which is not a column of the schema' },
      { field: '/charts/1/flag', message: 'names "flag", which is not a column of the schema' },
    ]);
  });

  it('naming a column of a type the chart cannot draw says which type it needs', async () => {
    expect(
      await descriptorIssues({
        charts: [
          { ...series, x: 'day', y: 'kind', flag: 'year', readings: ['id'] },
          { name: 'bars', kind: 'bars', title: 'Each figure', x: 'id', y: 'flagged' },
          { name: 'events', kind: 'timeline', title: 'Dated figures', x: 'value_musd' },
        ],
      }),
    ).toEqual([
      {
        field: '/charts/0/x',
        message: 'names "day", of type date; a series chart needs an integer (year) column here',
      },
      {
        field: '/charts/0/y',
        message: 'names "kind", of type string; a series chart needs a number or integer column here',
      },
      {
        field: '/charts/0/flag',
        message: 'names "year", of type integer; a series chart needs a boolean column here',
      },
      {
        field: '/charts/0/readings/0',
        message: 'names "id", of type string; a series chart needs a number or integer column here',
      },
      {
        field: '/charts/1/y',
        message: 'names "flagged", of type boolean; a bars chart needs a number or integer column here',
      },
      {
        field: '/charts/2/x',
        message:
          'names "value_musd", of type number; a timeline chart needs a date, integer (year) or text column here',
      },
    ]);
  });

  it('without the column a series or bars chart draws, or with the name of an earlier chart, is refused', async () => {
    const { y, ...withoutY } = series;
    expect(y).toBe('value_musd');
    expect(
      await descriptorIssues({
        charts: [withoutY, { ...series, title: 'The same name again' }],
      }),
    ).toEqual([
      { field: '/charts/0', message: 'a series chart needs "y", the column it draws' },
      { field: '/charts/1/name', message: '"values" is the name of an earlier chart' },
    ]);
  });
});

describe("a chart's where", () => {
  it('that no cell of its column could equal is refused, saying why', async () => {
    expect(
      await descriptorIssues({
        charts: [
          {
            ...series,
            where: { kind: 'import', year: '2019', value_musd: true, flagged: 'false', id: 7, day: 20190101 },
          },
          { ...series, name: 'other', where: { year: 2019.5 } },
        ],
      }),
    ).toEqual([
      {
        field: '/charts/0/where/kind',
        message: '"import" is not one of the values the schema allows in "kind": no row would be drawn',
      },
      {
        field: '/charts/0/where/year',
        message: '"2019" is a string, and "year" holds integer values: no row would be drawn',
      },
      {
        field: '/charts/0/where/value_musd',
        message: 'true is a boolean, and "value_musd" holds number values: no row would be drawn',
      },
      {
        field: '/charts/0/where/flagged',
        message: '"false" is a string, and "flagged" holds boolean values: no row would be drawn',
      },
      {
        field: '/charts/0/where/id',
        message: '7 is a number, and "id" holds string values: no row would be drawn',
      },
      {
        field: '/charts/0/where/day',
        message: '20190101 is a number, and "day" holds dates written as text: no row would be drawn',
      },
      {
        field: '/charts/1/where/year',
        message: '2019.5 is not a whole number, and "year" holds integers: no row would be drawn',
      },
    ]);
  });
});

describe('temporalCoverage', () => {
  it('that ends before it starts is refused', async () => {
    expect(await descriptorIssues({ temporalCoverage: { start: '2019-12-31', end: '2001-01-01' } })).toEqual([
      {
        field: '/temporalCoverage',
        message: 'starts on 2019-12-31, after it ends (2001-01-01); give the start first',
      },
    ]);
  });

  it('of a single day is accepted', async () => {
    expect(await descriptorIssues({ temporalCoverage: { start: '2019-12-31', end: '2019-12-31' } })).toEqual(
      [],
    );
  });
});

describe('source.authors', () => {
  const withAuthors = (authors: unknown[]) =>
    descriptorIssues({ source: { ...FIXTURE_DESCRIPTOR.source, authors } });

  it('takes people as names and organisations as {"organization": …}, in any order', async () => {
    expect(
      await withAuthors(['A.N. Ospanova', { organization: 'Ministry of Trade and Integration' }]),
    ).toEqual([]);
  });

  it('refuses an organisation without its name, or with another member, once at the author', async () => {
    expect(await withAuthors([{ organization: '' }, { org: 'x' }, 5])).toEqual([
      {
        field: '/source/authors/0/organization',
        message: 'must NOT have fewer than 1 characters (limit: 1)',
      },
      {
        field: '/source/authors/1',
        message: `must have required property 'organization' (missingProperty: "organization")`,
      },
      {
        field: '/source/authors/1/org',
        message: 'is not a member this object may have (did you mean "organization"?)',
      },
      { field: '/source/authors/2', message: 'must be object (type: "object")' },
    ]);
  });

  it('states an organisation as a schema.org Organization and a person as a Person', () => {
    const trade = tradeDataset([2001, 2002]);
    const { document } = trade;
    const dataset = {
      ...trade,
      document: {
        ...document,
        source: { ...document.source, authors: [{ organization: 'Statistics Agency' }, 'A. Author'] },
      },
    };
    const jsonLd = datasetJsonLd(hostileSite([dataset], 'https://example.org/'), dataset) as {
      creator: unknown;
      isBasedOn: { author: unknown };
    };
    const expected = [
      { '@type': 'Organization', name: 'Statistics Agency' },
      { '@type': 'Person', name: 'A. Author' },
    ];
    expect(jsonLd.creator).toEqual(expected);
    expect(jsonLd.isBasedOn.author).toEqual(expected);
  });
});

describe('descriptor errors in plain words', () => {
  it('names a mistyped member at its own key, with the one meant, and a constant as the value it must be', async () => {
    const source = fixtureSource({
      descriptor: {
        ...FIXTURE_DESCRIPTOR,
        titel: 'Typo',
        license: 'CC-BY-40',
      } as unknown as typeof FIXTURE_DESCRIPTOR,
    });

    const { report } = await validateDataset(source);

    expect(report.issues.map((issue) => [issue.field, issue.message])).toEqual(
      expect.arrayContaining([
        ['/titel', 'is not a member this object may have (did you mean "title"?)'],
        ['/license', 'must be "CC-BY-4.0"'],
      ]),
    );
    const titel = report.issues.find((issue) => issue.field === '/titel');
    expect(source.descriptor.text.split('\n')[(titel?.line ?? 0) - 1]).toContain('"titel"');
  });
});

describe('a key naming a column the schema does not have', () => {
  it('is refused at the member, with the column most likely meant', async () => {
    expect(
      await descriptorIssues({ primaryKey: ['yaer', 'id'], uniqueKeys: [['idd'], ['nothing_like']] }),
    ).toEqual([
      {
        field: '/primaryKey',
        message: 'names "yaer", which is not a column of the schema (did you mean "year"?)',
      },
      {
        field: '/uniqueKeys/0',
        message: 'names "idd", which is not a column of the schema (did you mean "id"?)',
      },
      { field: '/uniqueKeys/1', message: 'names "nothing_like", which is not a column of the schema' },
    ]);
  });
});
