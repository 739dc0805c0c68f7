import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../lambda/core/issue.js';
import { sourceTextsFrom } from '../../lambda/core/source-texts.js';
import { validateDataset } from '../../lambda/core/validate.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA, fixtureSource } from '../support/dataset-fixture.js';
import { makeTempDir } from '../support/temp-dir.js';

// The provenance check run by validate itself: a dataset whose rows quote a source text.

const SOURCE_TEXT = [
  'In 2001 the turnover amounted to \\$ 106.1 million, and in 2002 to \\$ 161.2',
  'million. Exports in 2019 were \\$ 24.06 million.',
  'A protocol was signed on March 5, 2001.',
].join('\n');

const schema = {
  ...FIXTURE_SCHEMA,
  properties: { ...FIXTURE_SCHEMA.properties, quote: { type: 'string', minLength: 1 } },
  required: [...FIXTURE_SCHEMA.required, 'quote'],
};
const descriptor = {
  ...FIXTURE_DESCRIPTOR,
  source: { ...FIXTURE_DESCRIPTOR.source, quoteColumn: 'quote' },
  columns: [...FIXTURE_DESCRIPTOR.columns, { name: 'quote', description: 'The sentence of the source.' }],
};
const HEADER = 'id,year,value_musd,flagged,day,kind,quote';
const GOOD = [
  't-2001,2001,106.1,false,,turnover,In 2001 the turnover amounted to $ 106.1 million',
  't-2002,2002,161.2,false,,turnover,"in 2002 to $ 161.2 million"',
  'e-2019,2019,24.06,true,,export,Exports in 2019 were $ 24.06 million.',
];

function texts(files: Record<string, string>) {
  return sourceTextsFrom(
    {
      get: async (key) => {
        const text = files[key];
        if (text === undefined) return undefined;
        const body = new TextEncoder().encode(text);
        return { body, bytes: body.byteLength, etag: '"e"', sha256: '' } as never;
      },
      async *list() {
        yield* Object.keys(files);
      },
    },
    'sources',
  );
}

async function validate(rows: string[], run = { sourceTexts: texts({ 'source.txt': SOURCE_TEXT }) }) {
  const csv = [HEADER, ...rows, ''].join('\n');
  return validateDataset(fixtureSource({ csv, schema, descriptor }), undefined, { run });
}

describe('the provenance check in validate', () => {
  it('accepts rows whose quotes occur in the source and state their values, and records that it checked', async () => {
    const { report } = await validate(GOOD);

    expect(report.issues).toEqual([]);
    expect(report.checks).toEqual([
      {
        check: 'provenance',
        status: 'passed',
        message: "every quote of 3 rows occurs in the source text source.txt and states the row's values",
      },
    ]);
  });

  it('says of the rows it checked only: none where no row reads as cells, how many where some had issues of their own', async () => {
    const csv = [HEADER, ...GOOD, ''].join('\n').replaceAll(',', ';');
    const semicolons = await validateDataset(fixtureSource({ csv, schema, descriptor }), undefined, {
      run: { sourceTexts: texts({ 'source.txt': SOURCE_TEXT }) },
    });
    expect(semicolons.report.valid).toBe(false);
    expect(semicolons.report.checks).toEqual([
      {
        check: 'provenance',
        status: 'not-checked',
        message: "provenance not checked: no row was read as cells (the header's issue says why)",
      },
    ]);

    const short = await validate([...GOOD, 't-2003,2003,1']);
    expect(short.report.checks).toEqual([
      {
        check: 'provenance',
        status: 'passed',
        message:
          "every quote of 3 rows checked (of 4) occurs in the source text source.txt and states the row's values",
      },
    ]);
  });

  it('refuses a quote that is not in the source, at its line and column', async () => {
    const rows = [...GOOD];
    rows[1] = 't-2002,2002,161.2,false,,turnover,"in 2002 to $ 162.2 million"';

    const { report } = await validate(rows);

    expect(report.valid).toBe(false);
    expect(report.issues.map(formatIssue)).toEqual([
      expect.stringMatching(
        /^data\/sample\.csv:3:7: \[quote-not-in-source\] quote: the quote does not occur in the source text sources\/source\.txt; it matches up to character 15/,
      ),
      expect.stringMatching(
        /^data\/sample\.csv:3:3: \[value-not-in-quote\] value_musd: .*the number 161\.2$/,
      ),
    ]);
    expect(report.checks?.[0]).toMatchObject({ check: 'provenance', status: 'failed' });
  });

  it('refuses a value its quote does not state, naming the column', async () => {
    const rows = [...GOOD];
    rows[0] = 't-2001,2002,106.1,false,,turnover,In 2001 the turnover amounted to $ 106.1 million';

    const { report } = await validate(rows);

    expect(report.issues.map(formatIssue)).toEqual([
      "data/sample.csv:2:2: [value-not-in-quote] year: the row's quote does not state the number 2002",
    ]);
  });

  it('holds a date column (format: date) to its quote, as the descriptor need not say', async () => {
    const stated = 'p-2001,2001,,false,2001-03-05,turnover,"signed on March 5, 2001"';
    const other = 'p-2001,2001,,false,2001-03-06,turnover,"signed on March 5, 2001"';

    expect((await validate([...GOOD, stated])).report.issues).toEqual([]);
    expect((await validate([...GOOD, other])).report.issues.map(formatIssue)).toEqual([
      "data/sample.csv:5:5: [value-not-in-quote] day: the row's quote does not state the day 6 of 2001-03-06",
    ]);
  });

  it('follows the descriptor: a column declared not stated is not checked', async () => {
    const rows = [...GOOD];
    rows[0] = 't-2001,2002,106.1,false,,turnover,In 2001 the turnover amounted to $ 106.1 million';
    const lenient = {
      ...descriptor,
      columns: descriptor.columns.map((column) =>
        column.name === 'year' ? { ...column, stated: false } : column,
      ),
    };
    const csv = [HEADER, ...rows, ''].join('\n');

    const { report } = await validateDataset(fixtureSource({ csv, schema, descriptor: lenient }), undefined, {
      run: { sourceTexts: texts({ 'source.txt': SOURCE_TEXT }) },
    });

    expect(report.issues).toEqual([]);
  });

  it('says provenance was not checked, and why, when the run has no source texts', async () => {
    const empty = await validate(GOOD, { sourceTexts: texts({}) });
    const none = await validateDataset(
      fixtureSource({ csv: [HEADER, ...GOOD, ''].join('\n'), schema, descriptor }),
    );

    expect(empty.report.valid).toBe(true);
    expect(empty.report.checks).toEqual([
      {
        check: 'provenance',
        status: 'not-checked',
        // The folder is not named: the report is published, and its bytes are the same wherever it is.
        message: 'provenance not checked: the source texts folder given to the run holds no file',
      },
    ]);
    expect(none.report.checks).toEqual([
      {
        check: 'provenance',
        status: 'not-checked',
        message: 'provenance not checked: no source texts were given to this run',
      },
    ]);
  });

  it('refuses a dataset whose source file is not among the source texts the run has, at source.file', async () => {
    const misnamed = await validate(GOOD, { sourceTexts: texts({ 'other-paper.txt': SOURCE_TEXT }) });

    expect(misnamed.report.valid).toBe(false);
    expect(misnamed.report.issues).toEqual([
      expect.objectContaining({
        code: 'file-missing',
        file: 'data/sample.dataset.json',
        field: '/source/file',
        message:
          'cannot check the quotes against the source: source text sources/source.txt not found (the folder holds other source texts; check the name)',
      }),
    ]);
    expect(misnamed.report.checks).toBeUndefined();
  });

  it('leaves a dataset without a quote column alone', async () => {
    const { report } = await validateDataset(fixtureSource(), undefined, {
      run: { sourceTexts: texts({ 'source.txt': SOURCE_TEXT }) },
    });

    expect(report.issues).toEqual([]);
    expect(report.checks).toBeUndefined();
  });
});

