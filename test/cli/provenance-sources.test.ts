import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../bin/opendata.js';
import { FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA } from '../support/dataset-fixture.js';
import { makeWorkspace, readJson } from '../support/workspace.js';

// Provenance as a curator meets it on the command line: the source texts folder is found
// (--sources, OPEN_DATA_SOURCES_DIR, ../shared/sources), quotes are held to it, and a run
// without it says so once and records it in validation.json.

const PAPER = [
  'Trade grew. The trade turnover between two countries in 2001 amounted to \\$ 106.1 million,',
  'in 2002 - \\$ 161.2 million. Nothing else is said here.',
].join('\n');

/** A workspace with a small dataset, `sample`, whose rows quote {@link PAPER}, and a sources folder holding it. */
async function workspace() {
  const ws = await makeWorkspace();
  const sources = path.join(ws.root, 'sources');
  await mkdir(sources);
  await writeFile(path.join(sources, FIXTURE_DESCRIPTOR.source.file), PAPER);
  const schema = {
    ...FIXTURE_SCHEMA,
    $id: 'https://kz-az-open-data.example/schemas/sample-quoted.schema.json',
    properties: { ...FIXTURE_SCHEMA.properties, source_quote: { type: 'string', minLength: 1 } },
    required: [...FIXTURE_SCHEMA.required, 'source_quote'],
  };
  const descriptor = {
    ...FIXTURE_DESCRIPTOR,
    columns: [
      ...FIXTURE_DESCRIPTOR.columns,
      { name: 'source_quote', description: 'The sentence of the source.' },
    ],
  };
  await writeFile(path.join(ws.schemas, 'sample.schema.json'), JSON.stringify(schema));
  await writeFile(path.join(ws.data, 'sample.dataset.json'), JSON.stringify(descriptor));
  await writeFile(
    path.join(ws.data, 'sample.csv'),
    [
      'id,year,value_musd,flagged,day,kind,source_quote',
      't-2001,2001,106.1,false,,turnover,The trade turnover between two countries in 2001 amounted to $ 106.1 million',
      't-2002,2002,161.2,false,,turnover,in 2002 - $ 161.2 million',
      '',
    ].join('\n'),
  );
  return { ...ws, sources };
}

/** The checks the published validation.json of `sample` 1.0.0 records. */
async function publishedChecks(out: string): Promise<unknown[] | undefined> {
  const report = await readJson<{ datasets: { checks?: unknown[] }[] }>(
    path.join(out, 'datasets', 'sample', '1.0.0', 'validation.json'),
  );
  return report.datasets[0]?.checks;
}

