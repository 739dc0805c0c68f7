import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkRowProvenance,
  normalizeSourceText,
  type ProvenanceRules,
  type StatedAs,
} from '../../lambda/core/provenance.js';

const SOURCE = normalizeSourceText(
  [
    'The trade turnover between two countries in 2001 amounted to \\$ 106.1 million, in 2002 - \\$ 161.2',
    'million. In 2019, it decreased by 47.4% compared to 2018. During 9 months of 2020, 1.6 million tons',
    'of cargo delivered, including 9.8 thousand containers. Nowadays, 1,524 enterprises are registered.',
    'Visits: June 10-11, 1997, April 7, 2000, March 2004. The firm "Baku Grain Terminal" began work.',
  ].join('\n'),
);

function rules(stated: Record<string, Exclude<StatedAs, false>>): ProvenanceRules {
  return {
    quoteColumn: 'quote',
    stated: new Map(Object.entries(stated)),
    source: SOURCE,
    sourceFile: 'paper.txt',
  };
}

describe('provenance of one row', () => {
  it('accepts a quote that occurs in the source once `\\$` reads `$`, across a line break', () => {
    const problems = checkRowProvenance(
      { quote: 'in 2002 - $ 161.2 million', year: 2002, value: 161.2 },
      rules({ year: 'number', value: 'number' }),
    );

    expect(problems).toEqual([]);
  });

  it('refuses a quote that is not in the source, saying how far it matches', () => {
    const problems = checkRowProvenance(
      { quote: 'The trade turnover between two countries in 2001 amounted to $ 107.1 million' },
      rules({}),
    );

    expect(problems).toEqual([expect.objectContaining({ code: 'quote-not-in-source', field: 'quote' })]);
    expect(problems[0]?.message).toContain('matches up to character 65');
  });

  it('refuses a quote that keeps the source file escape (quotes are stored as the paper reads)', () => {
    const problems = checkRowProvenance({ quote: 'in 2002 - \\$ 161.2 million' }, rules({}));

    expect(problems.map((problem) => problem.code)).toEqual(['quote-not-in-source']);
  });

  it('names each value the quote does not state', () => {
    const problems = checkRowProvenance(
      { quote: 'in 2002 - $ 161.2 million', year: 2003, value: 161.2, share: 12 },
      rules({ year: 'number', value: 'number', share: 'number' }),
    );

    expect(problems).toEqual([
      {
        code: 'value-not-in-quote',
        field: 'year',
        message: "the row's quote does not state the number 2003",
      },
      { code: 'value-not-in-quote', field: 'share', message: "the row's quote does not state the number 12" },
    ]);
  });

  it('reads thousands separators, trailing zeros, scale words and signs said in words', () => {
    const quote =
      'In 2019, it decreased by 47.4% compared to 2018. During 9 months of 2020, 1.6 million tons of cargo delivered, including 9.8 thousand containers. Nowadays, 1,524 enterprises are registered.';
    const stated = rules({
      change: 'number',
      tonnes: 'number',
      containers: 'number',
      count: 'number',
      months: 'number',
    });

    expect(
      checkRowProvenance(
        { quote, change: -47.4, tonnes: 1_600_000, containers: 9800, count: 1524, months: 9 },
        stated,
      ),
    ).toEqual([]);
    expect(checkRowProvenance({ quote, count: 524 }, stated).map((problem) => problem.field)).toEqual([
      'count',
    ]);
  });

  it('checks dates part by part and months by name', () => {
    const quote = 'Visits: June 10-11, 1997, April 7, 2000, March 2004.';
    const stated = rules({ start: 'date', end: 'date', month: 'month' });

    expect(checkRowProvenance({ quote, start: '1997-06-10', end: '1997-06-11', month: 6 }, stated)).toEqual(
      [],
    );
    expect(checkRowProvenance({ quote, start: '2004-03', month: 3 }, stated)).toEqual([]);
    expect(checkRowProvenance({ quote, start: '1997-07-10', end: '1998-06-12', month: 5 }, stated)).toEqual([
      {
        code: 'value-not-in-quote',
        field: 'start',
        message: "the row's quote does not state the month july of 1997-07-10",
      },
      {
        code: 'value-not-in-quote',
        field: 'end',
        message: "the row's quote does not state the year 1998, the day 12 of 1998-06-12",
      },
      {
        code: 'value-not-in-quote',
        field: 'month',
        message: "the row's quote does not state the month 5 (may)",
      },
    ]);
  });

  it('checks text cells ignoring case and spacing', () => {
    const quote = 'The firm "Baku Grain Terminal" began work.';
    const stated = rules({ name: 'text' });

    expect(checkRowProvenance({ quote, name: 'baku  grain terminal' }, stated)).toEqual([]);
    expect(checkRowProvenance({ quote, name: 'Baku Grain Terminal LLC' }, stated)).toHaveLength(1);
  });

  it('leaves a row without a quote and empty cells alone', () => {
    expect(checkRowProvenance({ year: 1 }, rules({ year: 'number' }))).toEqual([]);
    expect(
      checkRowProvenance({ quote: 'in 2002 - $ 161.2 million', year: '' }, rules({ year: 'number' })),
    ).toEqual([]);
  });

  it('finds any number written in a quote, in any of the forms it reads, and no other', () => {
    const written = fc.oneof(
      fc.integer({ min: 0, max: 999_999 }).map((value) => ({ text: String(value), value })),
      fc
        .integer({ min: 1000, max: 999_999_999 })
        .map((value) => ({ text: value.toLocaleString('en-US'), value })),
      fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 })).map(([whole, cents]) => ({
        text: `${whole}.${String(cents).padStart(2, '0')}`,
        value: whole + cents / 100,
      })),
      fc
        .tuple(
          fc.integer({ min: 1, max: 99 }),
          fc.integer({ min: 0, max: 9 }),
          fc.constantFrom('thousand', 'million'),
        )
        .map(([whole, tenth, word]) => ({
          text: `${whole}.${tenth} ${word}`,
          value: Number(((whole + tenth / 10) * (word === 'thousand' ? 1e3 : 1e6)).toPrecision(12)),
        })),
    );
    fc.assert(
      fc.property(written, fc.integer({ min: 1, max: 10 ** 9 }), ({ text, value }, other) => {
        const quote = `The paper says ${text} here.`;
        const source = normalizeSourceText(quote);
        const stated: ProvenanceRules = {
          quoteColumn: 'quote',
          stated: new Map([['value', 'number']]),
          source,
          sourceFile: 'p',
        };
        expect(checkRowProvenance({ quote, value }, stated)).toEqual([]);
        const foreign = value + other + 0.5;
        expect(checkRowProvenance({ quote, value: foreign }, stated)).toHaveLength(1);
      }),
      { seed: 20261204, numRuns: 300 },
    );
  });
});