describe('a source text that stands in the folder as no file', () => {
  // A sources folder whose only entry is a link leading out of it, or a folder, in the text's place: the
  // store takes it for no file, and the folder then looked as if it held no text at all, which switched
  // the check off (exit 0, "provenance not checked") where the descriptor names a text that is there.
  it.each([
    [
      'a symbolic link leading out of the folder',
      async (at: string, outside: string) => symlink(outside, at),
    ],
    ['a folder', async (at: string) => mkdir(at)],
  ])('is an issue of the dataset when it is %s, never "no source texts"', async (_kind, place) => {
    const folder = await makeTempDir('opendata-linked-source-');
    const outside = path.join(await makeTempDir('opendata-linked-target-'), 'paper.txt');
    await writeFile(outside, SOURCE_TEXT);
    await place(path.join(folder, 'paper.txt'), outside);

    const found = await sourceTextsFrom(new LocalDirectoryStore(folder), folder).get('paper.txt');

    expect(found.ok).toBe(false);
    expect(found).toMatchObject({ code: 'file-missing' });
    expect(found).not.toHaveProperty('notChecked');
    expect(found.ok ? '' : found.why).toMatch(/^source text .*paper\.txt is no file \(/);
  });

  it('is an issue of the dataset when it is a link to itself', async () => {
    const folder = await makeTempDir('opendata-loop-source-');
    const paper = path.join(folder, 'paper.txt');
    await symlink(paper, paper);

    const found = await sourceTextsFrom(new LocalDirectoryStore(folder), folder).get('paper.txt');

    expect(found).toMatchObject({ ok: false, code: 'file-missing' });
    expect(found.ok ? '' : found.why).toContain(
      `a symbolic link to ${paper} is there, which leads to no file`,
    );
  });

  // A named pipe was opened without waiting and refused, but the refusal stopped the whole run (exit 1, no
  // report) where it is one dataset's source text to mend.
  it('is an issue of the dataset when it is a named pipe, and nothing waits on the pipe', async () => {
    const folder = await makeTempDir('opendata-fifo-source-');
    execFileSync('mkfifo', [path.join(folder, 'paper.txt')]);

    const found = await sourceTextsFrom(new LocalDirectoryStore(folder), folder).get('paper.txt');

    expect(found).toEqual({
      ok: false,
      code: 'file-missing',
      why: `source text ${folder}/paper.txt is no file (a named pipe is there): put the text itself there`,
    });
  });
});
