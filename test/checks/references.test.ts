import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue, type Issue } from '../../lambda/core/issue.js';
import { validateDatasets } from '../../lambda/core/pipeline.js';
import { referencedDatasets, type DatasetResolver } from '../../lambda/core/referenced-datasets.js';
import { validateDataset, type DatasetSource } from '../../lambda/core/validate.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA, fixtureSource } from '../support/dataset-fixture.js';
import { REPO_ROOT } from '../support/workspace.js';

const HEADER = 'id,year,value_musd,flagged,day,kind';
const csv = (...lines: string[]): string => [HEADER, ...lines, ''].join('\n');
const brief = (issue: Issue) => [issue.line, issue.column, issue.code, issue.field];

/** The referenced dataset, "totals": one total per year. */
const TOTALS = fixtureSource({
  id: 'totals',
  schema: { ...FIXTURE_SCHEMA, $id: 'https://kz-az-open-data.example/schemas/totals.schema.json' },
  descriptor: { ...FIXTURE_DESCRIPTOR, id: 'totals' },
  csv: csv('t-2001,2001,10.5,false,,turnover', 't-2002,2002,20,false,,turnover'),
});

/** Other datasets as a run gives them: the run's resolver over these sources, each validated on its own. */
function resolverOf(...sources: DatasetSource[]): DatasetResolver {
  return referencedDatasets(async (id) => {
    const source = sources.find((candidate) => candidate.id === id);
    return source === undefined
      ? {
          ok: false,
          issues: [
            { code: 'file-missing', file: `data/${id}.csv`, line: 1, column: 1, message: 'does not exist' },
          ],
        }
      : { ok: true, value: source };
  });
}

/** The sample dataset, each row naming a row of "totals" in `kind`'s place: `day` holds nothing, `id` the key. */
const referring = (descriptor: object, ...lines: string[]) =>
  validateDataset(
    fixtureSource({
      schema: { ...FIXTURE_SCHEMA, properties: { ...FIXTURE_SCHEMA.properties, kind: { type: 'string' } } },
      descriptor: { ...FIXTURE_DESCRIPTOR, ...descriptor },
      csv: csv(...lines),
    }),
    undefined,
    { run: { datasets: resolverOf(TOTALS) } },
  );

describe('the index of a referenced dataset', () => {
  it('keeps each key once, with only the columns a reference compares, never the rest of its rows', async () => {
    const datasets = resolverOf(TOTALS);
    const keys = await datasets.index('totals', ['id'], []);
    const values = await datasets.index('totals', ['year', 'kind'], ['value_musd']);

    if (!keys.ok || !values.ok) throw new Error('the totals dataset should be indexed');
    expect([...keys.rows.keys()]).toEqual(['["t-2001"]', '["t-2002"]']);
    for (const row of keys.rows.values()) expect(Object.keys(row)).toEqual([]);
    expect([...values.rows].map(([key, row]) => [key, { ...row }])).toEqual([
      ['[2001,"turnover"]', { value_musd: 10.5 }],
      ['[2002,"turnover"]', { value_musd: 20 }],
    ]);
    // Asked again, the same index: the dataset is read once per fields and columns.
    expect(await datasets.index('totals', ['id'], [])).toBe(keys);
  });

  it('says which column it lacks, and when the dataset has issues of its own', async () => {
    const broken = fixtureSource({
      id: 'broken',
      schema: { ...FIXTURE_SCHEMA, $id: 'https://kz-az-open-data.example/schemas/broken.schema.json' },
      descriptor: { ...FIXTURE_DESCRIPTOR, id: 'broken' },
      csv: csv('t-2001,not-a-year,1,false,,turnover'),
    });
    const datasets = resolverOf(TOTALS, broken);

    // Said as a column it lacks (noSuchColumn), which a reference to it cannot hold against.
    expect(await datasets.index('totals', ['nope'], [])).toEqual({
      ok: false,
      why: '"nope" is not a column of the dataset "totals"',
      noSuchColumn: true,
    });
    expect(await datasets.index('broken', ['id'], [])).toEqual({
      ok: false,
      why: 'the dataset "broken" has 1 issue of its own (validate it first)',
    });
  });
});

