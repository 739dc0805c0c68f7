import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ParquetBesideValidation } from '../../lambda/core/parquet-worker.js';
import { Spill } from '../../lambda/core/row-source.js';
import type { Column } from '../../lambda/core/row-schema.js';
import { scratchForEachTest } from '../support/scratch.js';
import { descriptorsWhere } from '../support/open-descriptors.js';

const COLUMNS: readonly Column[] = [
  { name: 'id', type: 'string', required: true, schema: {} },
  { name: 'year', type: 'integer', required: true, schema: {} },
];

/** This process's descriptors on files under `dir` whose name ends with `suffix`. */
function descriptorsUnder(dir: string, suffix: string): string[] {
  return descriptorsWhere((target) => target.startsWith(dir) && target.endsWith(suffix));
}

describe('the descriptors lent to the Parquet worker', () => {
  const scratch = scratchForEachTest();
  afterEach(() => {
    vi.restoreAllMocks();
    syncBuiltinESMExports();
  });

  it('a close that fails on exit (EIO: the descriptor is closed all the same) neither throws in the main thread, nor hangs abandon, nor leaks the other', async () => {
    const real = fs.closeSync;
    let failed = false;
    vi.spyOn(fs, 'closeSync').mockImplementation((fd: number) => {
      real(fd);
      if (!failed) {
        failed = true;
        throw Object.assign(new Error('EIO: i/o error, close'), { code: 'EIO' });
      }
    });
    syncBuiltinESMExports();
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.prependListener('uncaughtException', onUncaught);
    try {
      const beside = new ParquetBesideValidation(COLUMNS, scratch.current, 'p.parquet', { startRows: 1 });
      const spill = await Spill.rows(scratch.current, 'run');
      await spill.add([{ id: 'a', year: 1 }]);
      beside.spilled(1, spill.written);
      expect(descriptorsUnder(scratch.current.path, 'p.parquet')).toHaveLength(1);
      const outcome = await Promise.race([
        beside.abandon().then(() => 'stopped'),
        delay(5_000).then(() => 'abandon() still pending after 5 s'),
      ]);
      await spill.close();
      expect({
        uncaught: uncaught.map(String),
        outcome,
        parquetDescriptorsLeft: descriptorsUnder(scratch.current.path, 'p.parquet').length,
      }).toEqual({ uncaught: [], outcome: 'stopped', parquetDescriptorsLeft: 0 });
    } finally {
      process.removeListener('uncaughtException', onUncaught);
    }
  });
});
