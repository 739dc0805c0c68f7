import { mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import Papa from 'papaparse';
import { describe, expect, it, vi } from 'vitest';
import { CsvDigest } from '../../lambda/core/csv-digest.js';
import { NumberLog } from '../../lambda/core/number-log.js';
import { ParquetBesideValidation } from '../../lambda/core/parquet-worker.js';
import { FIRST_ROW_GROUP_FACTOR } from '../../lambda/core/parquet.js';
import { publishDatasets, type PublishRun } from '../../lambda/core/pipeline.js';
import type { StreamingTuning } from '../../lambda/core/publish.js';
import type { SourceLocation } from '../../lambda/core/sources.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { writeSyntheticTrade } from '../support/synthetic-trade.js';
import { makeWorkspace, readJson, treeDigest } from '../support/workspace.js';

const NOW = new Date('2026-03-01T00:00:00Z');

type Workspace = Awaited<ReturnType<typeof makeWorkspace>>;

/** The data and schemas folders of a workspace, or of a generated dataset, as a publish reads them. */
function sourceOf(ws: Pick<Workspace, 'data' | 'schemas'>): SourceLocation {
  return {
    data: new LocalDirectoryStore(ws.data),
    schemas: new LocalDirectoryStore(ws.schemas),
    dataLabel: 'data',
    schemasLabel: 'schemas',
  };
}

async function publish(ws: Workspace, tuning?: StreamingTuning, now = NOW) {
  const run: PublishRun = {
    source: sourceOf(ws),
    store: new LocalDirectoryStore(ws.out),
    now,
    ...(tuning === undefined ? {} : { tuning }),
  };
  const result = await publishDatasets(run);
  expect(result.problems).toEqual([]);
  expect(result.outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
  return result;
}

/** Rewrites every curated CSV with its rows reordered by `reorder` (the header stays first). */
async function reorderRows(ws: Workspace, reorder: (rows: string[][]) => string[][]): Promise<void> {
  for (const name of (await readdir(ws.data)).filter((file) => file.endsWith('.csv'))) {
    const file = path.join(ws.data, name);
    const [header = [], ...rows] = Papa.parse<string[]>(await readFile(file, 'utf8'), {
      skipEmptyLines: true,
    }).data;
    await writeFile(file, `${Papa.unparse([header, ...reorder(rows)], { newline: '\n' })}\n`);
  }
}

/** Every curated CSV with its rows in reverse order. */
async function reverseRows(ws: Workspace): Promise<void> {
  await reorderRows(ws, (rows) => rows.reverse());
}

/**
 * Changes one trade value and drops another trade row, in the same way in any workspace, and
 * follows both in trade-by-year, whose rules hold it to trade (so that it stays valid).
 */
async function editTrade(ws: Workspace): Promise<void> {
  await rewriteCsv(path.join(ws.data, 'trade.csv'), (rows) =>
    rows
      .filter((row) => row.id !== 'turnover-2003-series')
      .map((row) => (row.id === 'turnover-2002-series' ? { ...row, value_musd: '161.3' } : row)),
  );
  await rewriteCsv(path.join(ws.data, 'trade-by-year.csv'), (rows) =>
    rows.map((row) => {
      if (row.year === '2002') return { ...row, turnover_musd: '161.3' };
      if (row.year === '2003') return { ...row, turnover_musd: '', turnover_musd_trade_id: '' };
      return row;
    }),
  );
}

/** Rewrites a CSV's rows, keeping its header and its order of columns. */
async function rewriteCsv(
  file: string,
  edit: (rows: Record<string, string>[]) => Record<string, string>[],
): Promise<void> {
  const parsed = Papa.parse<Record<string, string>>(await readFile(file, 'utf8'), {
    header: true,
    skipEmptyLines: true,
  });
  const rows = edit(parsed.data);
  await writeFile(file, `${Papa.unparse(rows, { columns: parsed.meta.fields, newline: '\n' })}\n`);
}

async function parquetRows(file: string): Promise<{ rows: unknown[]; rowGroups: number }> {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    const escaped = file.replaceAll("'", "''");
    const rows = (
      await connection.runAndReadAll(`SELECT * FROM read_parquet('${escaped}')`)
    ).getRowObjectsJson();
    const groups = await connection.runAndReadAll(
      `SELECT count(DISTINCT row_group_id) AS groups FROM parquet_metadata('${escaped}')`,
    );
    return { rows, rowGroups: Number(groups.getRowObjectsJson()[0]?.groups) };
  } finally {
    connection.closeSync();
  }
}

describe('streamed publishing at sizes that cross every boundary', () => {
  it('gives a byte-identical tree whatever the input order and sort-run size, over two versions', async () => {
    const plain = await makeWorkspace();
    const shuffled = await makeWorkspace();
    await reverseRows(shuffled);

    // In key order but for the last two rows: the canonical CSV written while the rows were in order is
    // dropped, and written again from the sorted rows.
    const lateSwap = await makeWorkspace();
    await reorderRows(lateSwap, (rows) => [...rows.slice(0, -2), ...rows.slice(-2).reverse()]);

    await publish(plain);
    await publish(shuffled, { sortRunRows: 2 }); // many spilled runs, merged
    expect(await treeDigest(shuffled.out)).toEqual(await treeDigest(plain.out));
    await publish(lateSwap);
    expect(await treeDigest(lateSwap.out)).toEqual(await treeDigest(plain.out));

    await editTrade(plain);
    await editTrade(shuffled);
    const later = new Date('2026-03-02T00:00:00Z');
    const first = await publish(plain, undefined, later);
    await publish(shuffled, { sortRunRows: 3 }, later);
    expect(await treeDigest(shuffled.out)).toEqual(await treeDigest(plain.out));

    expect(first.outcomes.find((outcome) => outcome.id === 'trade')).toMatchObject({
      status: 'published',
      version: '1.0.1',
    });
    const changes = await readJson<{
      summary: unknown;
      removed: { id: string }[];
      changed: { key: unknown; changes: unknown }[];
    }>(path.join(plain.out, 'datasets/trade/1.0.1/changes.json'));
    expect(changes.summary).toEqual({ added: 0, removed: 1, changed: 1 });
    expect(changes.removed.map((row) => row.id)).toEqual(['turnover-2003-series']);
    expect(changes.changed).toEqual([
      {
        key: { year: 2002, id: 'turnover-2002-series' },
        changes: { value_musd: { old: 161.2, new: 161.3 } },
      },
    ]);
  });

  it('gives the same tree when worker threads write the Parquet files while the rows are validated', async () => {
    const plain = await makeWorkspace();
    const threaded = await makeWorkspace();
    // Out of key order only at the end: the worker is stopped and the file written from the sorted rows.
    const lateSwap = await makeWorkspace();
    await reorderRows(lateSwap, (rows) => [...rows.slice(0, -2), ...rows.slice(-2).reverse()]);
    const finished = vi.spyOn(ParquetBesideValidation.prototype, 'finish');
    const hashed = vi.spyOn(CsvDigest.prototype, 'update');
    const statsFinished = vi.spyOn(ParquetBesideValidation.prototype, 'finishUnorderedStats');
    try {
      await publish(plain, { parquetRowGroupRows: 3 });
      expect(finished).toHaveBeenCalled();
      // Below the default threshold of rows, no worker starts.
      for (const result of finished.mock.results) await expect(result.value).resolves.toBeUndefined();
      finished.mockClear();

      hashed.mockClear();
      await publish(threaded, { parquetRowGroupRows: 3, parquetWorkerRows: 1 });
      expect(await treeDigest(threaded.out)).toEqual(await treeDigest(plain.out));
      // Every dataset's file came from a worker (none failed and left it to the main thread).
      const bodies = await Promise.all(finished.mock.results.map((result) => result.value));
      expect(bodies.length).toBeGreaterThanOrEqual(6);
      for (const body of bodies) expect(body).toMatchObject({ bytes: expect.any(Number) });
      // And every canonical CSV was hashed once, as the main thread wrote it: none was read back to hash it.
      const catalog = await readJson<{
        datasets: { versions: { distributions: { format: string; bytes: number }[] }[] }[];
      }>(path.join(threaded.out, 'catalog.json'));
      const csvBytes = catalog.datasets
        .flatMap((dataset) => dataset.versions.flatMap((version) => version.distributions))
        .filter((file) => file.format === 'csv')
        .reduce((total, file) => total + file.bytes, 0);
      const hashedBytes = hashed.mock.calls.reduce((total, [bytes]) => total + bytes.byteLength, 0);
      expect(hashedBytes).toBe(csvBytes);
      // And the text and boolean columns' statistics of each: none was taken from the rows again.
      const stats = await Promise.all(statsFinished.mock.results.map((result) => result.value));
      expect(stats.length).toBe(bodies.length);
      for (const columns of stats)
        expect(columns).toEqual(
          expect.arrayContaining([expect.objectContaining({ count: expect.any(Number) })]),
        );
      finished.mockClear();

      await publish(lateSwap, { parquetRowGroupRows: 3, parquetWorkerRows: 1 });
      expect(await treeDigest(lateSwap.out)).toEqual(await treeDigest(plain.out));
      // Rows out of order at the end: no worker's file was taken.
      expect(finished).not.toHaveBeenCalled();

      await editTrade(plain);
      await editTrade(threaded);
      const later = new Date('2026-03-02T00:00:00Z');
      await publish(plain, { parquetRowGroupRows: 3 }, later);
      await publish(threaded, { parquetRowGroupRows: 3, parquetWorkerRows: 1 }, later);
      expect(await treeDigest(threaded.out)).toEqual(await treeDigest(plain.out));
    } finally {
      finished.mockRestore();
      hashed.mockRestore();
      statsFinished.mockRestore();
    }
  });

  it('leaves nothing running on its scratch files when an unchanged version needs no statistics', async () => {
    // The statistics of a file in key order log its numbers to a scratch file (past 8,192 of them) and bin
    // them when finished. An unchanged version needs none; a finish begun anyway ran on while the scratch
    // folder was removed, and failed with nothing to catch it: an unhandled rejection that ended the
    // process now and then (2 republishes of 30 in one try). Each replay is made slow here, so that a
    // replay begun without being waited for always outlives the folder.
    const dir = await mkdtemp(path.join(tmpdir(), 'unchanged-stats-'));
    const replays: Promise<void>[] = [];
    const replay = NumberLog.prototype.replay;
    const slow = vi.spyOn(NumberLog.prototype, 'replay').mockImplementation(function (this: NumberLog, each) {
      const replaying = new Promise((resolve) => setTimeout(resolve, 200)).then(() =>
        replay.call(this, each),
      );
      replays.push(replaying);
      return replaying;
    });
    try {
      // More rows than a log holds in memory, so that each number column's log has a file.
      const { data, schemas } = await writeSyntheticTrade(dir, 20_000);
      const run = () =>
        publishDatasets({
          source: sourceOf({ data, schemas }),
          store: new LocalDirectoryStore(path.join(dir, 'out')),
          now: NOW,
        });
      expect((await run()).outcomes).toMatchObject([{ id: 'trade', status: 'published' }]);
      replays.length = 0;
      expect((await run()).outcomes).toMatchObject([{ id: 'trade', status: 'unchanged' }]);
      const settled = await Promise.allSettled(replays);
      expect(settled.filter((result) => result.status === 'rejected')).toEqual([]);
    } finally {
      slow.mockRestore();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops every worker when a file read in batches turns out of key order at its end (it is read twice)', async () => {
    // Thousands of rows, so that many batches reach the first read's worker before the last row is found
    // out of place; the second read has a worker of its own. One left running kept the CLI from exiting.
    const dir = await mkdtemp(path.join(tmpdir(), 'late-swap-'));
    try {
      const { data, schemas } = await writeSyntheticTrade(dir, 5000);
      const csv = path.join(data, 'trade.csv');
      const lines = (await readFile(csv, 'utf8')).split('\n');
      lines[lines.length - 2] = (lines[lines.length - 2] ?? '').replace(/^row-\d+/, 'row-00000005');
      await writeFile(csv, lines.join('\n'));
      const spilled = vi.spyOn(ParquetBesideValidation.prototype, 'spilled');
      const finished = vi.spyOn(ParquetBesideValidation.prototype, 'finish');
      try {
        const result = await publishDatasets({
          source: sourceOf({ data, schemas }),
          store: new LocalDirectoryStore(path.join(dir, 'out')),
          now: NOW,
          tuning: { parquetWorkerRows: 1 },
        });
        expect(result.outcomes).toMatchObject([{ id: 'trade', status: 'published' }]);
        const started = new Set(spilled.mock.contexts as ParquetBesideValidation[]);
        expect(started.size).toBe(2);
        for (const worker of started) expect(worker.running).toBe(false);
        expect(finished).not.toHaveBeenCalled();
      } finally {
        spilled.mockRestore();
        finished.mockRestore();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes Parquet in many row groups that read back as the same rows', async () => {
    const ws = await makeWorkspace();
    const grouped = await makeWorkspace();
    await publish(ws);
    await publish(grouped, { parquetRowGroupRows: 3 });

    for (const id of ['trade', 'visits', 'milestones']) {
      const file = (root: string) => path.join(root, 'datasets', id, '1.0.0', `${id}.parquet`);
      const single = await parquetRows(file(ws.out));
      const many = await parquetRows(file(grouped.out));

      expect(single.rowGroups, id).toBe(1);
      const first = FIRST_ROW_GROUP_FACTOR * 3;
      expect(many.rowGroups, id).toBe(1 + Math.ceil(Math.max(0, single.rows.length - first) / 3));
      expect(many.rows, id).toEqual(single.rows);
    }
  });

  it('leaves no file open in its scratch space when a large file turns out of key order at its end', async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'open-files-'));
    try {
      // 10,000 rows in key order but for the last two: enough number values for the statistics taken
      // during validation to go to files, which the statistics from the sorted rows then replace.
      const { data, schemas } = await writeSyntheticTrade(work, 10_000);
      const file = path.join(data, 'trade.csv');
      const lines = (await readFile(file, 'utf8')).split('\n');
      [lines[9_999], lines[10_000]] = [lines[10_000] ?? '', lines[9_999] ?? ''];
      await writeFile(file, lines.join('\n'));
      const scratchParent = path.join(work, 'scratch');
      await mkdir(scratchParent);
      const result = await publishDatasets({
        source: sourceOf({ data, schemas }),
        store: new LocalDirectoryStore(path.join(work, 'out')),
        now: NOW,
        scratchParent,
      });
      expect(result.outcomes.map((outcome) => outcome.status)).toEqual(['published']);
      // Every descriptor this process holds, by what it points at (Linux): none into the scratch space,
      // whose files are gone, and whose blocks an open one would keep.
      const open = await Promise.all(
        (await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')),
      );
      expect(open.filter((target) => target.startsWith(scratchParent))).toEqual([]);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