describe('foreign keys', () => {
  const foreignKeys = [{ fields: 'kind', reference: { resource: 'totals', fields: 'id' } }];

  it('accepts rows whose key is a row of the referenced dataset', async () => {
    const { report } = await referring(
      { foreignKeys },
      'a,2001,10.5,false,,t-2001',
      'b,2002,20,false,,t-2002',
    );

    expect(report.issues).toEqual([]);
  });

  it('rejects a broken reference at its row and column', async () => {
    const { report } = await referring(
      { foreignKeys },
      'a,2001,10.5,false,,t-2001',
      'b,2002,20,false,,t-2003',
    );

    expect(report.issues.map(formatIssue)).toEqual([
      'data/sample.csv:3:6: [foreign-key] kind: kind=t-2003: no row of totals (data/totals.csv) has id equal to it (foreignKeys/0)',
    ]);
  });

  it('rejects a reference to a dataset that does not exist, at the descriptor line that declares it', async () => {
    const descriptor = {
      ...FIXTURE_DESCRIPTOR,
      foreignKeys: [{ fields: 'kind', reference: { resource: 'nosuch', fields: 'id' } }],
    };
    const source = fixtureSource({ descriptor, csv: csv('a,2001,1,false,,turnover') });
    const text = JSON.stringify(descriptor, null, 2);
    const { report } = await validateDataset(
      { ...source, descriptor: { ...source.descriptor, text } },
      undefined,
      {
        run: { datasets: resolverOf(TOTALS) },
      },
    );

    const line = text.split('\n').findIndex((row) => row.includes('"reference"')) + 1;
    expect(report.issues.map(brief)).toEqual([[line, 7, 'foreign-key', '/foreignKeys/0/reference']]);
    expect(report.issues[0]?.message).toContain(
      'the dataset "nosuch" cannot be read (data/nosuch.csv:1:1: [file-missing] does not exist)',
    );
  });

  it('refuses a key whose columns can never equal the referenced ones, naming both types, not every row', async () => {
    const other = await referring(
      { foreignKeys: [{ fields: 'year', reference: { resource: 'totals', fields: 'id' } }] },
      'a,2001,1,false,,t-2001',
      'b,2002,1,false,,t-2002',
    );
    const self = await referring(
      { foreignKeys: [{ fields: 'year', reference: { resource: '', fields: 'id' } }] },
      'a,2001,1,false,,t-2001',
    );
    const rule = await referring(
      {
        rules: [
          {
            id: 'same-value',
            kind: 'equals',
            column: 'value_musd',
            fields: 'flagged',
            reference: { resource: 'totals', fields: 'year', column: 'value_musd' },
          },
        ],
      },
      'a,2001,1,false,,t-2001',
    );

    expect(other.report.issues.map((issue) => [issue.code, issue.field, issue.message])).toEqual([
      [
        'foreign-key',
        '/foreignKeys/0/reference',
        'cannot check the references to "totals": "year" is an integer column and "id" of the dataset "totals" a string column, so no value of one can equal a value of the other',
      ],
    ]);
    expect(self.report.issues.map((issue) => issue.message)).toEqual([
      'cannot check the references to this dataset: "year" is an integer column and "id" of this dataset a string column, so no value of one can equal a value of the other',
    ]);
    expect(rule.report.issues.map((issue) => issue.message)).toEqual([
      'rule same-value cannot be checked: "flagged" is a boolean column and "year" of the dataset "totals" an integer column, so no value of one can equal a value of the other',
    ]);
  });

  it('records references to another dataset as not checked when the run has no datasets', async () => {
    const { report } = await validateDataset(
      fixtureSource({
        descriptor: { ...FIXTURE_DESCRIPTOR, foreignKeys },
        csv: csv('a,2001,1,false,,turnover'),
      }),
    );

    expect(report.valid).toBe(true);
    expect(report.checks).toEqual([expect.objectContaining({ check: 'foreign-key', status: 'not-checked' })]);
  });

  it('checks a reference to the dataset itself, to earlier and later rows', async () => {
    const self = [{ fields: ['kind'], reference: { resource: '', fields: ['id'] } }];
    const schema = {
      ...FIXTURE_SCHEMA,
      properties: { ...FIXTURE_SCHEMA.properties, kind: { type: 'string' } },
    };
    const { report } = await validateDataset(
      fixtureSource({
        schema,
        descriptor: { ...FIXTURE_DESCRIPTOR, foreignKeys: self },
        csv: csv('a,2001,1,false,,b', 'b,2002,1,false,,a', 'c,2003,1,false,,c', 'd,2004,1,false,,x'),
      }),
    );

    expect(report.issues.map(brief)).toEqual([[5, 6, 'foreign-key', 'kind']]);
  });
});

