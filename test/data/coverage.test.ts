import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { DatasetDescriptor } from '../../lambda/core/descriptor.js';
import { readJson, REPO_ROOT, SOURCES_DIR } from '../support/workspace.js';

// docs/coverage.md lists every fact of the paper as captured (with the rows that hold it) or left out (with
// the reason); the README states how many of each. These tests keep the document, the data and the README
// from drifting apart.

const STATUSES = ['captured', 'left out'] as const;

/** One line of a coverage table. */
interface Entry {
  readonly section: string;
  readonly line: number;
  readonly cells: readonly string[];
  /** `dataset/row-id` references written in backticks in the last cell. */
  readonly rows: readonly string[];
}

/** The table lines of a coverage document, each with the `## ` section it stands under. */
export function parseCoverage(markdown: string): Entry[] {
  const entries: Entry[] = [];
  let section = '';
  markdown.split('\n').forEach((text, index) => {
    if (text.startsWith('## ')) section = text.slice(3).trim();
    if (!text.startsWith('|')) return;
    const cells = text
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((cell) => cell.trim());
    if (cells[0] === 'In the paper' || /^-+$/.test(cells[0] ?? '')) return;
    const rows = [...(cells[2] ?? '').matchAll(/`([a-z0-9-]+\/[a-z0-9-]+)`/g)].map((match) => match[1] ?? '');
    entries.push({ section, line: index + 1, cells, rows });
  });
  return entries;
}

/** The three counts the README states in its coverage section, in the order facts, captured, left out. */
export function readmeCounts(readme: string): number[] {
  // Line breaks fall anywhere in a reflowed paragraph: read it with white space collapsed.
  const section = (/^## How much of the paper is in the data\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '').replace(
    /\s+/g,
    ' ',
  );
  const match = /\*\*(\d+)\*\* such facts: \*\*(\d+)\*\* are captured and \*\*(\d+)\*\* are left out/.exec(section);
  return match === null ? [] : match.slice(1).map(Number);
}

const DATA = path.join(REPO_ROOT, 'data');
const coverage = await readFile(path.join(REPO_ROOT, 'docs', 'coverage.md'), 'utf8');
const entries = parseCoverage(coverage);
const ids = (await readdir(DATA))
  .filter((name) => name.endsWith('.csv'))
  .map((name) => name.slice(0, -'.csv'.length))
  .sort();
const rowsByDataset = new Map(
  await Promise.all(
    ids.map(async (id) => {
      const text = await readFile(path.join(DATA, `${id}.csv`), 'utf8');
      const rows = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true }).data;
      return [id, rows] as const;
    }),
  ),
);

describe('docs/coverage.md, the re-audit of the paper against the data', () => {
  it('has one well-formed line per fact: a fact, captured or left out, and rows or a reason', () => {
    const malformed = entries
      .filter(
        ({ cells, rows }) =>
          cells.length !== 3 ||
          (cells[0] ?? '') === '' ||
          !STATUSES.includes(cells[1] as (typeof STATUSES)[number]) ||
          (cells[1] === 'captured' ? rows.length === 0 : rows.length > 0 || (cells[2] ?? '').length < 10),
      )
      .map(({ line }) => `docs/coverage.md:${line}`);

    expect(entries.length).toBeGreaterThan(0);
    expect(malformed).toEqual([]);
  });

  it('names only rows that exist', () => {
    const missing = entries.flatMap(({ line, rows }) =>
      rows
        .filter((reference) => {
          const [dataset, id] = reference.split('/');
          return !(rowsByDataset.get(dataset ?? '') ?? []).some((row) => row.id === id);
        })
        .map((reference) => `docs/coverage.md:${line}: ${reference}`),
    );

    expect(missing).toEqual([]);
  });

  it('names every row that quotes the paper at least once', () => {
    const named = new Set(entries.flatMap(({ rows }) => rows));
    const unnamed = [...rowsByDataset].flatMap(([dataset, rows]) =>
      rows.filter((row) => row.source_quote !== undefined && !named.has(`${dataset}/${row.id}`)).map((row) => `${dataset}/${row.id}`),
    );

    expect(named.size).toBeGreaterThan(0);
    expect(unnamed).toEqual([]);
  });

  it('states in the README the counts its tables give', async () => {
    const readme = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const count = (status: string) => entries.filter(({ cells }) => cells[1] === status).length;

    expect(readmeCounts(readme)).toEqual([entries.length, count('captured'), count('left out')]);
  });

  it.skipIf(SOURCES_DIR === undefined)('follows the paper: each section after the first is a heading of the paper', async () => {
    const descriptor = await readJson<DatasetDescriptor>(path.join(DATA, 'milestones.dataset.json'));
    const paper = await readFile(path.join(SOURCES_DIR ?? '', descriptor.source.file), 'utf8');
    const headings = paper.split('\n').map((line) => line.trim().replace(/\.$/, ''));
    const sections = [...new Set(entries.map(({ section }) => section))];

    expect(sections.slice(1).filter((section) => !headings.includes(section))).toEqual([]);
    expect(sections.slice(1).map((section) => headings.indexOf(section))).toEqual(
      sections
        .slice(1)
        .map((section) => headings.indexOf(section))
        .sort((a, b) => a - b),
    );
  });
});
