import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRules } from '../../bin/publish-report.js';
import type { DatasetReport } from '../../lambda/core/validate.js';
import { cli, makeWorkspace, publishWorkspace } from '../support/workspace.js';

const TRADE_RULES =
  'trade: 2 rules checked: 1 held, 1 flagged conflict (turnover-2018-base-plus-increase-2019)';

describe('declared rules in the text report', () => {
  it('validate prints what each dataset’s rules came to, as its JSON report states them', async () => {
    const ws = await makeWorkspace();
    const options = ['trade', 'trade-by-year', 'visits', '--data', ws.data, '--schemas', ws.schemas];

    const text = await cli('validate', ...options);
    const json = await cli('validate', ...options, '--format', 'json');

    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')).toEqual([
      'trade: valid (16 rows)',
      TRADE_RULES,
      'trade-by-year: valid (19 rows)',
      'trade-by-year: 8 rules checked: 8 held',
      expect.stringMatching(/^visits: valid \(\d+ rows\)$/),
    ]);
    // The text says what the JSON report's outcomes say, rule by rule.
    const reports = (JSON.parse(json.stdout) as { datasets: DatasetReport[] }).datasets;
    const trade = reports.find((report) => report.id === 'trade')?.checks ?? [];
    expect(trade.filter((outcome) => outcome.check === 'rule').map((o) => [o.subject, o.status])).toEqual([
      ['exports-plus-imports-2019', 'passed'],
      ['turnover-2018-base-plus-increase-2019', 'conflict'],
    ]);
  });

  it('names a rule that fails, after the issue that says where', async () => {
    const ws = await makeWorkspace();
    const file = path.join(ws.data, 'trade-by-year.csv');
    const csv = await readFile(file, 'utf8');
    expect(csv).toContain('2001,106.1,turnover-2001-series,');
    await writeFile(file, csv.replace('2001,106.1,', '2001,106.2,'));

    const { code, stdout, stderr } = await cli(
      'validate',
      'trade-by-year',
      '--data',
      ws.data,
      '--schemas',
      ws.schemas,
    );

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /trade-by-year\.csv:2:2: \[rule-error\] turnover_musd: rule turnover-musd-from-trade: turnover_musd is 106\.2 but/,
    );
    expect(stdout.split('\n')).toEqual([
      'trade-by-year: invalid, 1 issue',
      'trade-by-year: 8 rules checked: 7 held, 1 failed (turnover-musd-from-trade)',
    ]);
  });

  it('publish prints them under each dataset, published or unchanged', async () => {
    const ws = await makeWorkspace();
    // The curator's "why:" line is message.test.ts's subject; without it the rules line follows the dataset's.
    for (const id of ['trade', 'transport']) {
      const file = path.join(ws.data, `${id}.dataset.json`);
      const descriptor = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      delete descriptor.changeMessage;
      await writeFile(file, JSON.stringify(descriptor, null, 2));
    }

    const first = await publishWorkspace(ws, 'trade', 'transport');
    const again = await publishWorkspace(ws, 'trade', 'transport');

    const rules = `${' '.repeat('trade      '.length)}${TRADE_RULES.slice('trade: '.length)}`;
    expect(first.stdout.split('\n').slice(0, 3)).toEqual([
      'trade      published 1.0.0 (initial, 16 rows)',
      rules,
      'transport  published 1.0.0 (initial, 7 rows)',
    ]);
    expect(again.stdout.split('\n').slice(0, 3)).toEqual([
      'trade      unchanged 1.0.0',
      rules,
      'transport  unchanged 1.0.0',
    ]);
  });

  it.each([
    [[], undefined],
    [[{ check: 'provenance', status: 'passed', message: 'every quote' }], undefined],
    [
      [
        { check: 'rule', subject: 'a', status: 'passed', message: 'holds' },
        { check: 'rule', subject: 'b', status: 'conflict', message: 'fails as the known conflict' },
        { check: 'rule', subject: 'c', status: 'conflict', message: 'fails as the known conflict' },
      ],
      '3 rules checked: 1 held, 2 flagged conflicts (b, c)',
    ],
    [
      [
        { check: 'rule', subject: 'a', status: 'failed', message: 'fails on 1 row' },
        { check: 'rule', subject: 'b', status: 'not-checked', message: 'not checked: no other datasets' },
      ],
      '1 rule checked: 1 failed (a); 1 not checked (b: no other datasets)',
    ],
    [
      [
        { check: 'rule', subject: 'a', status: 'not-checked', message: 'not checked: no row' },
        { check: 'rule', subject: 'b', status: 'not-checked', message: 'not checked: no other datasets' },
        { check: 'rule', subject: 'c', status: 'not-checked', message: 'not checked: no row' },
      ],
      '0 rules checked: 0 held; 3 not checked (a, c: no row; b: no other datasets)',
    ],
  ] as const)('describes outcomes %j as %j', (checks, expected) => {
    const report = { id: 'x', checks } as unknown as DatasetReport;
    expect(describeRules(report)).toBe(expected);
  });
});