describe('declared rules', () => {
  const equals = {
    id: 'value-from-totals',
    kind: 'equals',
    column: 'value_musd',
    fields: 'kind',
    reference: { resource: 'totals', fields: 'id', column: 'value_musd' },
  };

  it('rejects a cell that differs from the referenced row, at the cell, and records the rule as failed', async () => {
    const { report } = await referring(
      { rules: [equals] },
      'a,2001,10.5,false,,t-2001',
      'b,2002,21,false,,t-2002',
    );

    expect(report.issues.map(formatIssue)).toEqual([
      'data/sample.csv:3:3: [rule-error] value_musd: rule value-from-totals: value_musd is 21 but value_musd of the row of totals (data/totals.csv) with id=t-2002 is 20',
    ]);
    expect(report.checks).toEqual([
      expect.objectContaining({ check: 'rule', subject: 'value-from-totals', status: 'failed' }),
    ]);
  });

  it('accepts cells within the tolerance and records the rule as passed', async () => {
    const { report } = await referring(
      { rules: [{ ...equals, tolerance: 0.5 }] },
      'a,2001,10.9,false,,t-2001',
    );

    expect(report.issues).toEqual([]);
    expect(report.checks).toEqual([
      expect.objectContaining({ subject: 'value-from-totals', status: 'passed' }),
    ]);
  });

  const sum = {
    id: 'parts-make-total',
    kind: 'sum',
    column: 'value_musd',
    parts: [{ id: 'export' }, { id: 'import' }],
    total: { id: 'total' },
    tolerance: 0.01,
  };
  const sumRows = (total: string) =>
    csv(
      'export,2019,24.06,false,,export',
      'import,2019,205.54,false,,export',
      `total,2019,${total},false,,turnover`,
    );

  it('accepts rows that add up to the total, binary floating point notwithstanding', async () => {
    const { report } = await validateDataset(
      fixtureSource({ descriptor: { ...FIXTURE_DESCRIPTOR, rules: [sum] }, csv: sumRows('229.6') }),
    );

    expect(report.issues).toEqual([]);
    expect(report.checks).toEqual([
      expect.objectContaining({ subject: 'parts-make-total', status: 'passed' }),
    ]);
  });

  it('rejects rows that do not add up, at the total', async () => {
    const { report } = await validateDataset(
      fixtureSource({ descriptor: { ...FIXTURE_DESCRIPTOR, rules: [sum] }, csv: sumRows('230.14') }),
    );

    expect(report.issues.map(formatIssue)).toEqual([
      'data/sample.csv:4:3: [rule-error] value_musd: rule parts-make-total: 24.06 + 205.54 = 229.6 (lines 2, 3), but value_musd here is 230.14 (tolerance 0.01)',
    ]);
  });

  it('flags a failure declared as a known conflict of the source instead of rejecting it', async () => {
    const conflicts = [
      { id: 'stated-sum', summary: 'The source states a total that its parts do not add up to.' },
    ];
    const { report } = await validateDataset(
      fixtureSource({
        descriptor: { ...FIXTURE_DESCRIPTOR, conflicts, rules: [{ ...sum, conflict: 'stated-sum' }] },
        csv: sumRows('230.14'),
      }),
    );

    expect(report.valid).toBe(true);
    expect(report.checks).toEqual([
      expect.objectContaining({ check: 'rule', subject: 'parts-make-total', status: 'conflict' }),
    ]);
    expect(report.checks?.[0]?.message).toContain('The source states a total');
  });

  it('rejects a selector that selects no row, at its descriptor line', async () => {
    const descriptor = { ...FIXTURE_DESCRIPTOR, rules: [{ ...sum, total: { id: 'nothing' } }] };
    const source = fixtureSource({ descriptor, csv: sumRows('229.6') });
    const text = JSON.stringify(descriptor, null, 2);
    const { report } = await validateDataset({ ...source, descriptor: { ...source.descriptor, text } });

    const line = text.split('\n').findIndex((row) => row.includes('"total"')) + 1;
    expect(report.issues.map(brief)).toEqual([[line, 7, 'rule-error', '/rules/0/total']]);
  });

  it('leaves a sum to a cell that has an issue of its own: not checked, instead of calling the cell empty', async () => {
    const { report } = await validateDataset(
      fixtureSource({ descriptor: { ...FIXTURE_DESCRIPTOR, rules: [sum] }, csv: sumRows('229.6x') }),
    );

    expect(report.issues.map(formatIssue)).toEqual([
      'data/sample.csv:4:3: [type-error] value_musd: "229.6x" is not a number',
    ]);
    expect(report.checks).toEqual([
      {
        check: 'rule',
        subject: 'parts-make-total',
        status: 'not-checked',
        message: 'not checked: the value_musd cell on line 4 is invalid, and its issue says why',
      },
    ]);
  });

  it('leaves a selector to a row whose selecting cell has an issue: not checked, instead of selecting no row', async () => {
    const { report } = await validateDataset(
      fixtureSource({
        descriptor: { ...FIXTURE_DESCRIPTOR, rules: [sum] },
        csv: csv(
          'export,2019,24.06,false,,export',
          'import,2019,205.54,false,,export',
          'total,2019x,229.6,false,,turnover',
        ),
      }),
    );
    const selecting = { ...sum, total: { year: 2019, kind: 'turnover' } };
    const bySelector = await validateDataset(
      fixtureSource({
        descriptor: { ...FIXTURE_DESCRIPTOR, rules: [selecting] },
        csv: csv(
          'export,2019,24.06,false,,export',
          'import,2019,205.54,false,,export',
          'total,2019x,229.6,false,,turnover',
        ),
      }),
    );

    // The year is not what this rule selects by: the total is still found by its id, and the sum holds.
    expect(report.issues.map((issue) => issue.code)).toEqual(['type-error']);
    expect(report.checks).toEqual([expect.objectContaining({ status: 'passed' })]);
    // Selected by year, the row with the bad year may be the total: the type-error says why, and no rule-error.
    expect(bySelector.report.issues.map((issue) => issue.code)).toEqual(['type-error']);
    expect(bySelector.report.checks).toEqual([
      expect.objectContaining({
        status: 'not-checked',
        message: expect.stringContaining('year=2019, kind=turnover selects no row read whole') as string,
      }),
    ]);
  });

  it("tells a rule's mistake against its own kind only, not against every kind it is not", async () => {
    const told = async (rule: object) =>
      (
        await validateDataset(fixtureSource({ descriptor: { ...FIXTURE_DESCRIPTOR, rules: [rule] } }))
      ).report.issues.map((issue) => `${issue.field ?? ''}: ${issue.message}`);

    // A sum of one part: not "must be \"equals\"", "parts is not a member" nor "must match exactly one schema".
    expect(await told({ ...sum, parts: [{ id: 'export' }] })).toEqual([
      '/rules/0/parts: must NOT have fewer than 2 items (limit: 2)',
    ]);
    const { column, ...withoutColumn } = sum;
    expect(await told({ ...withoutColumn, colum: column })).toEqual([
      '/rules/0: must have required property \'column\' (missingProperty: "column")',
      '/rules/0/colum: is not a member this object may have (did you mean "column"?)',
    ]);
    // A kind that is none of them, or none at all: the kinds there are.
    expect(await told({ ...sum, kind: 'summ' })).toEqual(['/rules/0/kind: must be one of "equals", "sum"']);
    const { kind, ...withoutKind } = sum;
    expect(kind).toBe('sum');
    expect(await told(withoutKind)).toEqual([
      '/rules/0: must have required property \'kind\' (missingProperty: "kind")',
    ]);
  });

  it('refuses a rule naming a conflict the descriptor does not list', async () => {
    const { report } = await validateDataset(
      fixtureSource({ descriptor: { ...FIXTURE_DESCRIPTOR, rules: [{ ...sum, conflict: 'nope' }] } }),
    );

    expect(report.issues.map((issue) => [issue.code, issue.field])).toEqual([
      ['descriptor-error', '/rules/0/conflict'],
    ]);
  });
});

