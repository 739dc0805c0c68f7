import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCsvRecordBatches, type CsvRecord } from '../../lambda/core/csv-records.js';

/** The records of `text`, handed to the reader in pieces cut at `cuts` (offsets, any order). */
async function records(text: string, cuts: readonly number[] = []): Promise<CsvRecord[]> {
  const at = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
  async function* pieces(): AsyncGenerator<string> {
    let start = 0;
    for (const cut of at) {
      yield text.slice(start, cut);
      start = cut;
    }
    yield text.slice(start);
  }
  const all: CsvRecord[] = [];
  for await (const batch of readCsvRecordBatches(pieces())) all.push(...batch);
  return all;
}

/** A cell as RFC 4180 writes it: in quotes, with each quote doubled, when it holds a quote, comma or line break. */
function quoted(cell: string): string {
  return /[",\r\n]/.test(cell) || /^\s|\s$/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

const cellText = fc.string({
  unit: fc.constantFrom('a', 'ә', '"', ',', ' ', '\t', '\n', '1'),
  maxLength: 6,
});
const table = fc.array(fc.array(cellText, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 5 });

const AFTER_CLOSING = /^white space after the closing double quote of a quoted cell: readers disagree/;
const BEFORE_OPENING = /^white space before the opening double quote of a cell: readers disagree/;

describe('quotes other readers read otherwise', () => {
  it('reads any cells written as RFC 4180 writes them back as they were, with no problem, however the text is cut', async () => {
    await fc.assert(
      fc.asyncProperty(table, fc.array(fc.nat(200), { maxLength: 3 }), async (rows, cuts) => {
        const text = rows.map((row) => `${row.map(quoted).join(',')}\n`).join('');
        const read = await records(text, cuts);
        expect(read.flatMap((record) => record.problems)).toEqual([]);
        expect(read.map((record) => record.fields)).toEqual(rows);
      }),
    );
  });

  it('refuses white space after a closing quote or before an opening one, naming the cell', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.stringMatching(/^[a-z]{1,4}$/), { minLength: 2, maxLength: 4 }),
        fc.nat(),
        fc.constantFrom(' ', '\t', ' \t'),
        fc.boolean(),
        fc.array(fc.nat(60), { maxLength: 2 }),
        async (cells, which, extra, before, cuts) => {
          const index = which % cells.length;
          const bad = before ? `${extra}"${cells[index]}"` : `"${cells[index]}"${extra}`;
          const line = cells.map((cell, i) => (i === index ? bad : cell)).join(',');
          const read = await records(`a\n${line}\nb\n`, cuts);
          expect(read.map((record) => record.problems)).toEqual([
            [],
            [
              {
                fieldIndex: index,
                message: expect.stringMatching(before ? BEFORE_OPENING : AFTER_CLOSING) as string,
              },
            ],
            [],
          ]);
        },
      ),
    );
  });

  it('reads a last line with no line break after it as it reads it with one: white space after its closing quote is told as such', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.stringMatching(/^[a-z]{1,4}$/), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(' ', '\t', ' \t'),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.array(fc.nat(40), { maxLength: 2 }),
        async (cells, extra, newline, cuts) => {
          const line = `${cells.join(',')}${cells.length > 0 ? ',' : ''}"last"${extra}`;
          const text = `a${newline}${line}`;
          const read = await records(text, cuts);
          expect(read).toEqual(await records(`${text}${newline}`));
          expect(read.at(-1)).toEqual({
            line: 2,
            fields: [...cells, 'last'],
            problems: [{ fieldIndex: cells.length, message: expect.stringMatching(AFTER_CLOSING) as string }],
          });
        },
      ),
    );
  });

  it('still tells a quoted cell left open at the end of the text as never closed', async () => {
    for (const text of ['a\n"ab""  ', 'a\nx,"ab  ', 'a\r\n"ab""\t']) {
      const read = await records(text);
      expect(read.at(-1)?.problems).toEqual([
        {
          fieldIndex: text.includes('x,') ? 1 : 0,
          message: 'quoted field is never closed (missing closing double quote)',
        },
      ]);
    }
  });

  it('names a CRLF line in an LF file as such where it ends with a quoted cell, not as white space', async () => {
    const read = await records('a,b\n"x","y"\r\n1,2\n');
    expect(read[1]?.problems).toEqual([
      {
        fieldIndex: 1,
        message:
          "the file's lines end with LF, and this line ends with CRLF: save the file with one kind of line ending",
      },
    ]);
  });

  it('refuses a CR outside quotes that is not the line ending, and counts the lines after it right', async () => {
    const crlfLine = await records('a,b\nx,y\r\n1,2\nz,"w"\r\n3,4\n');
    const bareCr = await records('a,b\nx\ry,z\n');
    const bareCrInCrlf = await records('a,b\r\nx,y\rz\r\n');
    const quoted = await records('a,b\nx,"p\rq"\n');

    expect(crlfLine.map((record) => [record.line, record.problems])).toEqual([
      [1, []],
      [2, [{ fieldIndex: 1, message: expect.stringMatching(/this line ends with CRLF/) as string }]],
      [3, []],
      [4, [{ fieldIndex: 1, message: expect.stringMatching(/this line ends with CRLF/) as string }]],
      [5, []],
    ]);
    for (const [read, index] of [
      [bareCr, 0],
      [bareCrInCrlf, 1],
    ] as const)
      expect(read[1]?.problems).toEqual([
        {
          fieldIndex: index,
          message: expect.stringMatching(/^a carriage return \(CR\) in a cell that is not quoted/) as string,
        },
      ]);
    expect(quoted[1]).toMatchObject({ fields: ['x', 'p\rq'], problems: [] });
  });

  it('still reads a quote inside a cell that does not start with one as text, as every reader does', async () => {
    const read = await records('a,b\nhe"llo,x"y"\n');
    expect(read[1]).toEqual({ line: 2, fields: ['he"llo', 'x"y"'], problems: [] });
  });

  const python = spawnSync('python3', ['-c', 'import csv'], { encoding: 'utf8' });
  it.skipIf(python.status !== 0)(
    "reads every file it accepts as Python's csv module does, cell for cell",
    async () => {
      // Texts of quotes, commas, spaces and line breaks in any arrangement: many are refused; each one
      // accepted must mean the same to Python.
      const texts = fc.sample(
        fc.string({
          unit: fc.constantFrom('"', ',', ' ', 'a', '\n', '\r', '\r\n'),
          minLength: 1,
          maxLength: 14,
        }),
        { numRuns: 3_000, seed: 1205 },
      );
      const accepted: { text: string; fields: (readonly string[])[] }[] = [];
      for (const text of texts) {
        const read = await records(text);
        if (read.every((record) => record.problems.length === 0))
          accepted.push({ text, fields: read.map((record) => record.fields) });
      }
      const script =
        'import csv, io, json, sys\n' +
        // An empty line is a record of one empty cell to papaparse, of none to Python: the same line.
        'print(json.dumps([[r or [""] for r in csv.reader(io.StringIO(t, newline=""))] for t in json.load(sys.stdin)]))';
      const run = spawnSync('python3', ['-c', script], {
        input: JSON.stringify(accepted.map((file) => file.text)),
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
      const byPython = JSON.parse(run.stdout) as string[][][];

      expect(accepted.length).toBeGreaterThan(500);
      const differing = accepted
        .map((file, i) => ({ ...file, python: byPython[i] }))
        .filter((file) => JSON.stringify(file.fields) !== JSON.stringify(file.python));
      expect(differing.slice(0, 5)).toEqual([]);
    },
  );
});
