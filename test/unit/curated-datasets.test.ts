import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { DatasetDescriptor } from '../../lambda/core/descriptor.js';
import { validateDatasets } from '../../lambda/core/pipeline.js';
import { sourceTextsFrom } from '../../lambda/core/source-texts.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { readJson, REPO_ROOT, SOURCES_DIR } from '../support/workspace.js';

const source = {
  data: new LocalDirectoryStore(path.join(REPO_ROOT, 'data')),
  schemas: new LocalDirectoryStore(path.join(REPO_ROOT, 'schemas')),
  dataLabel: 'data',
  schemasLabel: 'schemas',
  // With the paper at hand, validation also holds every quote to it (the provenance check).
  ...(SOURCES_DIR === undefined
    ? {}
    : {
        texts: sourceTextsFrom(new LocalDirectoryStore(SOURCES_DIR), path.relative(REPO_ROOT, SOURCES_DIR)),
      }),
};

async function rowsOf(id: string): Promise<Record<string, string>[]> {
  const text = await readFile(path.join(REPO_ROOT, 'data', `${id}.csv`), 'utf8');
  return Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true }).data;
}

const results = await validateDatasets(source);
const ids = results.map((result) => result.report.id);

describe('curated datasets', () => {
  it('include trade, visits and enterprises', () => {
    expect(ids).toEqual(expect.arrayContaining(['trade', 'visits', 'enterprises']));
  });

  it.each(ids)('%s is valid', (id) => {
    const result = results.find((candidate) => candidate.report.id === id);
    const report = result?.report;

    expect(report?.issues).toEqual([]);
    expect(report?.rows).toBeGreaterThan(0);
    if (
      SOURCES_DIR !== undefined &&
      result?.dataset?.columns.some((column) => column.name === 'source_quote')
    )
      expect(report?.checks?.find((check) => check.check === 'provenance')?.status).toBe('passed');
  });

  it.each(ids)('%s flags each row that names a conflict the descriptor explains', async (id) => {
    const descriptor = await readJson<DatasetDescriptor>(path.join(REPO_ROOT, 'data', `${id}.dataset.json`));
    const explained = new Set((descriptor.conflicts ?? []).map((conflict) => conflict.id));

    for (const row of await rowsOf(id)) {
      expect(row.flagged === 'true', `${id}/${row.id}`).toBe(row.conflict !== '');
      if (row.conflict !== '') expect(explained, `${id}/${row.id}`).toContain(row.conflict);
    }
    for (const conflict of explained) expect(descriptor.description).toContain(conflict);
  });

  it('keeps both readings of the 2018 turnover and of the 2019 change, flagged', async () => {
    const trade = await rowsOf('trade');
    const flagged = (conflict: string) =>
      trade
        .filter((row) => row.conflict === conflict)
        .map((row) => [row.year, row.measure, row.value_musd || row.change_pct]);

    expect(flagged('turnover-2018')).toEqual(
      expect.arrayContaining([
        ['2018', 'value', '258.3'],
        ['2018', 'value', '220.54'],
      ]),
    );
    expect(flagged('turnover-change-2019')).toEqual(
      expect.arrayContaining([
        ['2019', 'change-percent', '4.10'],
        ['2019', 'change-absolute', '9.6'],
      ]),
    );
  });

  it("records the bare '2015' list entry as a flagged year-only row without a day or month", async () => {
    const yearOnly = (await rowsOf('visits')).filter((row) => row.date_precision === 'year');

    expect(yearOnly).toHaveLength(1);
    expect(yearOnly[0]).toMatchObject({
      paper_wording: '2015',
      start_date: '',
      end_date: '',
      date_edtf: '2015',
      year: '2015',
      month: '',
      flagged: 'true',
    });
  });

  // The visits descriptor said its bare '2015' entry had "date_precision unknown", where the row says year
  // (and the schema allows no "unknown"): a reader of the prose looked for a value no row holds.
  it.each(ids)("%s's descriptor names only date_precision values its schema allows", async (id) => {
    const schema = await readJson<{ properties: Record<string, { enum?: string[] }> }>(
      path.join(REPO_ROOT, 'schemas', `${id}.schema.json`),
    );
    const allowed = schema.properties.date_precision?.enum ?? [];
    const prose = await readFile(path.join(REPO_ROOT, 'data', `${id}.dataset.json`), 'utf8');
    const named = [...prose.matchAll(/\bdate_precision ([a-z][a-z-]*)/g)].map((match) => match[1]);

    expect(named.filter((value) => !allowed.includes(value ?? ''))).toEqual([]);
  });
});

/** Datasets whose figures are quoted from the paper; the others take every figure from a quoted row. */
const quotedIds = (
  await Promise.all(ids.map(async (id) => ((await rowsOf(id))[0]?.source_quote === undefined ? [] : [id])))
).flat();

describe('datasets without quotes', () => {
  it('are only the tidy series, whose figures each name the quoted trade row they come from', () => {
    // test/data/trade-by-year.test.ts checks those references cell for cell.
    expect(ids.filter((id) => !quotedIds.includes(id))).toEqual(['trade-by-year']);
  });
});

describe.skipIf(SOURCES_DIR === undefined)('provenance against the source paper', () => {
  it.each(quotedIds)(
    'every source_quote of %s is a verbatim substring of the paper as it reads',
    async (id) => {
      const descriptor = await readJson<DatasetDescriptor>(
        path.join(REPO_ROOT, 'data', `${id}.dataset.json`),
      );
      // The source text escapes every dollar sign as `\$`; quotes are stored as the paper reads (README).
      const paper = (await readFile(path.join(SOURCES_DIR ?? '', descriptor.source.file), 'utf8')).replaceAll(
        '\\$',
        '$',
      );

      const missing = (await rowsOf(id))
        .filter((row) => !paper.includes(row.source_quote ?? '\u0000'))
        .map((row) => row.id);

      expect(missing).toEqual([]);
    },
  );

  it('every trade figure appears, as written, in its own quote', async () => {
    const untraced = (await rowsOf('trade'))
      .flatMap((row) =>
        [row.value_musd, row.change_pct?.replace(/^-/, '')]
          .filter((cell) => cell)
          .map((cell) => [row, cell] as const),
      )
      .filter(([row, cell]) => !(row.source_quote ?? '').includes(`${cell}`))
      .map(([row, cell]) => `${row.id}: ${cell}`);

    expect(untraced).toEqual([]);
  });
});

if (SOURCES_DIR === undefined) {
  console.warn(
    'Skipping provenance checks: ../shared/sources not found (set OPEN_DATA_SOURCES_DIR to the folder with the paper).',
  );
}
