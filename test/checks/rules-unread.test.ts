import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, makeWorkspace } from '../support/workspace.js';

/** `opendata validate <id> --format json` over a workspace's data and schemas. */
const validateAsJson = (ws: { data: string; schemas: string }, id: string) =>
  cli('validate', id, '--data', ws.data, '--schemas', ws.schemas, '--format', 'json');

// trade's descriptor declares rules between its rows: a file that could not be read has none of those rows.
describe("the descriptor's rules, on a file that was not read whole", () => {
  it('are not checked, and say so, instead of failing once for each row they select', async () => {
    const ws = await makeWorkspace();
    const file = path.join(ws.data, 'trade.csv');
    const original = await readFile(file);
    const header = original.subarray(0, original.indexOf(0x0a) + 1);
    const latin1 = Buffer.concat([original.subarray(0, 300), Buffer.from([0xe9]), original.subarray(300)]);

    for (const [content, issue] of [
      [Buffer.alloc(0), '[missing-header] the file is empty'],
      [header, '[limit-exceeded] the file has a header but no data row'],
      [latin1, '[encoding-error] invalid UTF-8 byte sequence at byte offset 300'],
    ] as const) {
      await writeFile(file, content);

      const validated = await validateAsJson(ws, 'trade');

      expect(validated.code).toBe(1);
      const report = JSON.parse(validated.stdout) as {
        datasets: {
          issues: { code: string; message: string }[];
          checks?: { check: string; status: string; message: string }[];
        }[];
      };
      const [dataset] = report.datasets;
      expect(dataset?.issues.map((each) => `[${each.code}] ${each.message}`)).toEqual([
        expect.stringContaining(issue) as string,
      ]);
      const rules = dataset?.checks?.filter((check) => check.check === 'rule') ?? [];
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules)
        expect(rule).toMatchObject({
          status: 'not-checked',
          message: expect.stringMatching(
            /^not checked: the file (was not read to its end|has no data row)$/,
          ) as string,
        });
    }
  });

  it('that compared no row are not checked, and say so, instead of holding', async () => {
    const ws = await makeWorkspace();
    const file = path.join(ws.data, 'trade-by-year.csv');
    const lines = (await readFile(file, 'utf8')).split('\n');
    // An unclosed quote in the first row's last cell: the rows after it are read into that cell.
    lines[1] = `${lines[1]}"an unclosed note`;
    await writeFile(file, lines.join('\n'));

    const validated = await validateAsJson(ws, 'trade-by-year');

    const [dataset] = (
      JSON.parse(validated.stdout) as {
        datasets: { checks?: { check: string; status: string; message: string }[] }[];
      }
    ).datasets;
    const rules = dataset?.checks?.filter((check) => check.check === 'rule') ?? [];
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) expect(rule.message).not.toMatch(/^holds \(0 rows/);
    expect(rules.filter((rule) => rule.status === 'not-checked').map((rule) => rule.message)).toContainEqual(
      'not checked: no row had the values to compare (cells empty, invalid or not read)',
    );
  });

  it('are not checked, and say so, when the header shows that no row reads as cells', async () => {
    const ws = await makeWorkspace();
    const file = path.join(ws.data, 'trade.csv');
    // As a spreadsheet saves CSV where the decimal separator is a comma: cells between semicolons.
    const lines = (await readFile(file, 'utf8')).split('\n').map((line) => line.replaceAll(',', ';'));
    await writeFile(file, lines.join('\n'));

    const validated = await validateAsJson(ws, 'trade');

    expect(validated.code).toBe(1);
    const [dataset] = (
      JSON.parse(validated.stdout) as {
        datasets: {
          issues: { code: string; message: string }[];
          checks?: { check: string; status: string; message: string }[];
        }[];
      }
    ).datasets;
    // The header's one issue, and no rule-error saying that a selector finds no row.
    expect(dataset?.issues.map((each) => each.code)).toEqual(['parse-error']);
    const rules = dataset?.checks?.filter((check) => check.check === 'rule') ?? [];
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules)
      expect(rule).toMatchObject({
        status: 'not-checked',
        message: "not checked: no row was read as cells (the header's issue says why)",
      });
  });
});
