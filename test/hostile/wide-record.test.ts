import { describe, expect, it } from 'vitest';
import { FIXTURE_DESCRIPTOR } from '../support/dataset-fixture.js';
import { hostileWorkspace, runCliChild } from './hostile-workspace.js';

describe('a record of millions of fields', () => {
  it.each([
    // 15 MB: took 27.6 s and 315 MB, each piece splitting the whole record again; with a 128 MB heap it crashed.
    [
      'a data row, its commas never ending before the file does',
      `id,year\n1,a,1${','.repeat(15_000_000)}\n`,
      2,
    ],
    ['a header of empty names', `${','.repeat(6_000_000)}\nt-1,2001\n`, 1],
    ['a data row with quoted cells holding commas', `id,year\n"a,b","c"${',"d,e"'.repeat(2_000_000)}`, 2],
  ])(
    '%s: validate stops it at its line as limit-exceeded, in a 128 MB heap, within seconds',
    async (_name, csv, line) => {
      const ws = await hostileWorkspace({ sample: { csv, descriptor: FIXTURE_DESCRIPTOR } });

      const started = Date.now();
      const run = await runCliChild(['validate', '--data', ws.data, '--schemas', ws.schemas], {
        heapMb: 128,
        timeoutMs: 60_000,
      });

      expect(run.signal, run.stderr.slice(-2000)).toBeNull();
      expect(run.code, run.stderr.slice(-2000)).toBe(1);
      expect(run.stdout + run.stderr).toContain(
        `sample.csv:${line}:1001: [limit-exceeded] record has more than 1000 fields, the limit (limits.maxColumns); reading stopped here`,
      );
      // Startup and compiling the schemas take most of it; reading the file a few milliseconds.
      expect(Date.now() - started).toBeLessThan(30_000);
    },
    90_000,
  );
});

describe('a record of many long cells, each within the limit', () => {
  it('validates in a 128 MB heap within seconds: the record is not parsed again with every piece', async () => {
    // 30 cells of 1 MiB (limits.maxFieldLength): 31 MB took 61 s, each 64 KiB piece parsing the record again.
    const cells = Array.from({ length: 30 }, () => 'x'.repeat(1024 ** 2)).join(',');
    const ws = await hostileWorkspace({
      sample: { csv: `id,year\nt-1,${cells}\n`, descriptor: FIXTURE_DESCRIPTOR },
    });

    const started = Date.now();
    const run = await runCliChild(['validate', '--data', ws.data, '--schemas', ws.schemas], {
      heapMb: 128,
      timeoutMs: 60_000,
    });

    expect(run.signal, run.stderr.slice(-2000)).toBeNull();
    expect(run.code, run.stderr.slice(-2000)).toBe(1);
    expect(run.stdout + run.stderr).toContain('sample.csv:2:3: [extra-cell] the row has 31 cells');
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 90_000);
});