describe('the curated datasets', () => {
  it('check the 2019 trade arithmetic, flag the stated 2019 increase as a known conflict, and tie the tidy series to trade', async () => {
    const location = {
      data: new LocalDirectoryStore(path.join(REPO_ROOT, 'data')),
      schemas: new LocalDirectoryStore(path.join(REPO_ROOT, 'schemas')),
      dataLabel: 'data',
      schemasLabel: 'schemas',
    };
    const [trade, byYear] = await validateDatasets(location, ['trade', 'trade-by-year']);
    const outcome = (checks: readonly { subject?: string; status: string }[] | undefined, subject: string) =>
      checks?.find((check) => check.subject === subject)?.status;

    expect(trade?.report.valid).toBe(true);
    expect(outcome(trade?.report.checks, 'exports-plus-imports-2019')).toBe('passed');
    expect(outcome(trade?.report.checks, 'turnover-2018-base-plus-increase-2019')).toBe('conflict');
    expect(byYear?.report.valid).toBe(true);
    const rules = byYear?.report.checks?.filter((check) => check.check === 'rule') ?? [];
    expect(rules.length).toBeGreaterThanOrEqual(8);
    expect(rules.every((check) => check.status === 'passed')).toBe(true);
  });
});

describe('descriptor errors', () => {
  it('point at the line of the member in the descriptor as written', async () => {
    const descriptor = { ...FIXTURE_DESCRIPTOR, license: 'MIT' };
    const source = fixtureSource({ descriptor });
    const text = JSON.stringify(descriptor, null, 2);
    const { report } = await validateDataset({ ...source, descriptor: { ...source.descriptor, text } });

    const line = text.split('\n').findIndex((row) => row.includes('"license"')) + 1;
    expect(line).toBeGreaterThan(1);
    expect(report.issues.map(brief)).toEqual([[line, 3, 'descriptor-error', '/license']]);
  });

  it('point at the enclosing object when a required member is missing', async () => {
    const { publisher, ...rest } = FIXTURE_DESCRIPTOR;
    const descriptor = { ...rest, source: { ...FIXTURE_DESCRIPTOR.source, title: undefined } };
    const source = fixtureSource({ descriptor });
    const text = JSON.stringify(descriptor, null, 2);
    const { report } = await validateDataset({ ...source, descriptor: { ...source.descriptor, text } });

    expect(publisher).toBeDefined();
    const sourceLine = text.split('\n').findIndex((row) => row.includes('"source"')) + 1;
    expect(report.issues.map(brief)).toContainEqual([1, 1, 'descriptor-error', '/']);
    expect(report.issues.map(brief)).toContainEqual([sourceLine, 3, 'descriptor-error', '/source']);
  });
});
