import { mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { publishDatasets } from '../../lambda/core/pipeline.js';
import type { StreamingTuning } from '../../lambda/core/publish.js';
import { ScratchFile } from '../../lambda/core/scratch.js';
import type { SourceLocation } from '../../lambda/core/sources.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { writeSyntheticTrade } from '../support/synthetic-trade.js';

const NOW = new Date('2026-03-01T00:00:00Z');
const LATER = new Date('2026-03-02T00:00:00Z');

function sourceOf(data: string, schemas: string): SourceLocation {
  return {
    data: new LocalDirectoryStore(data),
    schemas: new LocalDirectoryStore(schemas),
    dataLabel: 'data',
    schemasLabel: 'schemas',
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Open file descriptors of this process under `dir`. */
async function fdsUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const fd of await readdir('/proc/self/fd').catch(() => [])) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target.startsWith(dir)) found.push(target);
  }
  return found;
}

/** Collects unhandled rejections and late failures while a scenario runs. */
function watch() {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  return {
    unhandled,
    stop: () => process.off('unhandledRejection', onUnhandled),
  };
}

let dir: string;
afterEach(async () => {
  vi.restoreAllMocks();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function setup(rows: number) {
  dir = await mkdtemp(path.join(tmpdir(), 'unawaited-'));
  const { data, schemas } = await writeSyntheticTrade(dir, rows);
  const scratchParent = path.join(dir, 'scratch');
  await mkdir(scratchParent);
  const out = path.join(dir, 'out');
  return { data, schemas, scratchParent, out };
}

/** After a run: nothing left in the scratch parent, no file open there, no unhandled rejection. */
async function expectClean(scratchParent: string, w: ReturnType<typeof watch>) {
  await sleep(600);
  w.stop();
  expect(w.unhandled.map(String)).toEqual([]);
  expect(await readdir(scratchParent)).toEqual([]);
  expect(await fdsUnder(scratchParent)).toEqual([]);
}

/**
 * Runs that end early or find nothing to do must leave nothing behind: no scratch folder, no file held open
 * on a scratch file already removed (its space is not freed until the process ends: a warm Lambda keeps
 * it), no promise that fails later with nothing to catch it. Linux only for the open files (read from
 * /proc/self/fd); elsewhere that check finds none.
 */
describe('a run that stops early or publishes nothing leaves nothing running or open', () => {
  it('an unchanged republish with the Parquet worker leaves nothing running or open', async () => {
    const { data, schemas, scratchParent, out } = await setup(20_000);
    const tuning: StreamingTuning = { parquetWorkerRows: 1000 };
    const run = (now: Date) =>
      publishDatasets({
        source: sourceOf(data, schemas),
        store: new LocalDirectoryStore(out),
        now,
        scratchParent,
        tuning,
      });
    expect((await run(NOW)).outcomes).toMatchObject([{ status: 'published' }]);
    const w = watch();
    expect((await run(LATER)).outcomes).toMatchObject([{ status: 'unchanged' }]);
    await expectClean(scratchParent, w);
  });

  it('a store write that fails while a changed version is staged leaves nothing running or open', async () => {
    const { data, schemas, scratchParent, out } = await setup(20_000);
    const tuning: StreamingTuning = { parquetWorkerRows: 1000 };
    const store = new LocalDirectoryStore(out);
    await publishDatasets({ source: sourceOf(data, schemas), store, now: NOW, scratchParent, tuning });
    const csv = path.join(data, 'trade.csv');
    await writeFile(csv, (await readFile(csv, 'utf8')).replace('Synthetic row 5,', 'Synthetic row five,'));
    let puts = 0;
    const failing = new LocalDirectoryStore(out);
    const putIfAbsent = failing.putIfAbsent.bind(failing);
    vi.spyOn(failing, 'putIfAbsent').mockImplementation(async (key, body, meta) => {
      if (++puts === 2) throw new Error('injected put failure');
      return putIfAbsent(key, body, meta);
    });
    const w = watch();
    await expect(
      publishDatasets({ source: sourceOf(data, schemas), store: failing, now: LATER, scratchParent, tuning }),
    ).rejects.toThrow(/injected put failure/);
    await expectClean(scratchParent, w);
  });
});

describe('a number log file still being created when the scratch folder is disposed', () => {
  it('is closed, not left open on a removed file', async () => {
    // 8,200 rows, the last one invalid: each number column's log creates its file at the 8,192nd value,
    // in the last batch, and the dataset is rejected at once. The open is made slow (it completes, but
    // late), as on a busy disk: the scratch folder is disposed while it is in flight.
    const { data, schemas, scratchParent } = await setup(8_199);
    const csv = path.join(data, 'trade.csv');
    await writeFile(
      csv,
      `${await readFile(csv, 'utf8')}row-99999999,2020,turnover,value,not-a-number,,,false,,x,"y"\n`,
    );
    const open = fsp.open;
    vi.spyOn(fsp, 'open').mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
      const handle = await open(...args);
      if (String(args[0]).includes('stats-values')) await sleep(20);
      return handle;
    });
    syncBuiltinESMExports();
    const w = watch();
    try {
      const result = await publishDatasets({
        source: sourceOf(data, schemas),
        store: new LocalDirectoryStore(path.join(dir, 'out')),
        now: NOW,
        scratchParent,
      });
      expect(result.outcomes).toMatchObject([{ id: 'trade', status: 'rejected' }]);
    } finally {
      vi.restoreAllMocks();
      syncBuiltinESMExports();
    }
    await expectClean(scratchParent, w);
  });
});

describe('a scratch write that fails while two versions are compared (a disk filling up)', () => {
  it('closes both row streams of the comparison', async () => {
    const { data, schemas, scratchParent, out } = await setup(20_000);
    const store = new LocalDirectoryStore(out);
    await publishDatasets({ source: sourceOf(data, schemas), store, now: NOW, scratchParent });
    const csv = path.join(data, 'trade.csv');
    await writeFile(csv, (await readFile(csv, 'utf8')).replace('Synthetic row 5,', 'Synthetic row five,'));
    const write = ScratchFile.prototype.write;
    vi.spyOn(ScratchFile.prototype, 'write').mockImplementation(async function (this: ScratchFile, chunk) {
      if (this.path.endsWith('changed.jsonl')) throw new Error('ENOSPC: no space left on device (injected)');
      return write.call(this, chunk);
    });
    const w = watch();
    await expect(
      publishDatasets({ source: sourceOf(data, schemas), store, now: LATER, scratchParent }),
    ).rejects.toThrow(/ENOSPC/);
    await expectClean(scratchParent, w);
  });
});
