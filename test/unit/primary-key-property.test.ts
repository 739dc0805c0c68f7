import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateDataset } from '../../lambda/core/validate.js';
import { FIXTURE_DESCRIPTOR, fixtureSource } from '../support/dataset-fixture.js';

/** One data row of the fixture's columns; `year` may be empty, so that the row claims no key. */
interface KeyRow {
  readonly kind: 'turnover' | 'export';
  readonly year: number | undefined;
  readonly id: string;
}

const row: fc.Arbitrary<KeyRow> = fc.record({
  kind: fc.constantFrom('turnover', 'export'),
  // Few values, so that keys repeat; an empty year is a constraint error and claims no key.
  year: fc.option(fc.integer({ min: 2001, max: 2004 }), { nil: undefined, freq: 8 }),
  id: fc.constantFrom('a', 'b', 'c', '2001', '2001-21', '199X'),
});

/** What a reader of the table expects: each row whose key a row above already had names that row's line. */
function expectedRepeats(rows: readonly KeyRow[], key: readonly (keyof KeyRow)[]): string[] {
  const firstLine = new Map<string, number>();
  const repeats: string[] = [];
  rows.forEach((one, index) => {
    const line = index + 2;
    if (key.some((name) => one[name] === undefined)) return;
    const text = JSON.stringify(key.map((name) => one[name]));
    const first = firstLine.get(text);
    if (first === undefined) firstLine.set(text, line);
    else repeats.push(`${line}:${first}`);
  });
  return repeats;
}

const csvOf = (rows: readonly KeyRow[]): string =>
  [
    'id,year,value_musd,flagged,day,kind',
    ...rows.map((one) => `${one.id},${one.year ?? ''},1,false,,${one.kind}`),
    '',
  ].join('\n');

describe('the primary key check, on generated tables', () => {
  it.each([[['id', 'year']], [['year', 'kind']], [['kind', 'year', 'id']]] as const)(
    'names every repeated key %j with the line of its first row, in key order or not',
    async (key) => {
      await fc.assert(
        fc.asyncProperty(fc.array(row, { maxLength: 14 }), fc.boolean(), async (generated, sorted) => {
          // Half the tables are in key order, read once; the others mostly not, read twice.
          const rows = sorted
            ? [...generated].sort((a, b) => String(a.year ?? '').localeCompare(String(b.year ?? '')))
            : generated;
          const { report } = await validateDataset(
            fixtureSource({ csv: csvOf(rows), descriptor: { ...FIXTURE_DESCRIPTOR, primaryKey: key } }),
          );
          const found = report.issues
            .filter((issue) => issue.code === 'primary-key')
            .map(
              (issue) => `${issue.line}:${/repeats the row on line (\d+)/.exec(issue.message)?.[1] ?? '?'}`,
            );
          expect(found).toEqual(expectedRepeats(rows, key));
        }),
        { seed: 20261206, numRuns: 150 },
      );
    },
  );
});
