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
const LONE_LF_QUOTED =
  /^the file's lines end with (CRLF|CR) \(its first line does\), and ((this line|line \d+) ends with LF alone, so lines \d+-\d+ were read as one row, its quotes out of place|its last line ends with LF alone, which leaves its closing quote out of place): save the file with one kind of line ending$/;

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

  it('tells a line ending with LF alone whose last cell is quoted as the line ending it is, not as the stray quote papaparse then finds', async () => {
    const read = await records('id,note\r\na,"x\ny"\r\nb,"y"\nc,"z"\r\nd,"w"\r\n');
    expect(read.map((record) => [record.line, record.problems])).toEqual([
      [1, []],
      [2, []],
      [4, [{ fieldIndex: 1, message: expect.stringMatching(LONE_LF_QUOTED) as string }]],
      [6, []],
    ]);
    expect(read[2]?.problems[0]?.message).toBe(
      "the file's lines end with CRLF (its first line does), and this line ends with LF alone, so lines 4-5 were read as one row, its quotes out of place: save the file with one kind of line ending",
    );
    expect((await records('id,note\r\na,"x"\r\nb,"y"\n')).at(-1)).toEqual({
      line: 3,
      fields: ['b', 'y"\n'],
      problems: [
        {
          fieldIndex: 1,
          message:
            "the file's lines end with CRLF (its first line does), and its last line ends with LF alone, which leaves its closing quote out of place: save the file with one kind of line ending",
        },
      ],
    });
  });

  it('names the line ending with LF alone when it comes after a quoted cell of several lines, in a CR file too', async () => {
    for (const [newline, name] of [
      ['\r\n', 'CRLF'],
      ['\r', 'CR'],
    ] as const) {
      const read = await records(`id,note${newline}b,"p${newline}q"\nc,"z"${newline}`);
      expect(read.at(-1)?.problems).toEqual([
        {
          fieldIndex: 1,
          message: `the file's lines end with ${name} (its first line does), and line 3 ends with LF alone, so lines 2-4 were read as one row, its quotes out of place: save the file with one kind of line ending`,
        },
      ]);
    }
  });

  it('says so of a file whose first line alone ends with CRLF, once a row, for any table whose last cells are quoted', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.stringMatching(/^[a-z0-9]{1,6}$/), fc.stringMatching(/^[a-z ,\n]{0,8}$/)), {
          minLength: 2,
          maxLength: 6,
        }),
        fc.nat(200),
        async (rows, cut) => {
          const text = `id,note\r\n${rows.map(([id, note]) => `${id},"${note}"\n`).join('')}`;
          const read = await records(text, cut % (text.length + 1));
          const problems = read.flatMap((record) => record.problems);
          expect(problems.length).toBeGreaterThan(0);
          for (const problem of problems) expect(problem.message).toMatch(LONE_LF_QUOTED);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('leaves a stray quote a stray quote when the line endings are not its cause', async () => {
    const read = await records('id,note\r\na,"x"y"\r\nb,"p\nq"z"\r\n');
    const messages = read.flatMap((record) => record.problems.map((problem) => problem.message));
    expect(messages).toHaveLength(2);
    for (const message of messages) expect(message).toMatch(/^stray double quote/);
  });

  it('in a CR file, names the cell an LF outside quotes is in', async () => {
    const read = await records('a,b\r1,2\n3\r');
    expect(read[1]?.problems).toEqual([{ fieldIndex: 1, message: expect.stringMatching(MIXED) as string }]);
  });
});

/** The line an editor shows `offset` of `text` on: LF, CRLF and a lone CR each end a line. */
function editorLine(text: string, offset: number): number {
  return 1 + (text.slice(0, offset).match(/\r\n|\r|\n/g) ?? []).length;
}

describe('line numbers in a file of mixed line endings', () => {
  it('give each record that starts a line the line an editor shows it on, whatever endings come before', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.constantFrom('\n', '\r', '\r\n'),
            // A quoted cell after the first, holding line breaks of any kind, or none.
            fc.option(fc.constantFrom('\n', '\r', '\r\n', '\r\n\n', '\n\r')),
          ),
          { minLength: 2, maxLength: 12 },
        ),
        fc.nat(200),
        async (lines, cut) => {
          // A first cell named by the line it is written on (r1 comes before r10, so the first match is its own).
          const text = lines
            .map(([ending, inner], index) => `r${index + 1}${inner === null ? '' : `,"x${inner}y"`}${ending}`)
            .join('');
          const read = await records(text, cut % (text.length + 1));
          for (const record of read) {
            // In a CR file, the LF of a CRLF begins the record after it.
            const first = (record.fields[0] ?? '').replace(/^\n/, '');
            const name = /^r(\d+)$/.exec(first);
            if (name === null) continue;
            expect([first, record.line]).toEqual([first, editorLine(text, text.indexOf(`r${name[1]}`))]);
          }
          // And the last record starts on a line the file has.
          const last = read.at(-1);
          if (last !== undefined) expect(last.line).toBeLessThanOrEqual(editorLine(text, text.length - 1));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('in an LF file, counts a line holding a lone CR and ending with CRLF as two lines, not three', async () => {
    const read = await records('h\nr1\nr2\rX\r\nr3\nr4\n');
    expect(read.map((record) => record.line)).toEqual([1, 2, 3, 5, 6]);
  });

  it('in a CR file, tells a line ending with CRLF as such and counts it as one line', async () => {
    const read = await records('h\rr1\rr2\r\nr3\rbad\r');
    expect(read.map((record) => record.line)).toEqual([1, 2, 3, 4, 5]);
    expect(read[3]?.problems).toEqual([
      {
        fieldIndex: 0,
        message:
          "the file's lines end with CR, and the line before this one ends with CRLF: save the file with one kind of line ending",
      },
    ]);
    const atTheEnd = await records('h\rr1\rr2\r\n');
    expect(atTheEnd.at(-1)).toMatchObject({
      line: 3,
      problems: [{ message: expect.stringContaining('this line ends with CRLF') as string }],
    });
  });

  it('says of a last line ending with LF alone, in a CR or CRLF file, that it is the last line, not that a line after it was joined to it', async () => {
    for (const newline of ['\r', '\r\n']) {
      const read = await records(`h${newline}r1${newline}r2\n`);
      expect(read.at(-1)).toEqual({
        line: 3,
        fields: ['r2\n'],
        problems: [
          {
            fieldIndex: 0,
            message: `the file's lines end with ${newline === '\r' ? 'CR' : 'CRLF'}, and its last line ends with LF alone: save the file with one kind of line ending`,
          },
        ],
      });
      // Two lines joined by an LF are still told as joined, at the end of the text too.
      expect((await records(`h${newline}r1\nr2\n`)).at(-1)?.problems[0]?.message).toMatch(MIXED);
    }
  });

  it('ends the lines a never-closed cell ran over at the last line, not at one after a final line break', async () => {
    for (const newline of ['\n', '\r\n', '\r']) {
      const read = await records(['h', 'r1', '"q', 'r3', 'r4', ''].join(newline));
      expect(read.at(-1)?.problems).toEqual([
        {
          fieldIndex: 0,
          message: expect.stringContaining('lines 3-5 were read into this one cell') as string,
        },
      ]);
    }
  });
});
