import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../lambda/core/limits.js';
import { validateDataset } from '../../lambda/core/validate.js';
import { FIXTURE_DESCRIPTOR, fixtureSource } from '../support/dataset-fixture.js';
import { hostileWorkspace, publishAll, publishedDatasetFiles, validateAll } from './hostile-workspace.js';

describe('a record longer than the limit, its cells each within theirs', () => {
  it.each([
    ['its cells within the header', `id,year\nt-1,${'y'.repeat(2000)}\n`, 2, 2, 'year'],
    ['its cells past the header', `id,year\nt-1,2001${`,${'y'.repeat(300)}`.repeat(10)}\n`, 2, 6, undefined],
    ['its quoted cell never closed', `id,year\nt-1,"${'""'.repeat(1000)}`, 2, 2, 'year'],
    ['the header', `${'y'.repeat(600)},${'y'.repeat(600)}\nt-1,2001\n`, 1, 2, undefined],
  ])(
    '%s: one limit-exceeded issue at its line and the cell the limit falls in, nothing published',
    async (_name, csv, line, column, field) => {
      const ws = await hostileWorkspace({
        sample: { csv, descriptor: { ...FIXTURE_DESCRIPTOR, limits: { maxRecordLength: 1000 } } },
      });

      const [report] = (await validateAll(ws)).map((result) => result.report);
      const { outcomes } = await publishAll(ws);

      expect(report?.valid).toBe(false);
      expect(report?.issues.filter((issue) => issue.code === 'limit-exceeded')).toEqual([
        {
          code: 'limit-exceeded',
          file: path.join(ws.data, 'sample.csv'),
          line,
          column,
          ...(field === undefined ? {} : { field }),
          message:
            'record is more than 1000 characters long, the limit (limits.maxRecordLength); reading stopped here',
        },
      ]);
      expect(outcomes.map((outcome) => [outcome.id, outcome.status])).toEqual([['sample', 'rejected']]);
      expect(await publishedDatasetFiles(ws)).toEqual([]);
    },
  );

  it('is refused by default past 64 MiB (68 cells of 10^6 characters, each within the cell limit)', async () => {
    expect(DEFAULT_LIMITS.maxRecordLength).toBe(64 * 1024 ** 2);
    const header = 'id,year,value_musd,flagged,day,kind\n';
    const record = Buffer.alloc(68 * 1_000_001 - 1, 'y');
    for (let comma = 1_000_000; comma < record.length; comma += 1_000_001) record[comma] = 0x2c;
    const chunks = [Buffer.from(header)];
    for (let at = 0; at < record.length; at += 1 << 16) chunks.push(record.subarray(at, at + (1 << 16)));

    const { report } = await validateDataset(fixtureSource({ csv: chunks }));

    expect(report.issues).toEqual([
      expect.objectContaining({
        code: 'limit-exceeded',
        file: 'data/sample.csv',
        line: 2,
        // 67108864 characters in, the 68th cell.
        column: 68,
        message:
          'record is more than 67108864 characters long, the limit (limits.maxRecordLength); reading stopped here',
      }),
    ]);
  });
});
