import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_DESCRIPTOR } from '../support/dataset-fixture.js';
import { hostileWorkspace, validateAll } from './hostile-workspace.js';

describe('a cell far longer than the limit', () => {
  it.each([
    ['unquoted, with no line break after it', `id,year\n${'y'.repeat(3_000_000)}`, 2, 1, 'id'],
    ['quoted, its quotes doubled', `id,year\nt-1,"${'""'.repeat(1_500_000)}`, 2, 2, 'year'],
    ['in the header', 'y'.repeat(6_000_000), 1, 1, undefined],
  ])('%s: one limit-exceeded issue where it starts', async (_name, csv, line, column, field) => {
    const ws = await hostileWorkspace({
      sample: { csv, descriptor: { ...FIXTURE_DESCRIPTOR, limits: { maxFieldLength: 1000 } } },
    });

    const [report] = (await validateAll(ws)).map((result) => result.report);

    expect(report?.valid).toBe(false);
    expect(report?.issues).toContainEqual(
      expect.objectContaining({
        code: 'limit-exceeded',
        file: path.join(ws.data, 'sample.csv'),
        line,
        column,
        ...(field === undefined ? {} : { field }),
        message: expect.stringContaining('more than 1000 characters long') as string,
      }),
    );
  });
});
