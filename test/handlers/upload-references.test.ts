import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stageFromCuratedSource } from '../../lambda/handlers/steps/validate-and-publish.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { curatedSources } from '../support/local-sources.js';
import { makeWorkspace } from '../support/workspace.js';

describe("a dataset's references, in the Lambda's validate step", () => {
  it('are checked against the CSV the referenced dataset is published from: its newer upload', async () => {
    // A curator's upload of trade renames a key trade-by-year refers to; that upload is what trade's own
    // step publishes, so trade-by-year must not be checked against the deployed trade.csv.
    const ws = await makeWorkspace();
    const deployed = await readFile(path.join(ws.data, 'trade.csv'), 'utf8');
    await mkdir(path.join(ws.root, 'incoming'));
    const upload = path.join(ws.root, 'incoming', 'trade.csv');
    await writeFile(upload, deployed.replace('turnover-2001-series', 'turnover-2001-annual'));
    const later = new Date(Date.now() + 60_000);
    await utimes(upload, later, later);

    const result = await stageFromCuratedSource(
      curatedSources(ws.root),
      new LocalDirectoryStore(ws.out),
      'trade-by-year',
      { now: new Date('2026-01-01T00:00:00Z') },
    );

    expect(result.status).toBe('rejected');
    const messages = result.status === 'rejected' ? result.issues.map((issue) => issue.message) : [];
    expect(messages).toContainEqual(
      'turnover_musd_trade_id=turnover-2001-series: no row of trade (incoming/trade.csv) has id equal to it (foreignKeys/0)',
    );
  });
});
