import { describe, expect, it } from 'vitest';
import { validateDataset } from '../../lambda/core/validate.js';
import { FIXTURE_DESCRIPTOR, fixtureSource } from '../support/dataset-fixture.js';
import { CASES, ourCode, type Located, type ParityCase } from './cases.js';

async function validateCase(parity: ParityCase): Promise<Located[]> {
  const schema = {
    type: 'object',
    properties: Object.fromEntries(parity.columns.map((column) => [column.name, column.schema])),
    required: parity.columns.filter((column) => column.required === true).map((column) => column.name),
    additionalProperties: false,
  };
  const descriptor = {
    ...FIXTURE_DESCRIPTOR,
    primaryKey: parity.primaryKey,
    ...(parity.uniqueKeys === undefined ? {} : { uniqueKeys: parity.uniqueKeys }),
    ...(parity.foreignKeys === undefined ? {} : { foreignKeys: parity.foreignKeys }),
    columns: parity.columns.map((column) => ({ name: column.name, description: 'A column of the case.' })),
  };
  const { report } = await validateDataset(fixtureSource({ csv: parity.csv, schema, descriptor }));
  expect(report.truncated).toBe(false);
  // The case itself is well formed: only the CSV has issues.
  expect(report.issues.filter((issue) => issue.file !== 'data/sample.csv')).toEqual([]);
  return report.issues
    .filter((issue) => parity.pick === undefined || parity.pick.includes(issue.code))
    .map((issue) => [issue.line, issue.column, issue.code] as const);
}

/** What a Frictionless error is reported as here, or undefined when deliberately not. */
function reportedAs([[row, field, type], verdict]: ParityCase['expected'][number]): Located | undefined {
  switch (verdict.verdict) {
    case 'same':
      return [row ?? 1, field ?? 1, ourCode(type)];
    case 'convention':
      return verdict.ours;
    case 'omitted':
      return undefined;
  }
}

describe('parity with frictionless-py', () => {
  it.each(CASES.map((parity) => [parity.from, parity] as const))('%s', async (_from, parity) => {
    const ours = await validateCase(parity);

    expect(ours).toEqual(parity.ours);
    for (const expected of parity.expected) {
      const [[row, , type]] = expected;
      const as = reportedAs(expected);
      if (as !== undefined) expect(ours).toContainEqual(as);
      // What is omitted is omitted: no issue of that code on that row stands for it.
      else
        expect(
          ours.filter(([line, , code]) => line === (row ?? 1) && code === ourCode(type)).length,
        ).toBeLessThan(parity.expected.filter(([[r, , t]]) => r === row && t === type).length);
    }
  });

  it('reports the expected errors at the same row, field and type, or under a stated convention', () => {
    const expected = CASES.flatMap((parity) => parity.expected);
    const count = (verdict: string) => expected.filter(([, v]) => v.verdict === verdict).length;

    // The figures docs/validation.md states.
    expect({
      expected: expected.length,
      same: count('same'),
      convention: count('convention'),
      omitted: count('omitted'),
    }).toEqual({
      expected: 73,
      same: 37,
      convention: 24,
      omitted: 12,
    });
  });
});
