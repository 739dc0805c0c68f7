import { describe, expect, it } from 'vitest';
import { formatIssue, type Issue } from '../../lambda/core/issue.js';
import { validateDataset } from '../../lambda/core/validate.js';
import { FIXTURE_DESCRIPTOR, fixtureSource } from '../support/dataset-fixture.js';

const HEADER = 'id,year,value_musd,flagged,day,kind';
const csv = (...lines: string[]): string => [HEADER, ...lines, ''].join('\n');
const brief = (issue: Issue) => [issue.line, issue.column, issue.code, issue.field];

describe('error hints', () => {
  it('says once that a file looks ;-separated, instead of reporting every header cell and row', async () => {
    const { report } = await validateDataset(
      fixtureSource({
        csv: 'id;year;value_musd;flagged;day;kind\na;2001;1,5;false;;turnover\nb;2002;2;false;;turnover\n',
      }),
    );

    expect(report.issues.map(brief)).toEqual([[1, 1, 'parse-error', undefined]]);
    expect(report.issues[0]?.message).toContain('looks ;-separated');
  });

  it('says once that a file looks tab-separated, instead of reporting every header cell and row', async () => {
    const { report } = await validateDataset(
      fixtureSource({
        csv: 'id\tyear\tvalue_musd\tflagged\tday\tkind\na\t2001\t1.5\tfalse\t\tturnover\nb\t2002\t2\tfalse\t\tturnover\n',
      }),
    );

    expect(report.issues.map(brief)).toEqual([[1, 1, 'parse-error', undefined]]);
    expect(report.issues[0]?.message).toContain('looks tab-separated');
  });

  it('says once that the first line is the "sep=" line Excel writes, instead of reporting the header and every row', async () => {
    const { report } = await validateDataset(
      fixtureSource({ csv: `sep=,\r\n${csv('a,2001,1.5,false,,turnover')}` }),
    );

    expect(report.issues.map(brief)).toEqual([[1, 1, 'parse-error', undefined]]);
    expect(report.issues[0]?.message).toContain('the first line is "sep=…", which Excel writes');
  });

  it('says a header cell is a column name with a space before or after it', async () => {
    const { report } = await validateDataset(
      fixtureSource({ csv: 'id, year,value_musd,flagged,day,kind \na,2001,1.5,false,,turnover\n' }),
    );

    expect(report.issues.map(formatIssue)).toEqual([
      'data/sample.csv:1:2: [incorrect-header]  year: is " year", the column "year" with a space before or after it: remove the space; its cells are read as year',
      'data/sample.csv:1:6: [incorrect-header] kind : is "kind ", the column "kind" with a space before or after it: remove the space; its cells are read as kind',
    ]);
  });

  it('names the invisible character in a header cell, which the message would otherwise show as the column', async () => {
    const { report } = await validateDataset(
      fixtureSource({
        csv: 'id,year\u00ad,value_musd,flagged,day,kind,note\u200b\na,2001,1.5,false,,turnover,x\n',
      }),
    );

    expect(
      report.issues
        .filter((issue) => issue.code === 'control-character')
        .map((issue) => [issue.line, issue.column, issue.message]),
    ).toEqual([
      [
        1,
        2,
        'column name contains U+00AD (SOFT HYPHEN) at position 5; it must be one line, without control, invisible or bidirectional formatting characters',
      ],
      [
        1,
        7,
        'column name contains U+200B (ZERO WIDTH SPACE) at position 5; it must be one line, without control, invisible or bidirectional formatting characters',
      ],
    ]);
  });

  it('says where allowFormulaPrefix goes when a text cell starts like a formula: the schema file, at the column', async () => {
    const { report } = await validateDataset(fixtureSource({ csv: csv('a,2001,1,false,,=1+1') }));

    expect(report.issues.map((issue) => [issue.code, issue.message])).toContainEqual([
      'formula-prefix',
      'text starts with "=", which spreadsheets run as a formula; rewrite it, or if it is intended set "allowFormulaPrefix": true in schemas/sample.schema.json at /properties/kind',
    ]);
  });

  it('says extra cells are empty when a row ends with the commas a spreadsheet writes', async () => {
    const { report } = await validateDataset(fixtureSource({ csv: csv('a,2001,1,false,,turnover,,,') }));

    expect(report.issues.map(brief)).toEqual([[2, 7, 'extra-cell', undefined]]);
    expect(report.issues[0]?.message).toBe(
      'the row has 9 cells but the header has 6; the 3 extra cells are empty (the line ends with commas, as a spreadsheet writes for empty columns after the table): remove them',
    );
  });

  it('refuses a header alone as a failed export, unless the descriptor sets limits.minRows to 0', async () => {
    const headerOnly = await validateDataset(fixtureSource({ csv: csv() }));
    const allowed = await validateDataset(
      fixtureSource({ csv: csv(), descriptor: { ...FIXTURE_DESCRIPTOR, limits: { minRows: 0 } } }),
    );
    const cut = await validateDataset(
      fixtureSource({
        csv: csv('a,2001,1.5,false,,turnover'),
        descriptor: { ...FIXTURE_DESCRIPTOR, limits: { minRows: 10 } },
      }),
    );

    expect(headerOnly.report.issues.map(formatIssue)).toEqual([
      'data/sample.csv:2:1: [limit-exceeded] the file has a header but no data row (limits.minRows is 1): a header alone is usually a failed or cut export, and a published version cannot be taken back; if the dataset is empty on purpose, set "limits": {"minRows": 0} in the descriptor',
    ]);
    expect(allowed.report.issues).toEqual([]);
    expect(allowed.report.rows).toBe(0);
    expect(cut.report.issues.map(formatIssue)).toEqual([
      'data/sample.csv: [limit-exceeded] the file has 1 data row, fewer than limits.minRows (10): is the export cut short?',
    ]);
  });

  it('names a number that an unquoted decimal comma split in two, and reads the rest of the row in place', async () => {
    const { report } = await validateDataset(
      fixtureSource({ csv: csv('a,2001,161,2,false,,turnover', 'b,2002,3,4,maybe,,turnover') }),
    );

    expect(report.issues.map(formatIssue)).toEqual([
      'data/sample.csv:2:3: [type-error] value_musd: "161,2" is not a number: written with a decimal comma and not quoted, it was read as two cells, so the row has 7 cells where the header has 6 (write 161.2)',
      'data/sample.csv:3:3: [type-error] value_musd: "3,4" is not a number: written with a decimal comma and not quoted, it was read as two cells, so the row has 7 cells where the header has 6 (write 3.4)',
      'data/sample.csv:3:4: [type-error] flagged: "maybe" is not a boolean (write true or false)',
    ]);
  });

  it('names a number that unquoted thousands separators split, and reads the rest of the row in place', async () => {
    const { report } = await validateDataset(
      fixtureSource({
        csv: csv(
          'a,2001,1,600,000,false,,turnover',
          'b,2001,-12,345,678,false,,turnover',
          'c,2,001,5,false,,turnover',
          'd,2001,1,600,maybe,,turnover',
        ),
      }),
    );

    expect(report.issues.map(formatIssue)).toEqual([
      'data/sample.csv:2:3: [type-error] value_musd: "1,600,000" is not a number: written with commas between its thousands and not quoted, it was read as 3 cells, so the row has 8 cells where the header has 6 (write 1600000)',
      'data/sample.csv:3:3: [type-error] value_musd: "-12,345,678" is not a number: written with commas between its thousands and not quoted, it was read as 3 cells, so the row has 8 cells where the header has 6 (write -12345678)',
      'data/sample.csv:4:2: [type-error] year: "2,001" is not a number: written with commas between its thousands and not quoted, it was read as 2 cells, so the row has 7 cells where the header has 6 (write 2001)',
      'data/sample.csv:5:3: [type-error] value_musd: "1,600" is not a number: its comma is not quoted, and it was read as two cells, so the row has 7 cells where the header has 6 (write 1600 if the comma separates thousands, or 1.600 if it is a decimal comma)',
      'data/sample.csv:5:4: [type-error] flagged: "maybe" is not a boolean (write true or false)',
    ]);
  });

  it('names no cell for a blank line ending with CRLF in a file of LF lines', async () => {
    const { report } = await validateDataset(
      fixtureSource({ csv: `${csv('a,2001,1,false,,turnover')}\r\n` }),
    );

    expect(report.issues.map(formatIssue)).toEqual([
      "data/sample.csv:3:1: [parse-error] the file's lines end with LF, and this line ends with CRLF: save the file with one kind of line ending",
    ]);
  });

  it('reports an extra cell that no decimal comma explains as an extra cell', async () => {
    const { report } = await validateDataset(fixtureSource({ csv: csv('a,2001,1,false,,turnover,2') }));

    expect(report.issues.map(brief)).toEqual([[2, 7, 'extra-cell', undefined]]);
  });

  it('blames a missing cell on the row and still checks the cells it has', async () => {
    const { report } = await validateDataset(fixtureSource({ csv: csv('a,x,1,false') }));

    expect(report.issues.map(brief)).toEqual([
      [2, 5, 'missing-cell', undefined],
      [2, 2, 'type-error', 'year'],
    ]);
    expect(report.issues[0]?.message).toContain('may be anywhere in it');
  });

  it('reports a row of empty cells as a blank row, once', async () => {
    const { report } = await validateDataset(
      fixtureSource({ csv: csv('a,2001,1,false,,turnover', ',,,,,') }),
    );

    expect(report.issues.map(brief)).toEqual([[3, 1, 'blank-row', undefined]]);
  });

  it('reads a column whose header cell is blank or repeated by position, without a second missing-header', async () => {
    const { report } = await validateDataset(
      fixtureSource({ csv: 'id,year,,flagged,day,year\na,2001,x,false,,turnover\n' }),
    );

    expect(report.issues.map(brief)).toEqual([
      [1, 3, 'blank-header', undefined],
      [1, 6, 'duplicate-header', 'year'],
      [2, 3, 'type-error', 'value_musd'],
    ]);
    expect(report.issues[0]?.message).toContain('read as value_musd');
  });

  it('names a misspelt header cell and reads its column in its place', async () => {
    const { report } = await validateDataset(
      fixtureSource({ csv: 'id,year,value,flagged,day,kind\na,2001,x,false,,turnover\n' }),
    );

    expect(report.issues.map(brief)).toEqual([
      [1, 3, 'incorrect-header', 'value'],
      [2, 3, 'type-error', 'value_musd'],
    ]);
  });

  it('checks a unique key beside the primary key', async () => {
    const descriptor = { ...FIXTURE_DESCRIPTOR, uniqueKeys: [['year', 'kind']] };
    const { report } = await validateDataset(
      fixtureSource({
        descriptor,
        csv: csv('a,2001,1,false,,turnover', 'b,2001,2,false,,export', 'c,2001,3,false,,turnover'),
      }),
    );

    expect(report.issues.map(brief)).toEqual([[4, 2, 'unique-error', 'year+kind']]);
    expect(report.issues[0]?.message).toContain('repeats the row on line 2');
  });

  it('refuses a unique key naming a column the schema lacks', async () => {
    const descriptor = { ...FIXTURE_DESCRIPTOR, uniqueKeys: [['yr']] };
    const { report } = await validateDataset(fixtureSource({ descriptor }));

    expect(report.issues.map((issue) => [issue.code, issue.field])).toEqual([
      ['descriptor-error', '/uniqueKeys/0'],
    ]);
  });
});