async function run(args: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (line) => out.push(line), err: (line) => err.push(line) }, { env });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('provenance on the command line', () => {
  it('validates quotes against --sources and names the line, column and field of each problem', async () => {
    const ws = await workspace();
    const csv = path.join(ws.data, 'sample.csv');
    const text = await readFile(csv, 'utf8');
    await writeFile(csv, text.replace('in 2002 - $ 161.2 million', 'in 2002 - $ 161.3 million'));
    const args = ['validate', 'sample', '--data', ws.data, '--schemas', ws.schemas];

    const checked = await run([...args, '--sources', ws.sources]);

    expect(checked.code).toBe(1);
    expect(checked.stderr.split('\n')).toEqual([
      expect.stringMatching(
        /sample\.csv:3:7: \[quote-not-in-source\] source_quote: the quote does not occur/,
      ),
      expect.stringMatching(/sample\.csv:3:3: \[value-not-in-quote\] value_musd: .* the number 161\.2$/),
    ]);
  });

  it("reports a source text that is a named pipe as the dataset's issue, and publishes the others", async () => {
    const ws = await workspace();
    const paper = path.join(ws.sources, FIXTURE_DESCRIPTOR.source.file);
    await rm(paper);
    execFileSync('mkfifo', [paper]);

    const result = await run([
      'publish',
      '--data',
      ws.data,
      '--schemas',
      ws.schemas,
      '--out',
      ws.out,
      '--sources',
      ws.sources,
    ]);

    // Before, the run stopped at the pipe: exit 1, one line, nothing published and no report of any dataset.
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `[file-missing] /source/file: cannot check the quotes against the source: source text ${paper} is no file (a named pipe is there): put the text itself there`,
    );
    const catalog = await readJson<{ datasets: { id: string }[] }>(path.join(ws.out, 'catalog.json'));
    expect(catalog.datasets.map((entry) => entry.id)).toContain('trade');
    expect(catalog.datasets.map((entry) => entry.id)).not.toContain('sample');
  });

  it('finds the folder through OPEN_DATA_SOURCES_DIR and accepts quotes as the paper reads', async () => {
    const ws = await workspace();

    const result = await run(['validate', 'sample', '--data', ws.data, '--schemas', ws.schemas], {
      OPEN_DATA_SOURCES_DIR: ws.sources,
    });

    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe('sample: valid (2 rows)');
  });

  it('without source texts, says so once, publishes, and records "not checked" in validation.json', async () => {
    const ws = await workspace();
    const missing = path.join(ws.root, 'no-such-folder');

    const result = await run(['publish', '--data', ws.data, '--schemas', ws.schemas, '--out', ws.out], {
      OPEN_DATA_SOURCES_DIR: missing,
    });

    expect(result.code).toBe(0);
    expect(result.stderr.split('\n').filter((line) => line.includes('provenance'))).toEqual([
      `opendata: provenance not checked: no source texts folder at ${missing} (give --sources DIR or set OPEN_DATA_SOURCES_DIR)`,
    ]);
    expect(await publishedChecks(ws.out)).toContainEqual({
      check: 'provenance',
      status: 'not-checked',
      message: 'provenance not checked: no source texts folder was given to this run',
    });
  });

  it('says so once, too, when the folder given holds no file', async () => {
    const ws = await workspace();
    const empty = path.join(ws.root, 'empty-sources');
    await mkdir(empty);

    const common = ['--data', ws.data, '--schemas', ws.schemas, '--sources', empty];
    for (const args of [
      ['validate', ...common],
      ['publish', ...common, '--out', ws.out],
    ]) {
      const result = await run(args);

      expect(result.code).toBe(0);
      expect(result.stderr.split('\n').filter((line) => line.includes('provenance'))).toEqual([
        `opendata: provenance not checked: the source texts folder ${empty} holds no file (give --sources DIR or set OPEN_DATA_SOURCES_DIR)`,
      ]);
    }
    // The published report says why without naming the folder: a path of the publisher's machine, which
    // would also make the same inputs give other bytes elsewhere.
    expect(
      await readFile(path.join(ws.out, 'datasets', 'sample', '1.0.0', 'validation.json'), 'utf8'),
    ).not.toContain(ws.root);
    expect(await publishedChecks(ws.out)).toContainEqual({
      check: 'provenance',
      status: 'not-checked',
      message: 'provenance not checked: the source texts folder given to the run holds no file',
    });
  });

  it('says a file given for the folder is a file, as --sources and as the variable', async () => {
    const ws = await workspace();
    const paper = path.join(ws.root, 'paper.txt');
    await writeFile(paper, 'the text of a paper\n');

    const option = await run(['validate', '--data', ws.data, '--schemas', ws.schemas, '--sources', paper]);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain(
      `--sources ${paper}: is a file, not a folder: give the folder that holds the source texts`,
    );

    const variable = await run(['validate', '--data', ws.data, '--schemas', ws.schemas], {
      OPEN_DATA_SOURCES_DIR: paper,
    });
    expect(variable.code).toBe(0);
    expect(variable.stderr.split('\n').filter((line) => line.includes('provenance'))).toEqual([
      `opendata: provenance not checked: ${paper}, given for the source texts folder, is a file (give --sources DIR or set OPEN_DATA_SOURCES_DIR)`,
    ]);
  });

  // A version published without the source at hand said nothing of it on its page, whose provenance
  // paragraph reads as if every figure had been checked; only its validation.json recorded it.
  it("says on the dataset's page whether the latest version's quotes were held to the source", async () => {
    const ws = await workspace();
    const empty = path.join(ws.root, 'empty-sources');
    await mkdir(empty);
    const publish = (sources: string) =>
      run([
        'publish',
        'sample',
        '--data',
        ws.data,
        '--schemas',
        ws.schemas,
        '--out',
        ws.out,
        '--sources',
        sources,
      ]);
    const page = async () =>
      (await readFile(path.join(ws.out, 'datasets', 'sample', 'index.html'), 'utf8')).replace(/\s+/g, ' ');

    expect((await publish(ws.sources)).code).toBe(0);
    expect(await page()).toContain(
      "When version 1.0.0 was published, every row's quote was found in the source text, and each quote states its row's values.",
    );
    expect(await page()).not.toContain('Not checked');

    const csv = path.join(ws.data, 'sample.csv');
    await writeFile(csv, (await readFile(csv, 'utf8')).replace('t-2002,2002,161.2', 't-2002,2002,161.3'));
    expect((await publish(empty)).code).toBe(0);
    expect(await page()).toContain(
      '<span class="flag">Not checked</span> The quotes of version 1.0.1 were not held to the source text when it was published',
    );
    expect(await page()).not.toContain('every row&#39;s quote was found');
  });

  // The run that found the edit (a published file must never change) still redrew the page from it.
  it('says nothing on the page from a validation.json edited since it was published', async () => {
    const ws = await workspace();
    const publish = () =>
      run([
        'publish',
        'sample',
        '--data',
        ws.data,
        '--schemas',
        ws.schemas,
        '--out',
        ws.out,
        '--sources',
        ws.sources,
      ]);
    expect((await publish()).code).toBe(0);
    const report = path.join(ws.out, 'datasets', 'sample', '1.0.0', 'validation.json');
    await writeFile(
      report,
      (await readFile(report, 'utf8')).replace('"status": "passed"', '"status": "not-checked"'),
    );
    await rm(path.join(ws.out, 'datasets', 'sample', 'index.html'));

    const again = await publish();

    expect(again.code).toBe(1);
    expect(again.stderr).toContain('a published file must never change');
    const page = await readFile(path.join(ws.out, 'datasets', 'sample', 'index.html'), 'utf8');
    expect(page).not.toContain('Not checked');
    expect(page).not.toContain('were not held to the source text');
  });

  it('refuses a --sources folder that does not exist as a usage error', async () => {
    const result = await run(['validate', '--sources', '/no/such/folder']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--sources /no/such/folder: no such folder');
  });
});
