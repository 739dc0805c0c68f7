import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCsvRecordBatches, type CsvRecord } from '../../lambda/core/csv-records.js';
import { validateDataset } from '../../lambda/core/validate.js';
import { fixtureSource } from '../support/dataset-fixture.js';

async function records(text: string, cut = 0): Promise<CsvRecord[]> {
  async function* pieces(): AsyncGenerator<string> {
    yield text.slice(0, cut);
    yield text.slice(cut);
  }
  const all: CsvRecord[] = [];
  for await (const batch of readCsvRecordBatches(pieces())) all.push(...batch);
  return all;
}

const MIXED = /the file's lines end with (CRLF|CR), and a line here ends with LF alone/;

describe('a file with line endings of two kinds', () => {
  it('is told once, at the row where a line ends with LF alone, not as extra cells and bad types', async () => {
    const csv = [
      'id,year,value_musd,flagged,day,kind\r\n',
      't-2001,2001,1,false,,turnover\r\n',
      't-2002,2002,2,false,,turnover\n',
      't-2003,2003,3,false,,turnover\r\n',
    ].join('');

    const { report } = await validateDataset(fixtureSource({ csv }));

    expect(report.issues.map((issue) => [issue.line, issue.column, issue.code, issue.field])).toEqual([
      [3, 6, 'parse-error', 'kind'],
    ]);
    expect(report.issues[0]?.message).toMatch(MIXED);
  });

  it('reads a line break inside quotes, of either kind, as part of its cell, however the text is cut', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('\r\n', '\r'),
        fc.constantFrom('\n', '\r\n', '\n\n'),
        fc.nat(60),
        async (end, inside, cut) => {
          const text = `a,b${end}"x${inside}y",z${end}1,2${end}`;
          const read = await records(text, cut % (text.length + 1));
          expect(read.flatMap((record) => record.problems)).toEqual([]);
          expect(read.map((record) => record.fields)).toEqual([
            ['a', 'b'],
            [`x${inside}y`, 'z'],
            ['1', '2'],
          ]);
        },
      ),
    );
  });

  it('takes a quote inside an unquoted cell as text, not as the start of quoting', async () => {
    const read = await records('a,b\r\nx"y,"p\nq"\r\nx"y,p\nq\r\n');
    expect(read[1]).toMatchObject({ fields: ['x"y', 'p\nq'], problems: [] });
    expect(read[2]?.problems).toEqual([{ fieldIndex: 1, message: expect.stringMatching(MIXED) as string }]);
  });

  it('in a CR file, names the cell an LF outside quotes is in', async () => {
    const read = await records('a,b\r1,2\n3\r');
    expect(read[1]?.problems).toEqual([{ fieldIndex: 1, message: expect.stringMatching(MIXED) as string }]);
  });
});
