import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/workspace.js';

// A quote read alone must say what its row is about, not only the row's numbers: a visit's quote names who
// visited where, a trade figure's quote names the flow it measures. (That a quote is in the paper and states
// every number and date of its row is checked by validate's provenance check.)

async function rowsOf(id: string): Promise<Record<string, string>[]> {
  const text = await readFile(path.join(REPO_ROOT, 'data', `${id}.csv`), 'utf8');
  return Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true }).data;
}

/** Words a trade row's quote must contain for its flow, as the paper names each flow. */
const FLOW_WORDS: Record<string, string> = {
  turnover: 'turnover',
  'az-export-to-kz': 'Exports to Kazakhstan',
  'az-import-from-kz': 'Import from Kazakhstan',
};

describe('quotes that say what their row is about', () => {
  it('each visit quotes the visitor, the host country and its own entry of the list', async () => {
    const rows = await rowsOf('visits');
    const vague = rows
      .filter((row) => {
        const quote = row.source_quote ?? '';
        const surname = (row.visitor ?? '').split(' ').at(-1) ?? '';
        return (
          !quote.includes(surname) ||
          !new RegExp(`to (the )?Republic of ${row.host_country}`).test(quote) ||
          !quote.endsWith(row.paper_wording ?? '\u0000')
        );
      })
      .map((row) => row.id);

    expect(rows.length).toBeGreaterThan(0);
    expect(vague).toEqual([]);
  });

  it('each trade figure quotes the flow it measures', async () => {
    const rows = await rowsOf('trade');
    const vague = rows
      .filter((row) => !(row.source_quote ?? '').includes(FLOW_WORDS[row.flow ?? ''] ?? '\u0000'))
      .map((row) => row.id);

    expect(rows.length).toBeGreaterThan(0);
    expect(vague).toEqual([]);
  });
});
