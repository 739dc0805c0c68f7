import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import {
  ColumnRanges,
  columnStats,
  SpaceSaving,
  STATS_LIMITS,
  StreamedColumnStats,
  UnorderedColumnStats,
  type ColumnStats,
  type StatsDocument,
} from '../../lambda/core/column-stats.js';
import { commonCountText, knownCommonValues } from '../../lambda/core/site/html-dataset.js';
import { NumberLog } from '../../lambda/core/number-log.js';
import { inMemory } from '../../lambda/core/row-source.js';
import { ScratchDirectory } from '../../lambda/core/scratch.js';
import type { Column, Row } from '../../lambda/core/row-schema.js';
import { makeWorkspace, publishWorkspace, readJson, REPO_ROOT } from '../support/workspace.js';

const run = promisify(execFile);

const column = (name: string, type: Column['type']): Column => ({ name, type, required: false, schema: {} });

/** Rows made on demand, a batch at a time, as the publisher's scratch files give them. */
function generated(count: number, make: (i: number) => Row): { open(): AsyncIterable<readonly Row[]> } {
  return {
    async *open() {
      for (let start = 0; start < count; start += 1000)
        yield Array.from({ length: Math.min(1000, count - start) }, (_, i) => make(start + i));
    },
  };
}

describe('column statistics', () => {
  it('count distinct numbers as their published text does (-0 and 0 as one), bin every one, and agree in one pass or two', async () => {
    const numbers = fc.oneof(
      fc.integer({ min: -3, max: 3 }),
      fc.constantFrom(-0, 0.1, 1e21, 2 ** 53),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(numbers, { nil: undefined }), { maxLength: 60 }),
        async (values) => {
          const columns = [column('n', 'number'), column('day', 'date')];
          const rows: Row[] = values.map((n, i) => ({
            ...(n === undefined ? {} : { n }),
            day: `2020-02-${String((i % 28) + 1).padStart(2, '0')}`,
          }));
          const ranges = new ColumnRanges(columns);
          ranges.add(rows);

          const twoPasses = await columnStats(columns, inMemory(rows));
          const onePass = await columnStats(columns, inMemory(rows), ranges);

          const present = values.filter((n) => n !== undefined);
          expect(twoPasses.columns[0]?.distinct).toBe(new Set(present.map(String)).size);
          // Every value lands in a bin, up to ±1.8e308, where the range's span overflows.
          const binned = twoPasses.columns[0]?.histogram?.reduce((sum, count) => sum + count, 0) ?? 0;
          expect(binned).toBe(present.length);
          expect(onePass).toEqual(twoPasses);
        },
      ),
      { seed: 41204, numRuns: 200 },
    );
  });

  it('agree, taken as the rows pass by with their number and date values logged to files, with two passes over the rows', async () => {
    const scratch = await ScratchDirectory.create();
    const columns = [
      column('n', 'number'),
      column('day', 'date'),
      column('i', 'integer'),
      column('t', 'string'),
    ];
    const row = fc.record(
      {
        n: fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.constantFrom(-0, 0, 1e308, -1e308),
        ),
        day: fc
          .date({ min: new Date('1900-01-01'), max: new Date('2100-12-31'), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10)),
        i: fc.integer({ min: -5, max: 5 }),
        t: fc.constantFrom('a', 'b', 'c'),
      },
      { requiredKeys: [] },
    );
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(row, { maxLength: 300 }),
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 1, max: 9 }),
          async (rows, batch, buffered) => {
            // A few numbers held in memory at a time, so that most of them go through the log's file.
            const streamed = new StreamedColumnStats(
              columns,
              (n) => new NumberLog(scratch, `stats-values-${n}.f64`, buffered),
            );
            for (let start = 0; start < rows.length; start += batch)
              streamed.add(rows.slice(start, start + batch));
            expect(await streamed.finish()).toEqual(await columnStats(columns, inMemory(rows as Row[])));
          },
        ),
        { seed: 51207, numRuns: 150 },
      );
    } finally {
      await scratch.dispose();
    }
  });

  it('agree when the text and boolean columns are counted elsewhere from the first row, and are none without them', async () => {
    const scratch = await ScratchDirectory.create();
    const columns = [
      column('n', 'number'),
      column('t', 'string'),
      column('b', 'boolean'),
      column('i', 'integer'),
    ];
    const row = fc.record(
      {
        n: fc.double({ noNaN: true, noDefaultInfinity: true }),
        t: fc.oneof(fc.constantFrom('a', 'b', '=c', ''), fc.string({ maxLength: 5 })),
        b: fc.boolean(),
        i: fc.integer({ min: -5, max: 5 }),
      },
      { requiredKeys: [] },
    );
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(row, { maxLength: 300 }),
          fc.integer({ min: 1, max: 40 }),
          fc.nat({ max: 300 }),
          async (rows, batch, handOverAt) => {
            const streamed = new StreamedColumnStats(
              columns,
              (n) => new NumberLog(scratch, `stats-values-${n}.f64`, 4),
            );
            const elsewhere = new UnorderedColumnStats(columns);
            for (let start = 0; start < rows.length; start += batch) {
              // Handed over part way, as the worker starts: what was counted here before is not used.
              if (start >= handOverAt) streamed.handOverUnordered();
              streamed.add(rows.slice(start, start + batch));
              elsewhere.add(rows.slice(start, start + batch));
            }
            streamed.handOverUnordered();
            const whole = await columnStats(columns, inMemory(rows as Row[]));
            expect(await streamed.finish(elsewhere.result())).toEqual(whole);
            // Without the others' statistics, or with one column's missing, there is no document to give.
            expect(await streamed.finish()).toBeUndefined();
            expect(await streamed.finish(elsewhere.result().slice(1))).toBeUndefined();
          },
        ),
        { seed: 61208, numRuns: 100 },
      );
    } finally {
      await scratch.dispose();
    }
  });

  it('bins values whose range spans more than a double holds, from -1.7e308 to 1.7e308', async () => {
    const values = [-1.7e308, -1, 0, 1e300, 1.7e308];
    const stats = await columnStats([column('n', 'number')], inMemory(values.map((n) => ({ n }))));

    const histogram = stats.columns[0]?.histogram ?? [];
    expect(histogram.reduce((sum, count) => sum + count, 0)).toBe(values.length);
    expect(histogram[0]).toBe(1);
    expect(histogram[Math.floor(STATS_LIMITS.bins / 2)]).toBe(3);
    expect(histogram.at(-1)).toBe(1);
  });

  it('counts values, missing, distinct, range, common values and a histogram', async () => {
    const rows = generated(1000, (i) => ({
      ...(i % 10 === 0 ? {} : { n: i }),
      day: `2020-01-${String((i % 28) + 1).padStart(2, '0')}`,
      kind: i % 4 === 0 ? 'a' : i % 4 === 1 ? 'b' : 'c',
    }));
    const stats = await columnStats(
      [column('n', 'integer'), column('day', 'date'), column('kind', 'string')],
      rows,
    );

    const [n, day, kind] = stats.columns;
    expect(stats.rows).toBe(1000);
    expect(n).toMatchObject({ count: 900, missing: 100, distinct: 900, min: 1, max: 999 });
    expect(n?.histogram?.reduce((a, b) => a + b, 0)).toBe(900);
    expect(n?.histogram).toHaveLength(STATS_LIMITS.bins);
    expect(day).toMatchObject({
      count: 1000,
      missing: 0,
      distinct: 28,
      min: '2020-01-01',
      max: '2020-01-28',
    });
    expect(kind?.top).toEqual([
      { value: 'c', count: 500 },
      { value: 'a', count: 250 },
      { value: 'b', count: 250 },
    ]);
    expect(kind?.topExact).toBe(true);
  });

  it('keep the space-saving counters of a column as the algorithm states them, whatever the values and their order', async () => {
    // The model: the counters as a list in the order they were made; a new value, with every counter
    // taken, replaces the first of those with the smallest count and goes last with that count + 1.
    // It also keeps what a counter inherited (`error`), so that a value's true count is known to lie in
    // [count - error, count].
    type Counter = { value: string; count: number; error: number };
    function model(values: readonly string[]): {
      counters: Counter[];
      top: { value: string; count: number; atLeast?: number }[];
      exact: boolean;
    } {
      const counters: Counter[] = [];
      let exact = true;
      for (const value of values) {
        const counter = counters.find((c) => c.value === value);
        if (counter !== undefined) counter.count++;
        else if (counters.length < STATS_LIMITS.counters) counters.push({ value, count: 1, error: 0 });
        else {
          const smallest = Math.min(...counters.map((c) => c.count));
          counters.splice(
            counters.findIndex((c) => c.count === smallest),
            1,
          );
          counters.push({ value, count: smallest + 1, error: smallest });
          exact = false;
        }
      }
      const top = [...counters]
        .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
        .slice(0, STATS_LIMITS.topValues)
        .map(({ value, count, error }) => ({ value, count, ...(exact ? {} : { atLeast: count - error }) }));
      return { counters, top, exact };
    }
    // Alphabets around the number of counters, skewed so that some values recur and others come once.
    const values = fc.integer({ min: 8, max: 3 * STATS_LIMITS.counters }).chain((size) =>
      fc.array(
        fc
          .oneof(
            { weight: 3, arbitrary: fc.integer({ min: 0, max: 6 }) },
            { weight: 2, arbitrary: fc.integer({ min: 0, max: size }) },
          )
          .map((n) => `v${n}`),
        // fast-check keeps arrays short unless told: these must outgrow the counters.
        { maxLength: 1500, size: 'max' },
      ),
    );
    await fc.assert(
      fc.asyncProperty(values, async (texts) => {
        const stats = await columnStats([column('t', 'string')], inMemory(texts.map((t) => ({ t }))));
        const expected = model(texts);
        // Every counter, in order, not only the few published: a wrong one changes later counts. Keys that
        // share their low bits crowd the counters' index, as colliding hashes would.
        const direct = new SpaceSaving();
        for (const text of texts) direct.add(Number(text.slice(1)) * 64, text);
        expect(direct.counters().map(({ shown, count, error }) => ({ value: shown, count, error }))).toEqual(
          expected.counters,
        );
        expect(stats.columns[0]?.top).toEqual(expected.top);
        expect(stats.columns[0]?.topExact).toBe(expected.exact);
        // The published range holds each value's true count.
        for (const top of stats.columns[0]?.top ?? []) {
          const truth = texts.filter((text) => text === top.value).length;
          expect(truth).toBeLessThanOrEqual(top.count);
          expect(truth).toBeGreaterThanOrEqual(top.atLeast ?? top.count);
        }
      }),
      { seed: 51206, numRuns: 300 },
    );
  });

  it('counts distinct texts exactly when values come back after the counters let them go', async () => {
    // Values drawn from up to 300 (past the 64 counters, so that a value is let go and comes back), in
    // runs: a value counted again while a counter holds it is no new distinct value, and one that comes
    // back after its counter went is no new one either.
    const texts = fc
      .tuple(fc.integer({ min: 1, max: 300 }), fc.array(fc.nat(), { maxLength: 2000 }))
      .map(([pool, picks]) => picks.map((pick) => `v${pick % pool}`));
    await fc.assert(
      fc.asyncProperty(texts, async (values) => {
        const stats = await columnStats([column('t', 'string')], inMemory(values.map((t) => ({ t }))));
        expect(stats.columns[0]?.distinct).toBe(new Set(values).size);
      }),
      { seed: 71207, numRuns: 200 },
    );
    // Past the limit, with every value seen twice: the count stops at the limit, as it says.
    const many = Array.from({ length: 2 * (STATS_LIMITS.distinct + 5) }, (_, i) => ({ t: `v${i >> 1}` }));
    const past = await columnStats([column('t', 'string')], inMemory(many));
    expect(past.columns[0]).toMatchObject({ distinctAtLeast: STATS_LIMITS.distinct });
    expect(past.columns[0]?.distinct).toBeUndefined();
  });

  it('bins the number columns before it waits for the statistics counted elsewhere', async () => {
    const columns = [column('n', 'number'), column('t', 'string')];
    const events: string[] = [];
    const log = (): NumberLog => {
      const values: number[] = [];
      return {
        push: (value: number) => values.push(value),
        replay: async (each: (value: number) => void) => {
          events.push('binned');
          for (const value of values) each(value);
        },
      } as unknown as NumberLog;
    };
    const rows: Row[] = [
      { n: 1, t: 'a' },
      { n: 3, t: 'b' },
    ];
    const streamed = new StreamedColumnStats(columns, log);
    streamed.handOverUnordered();
    streamed.add(rows);
    const elsewhere = new UnorderedColumnStats(columns);
    elsewhere.add(rows);
    let answer: (stats: readonly ColumnStats[]) => void = () => undefined;
    const fromWorker = new Promise<readonly ColumnStats[]>((resolve) => (answer = resolve));
    const finished = streamed.finish(fromWorker);
    // The worker has not answered yet, and the numbers are binned all the same.
    await vi.waitFor(() => expect(events).toEqual(['binned']));
    answer(elsewhere.result());
    expect(await finished).toEqual(await columnStats(columns, inMemory(rows)));
  });

  it("fails with the binning's error, and leaves no rejection unhandled, when both the binning and the other thread fail", async () => {
    const broken = {
      push: () => undefined,
      replay: () => Promise.reject(new Error('the log was changed')),
    } as unknown as NumberLog;
    const streamed = new StreamedColumnStats([column('n', 'number'), column('t', 'string')], () => broken);
    streamed.handOverUnordered();
    streamed.add([{ n: 1, t: 'a' }]);
    // A rejection nobody awaits would fail the whole test run as unhandled.
    await expect(streamed.finish(Promise.reject(new Error('the worker failed')))).rejects.toThrow(
      'the log was changed',
    );
  });

  it('stays bounded on a column of all-distinct long values, and says where counts are no longer exact', async () => {
    const script = `
      import { columnStats } from './lambda/core/column-stats.ts';
      const long = 'x'.repeat(1000);
      const rows = { async *open() { for (let s = 0; s < 400000; s += 1000)
        yield Array.from({ length: 1000 }, (_, i) => ({ t: long + (s + i), n: (s + i) % 7 === 0 ? 'seven' : long + (s + i) })); } };
      const stats = await columnStats([{ name: 't', type: 'string', required: true, schema: {} }, { name: 'n', type: 'string', required: true, schema: {} }], rows);
      console.log(JSON.stringify({ stats, heapMB: process.memoryUsage().heapUsed / 1e6 }));`;
    // 400,000 values of a kilobyte each (400 MB of text) through a 96 MB heap: nothing may keep them.
    const { stdout } = await run(
      process.execPath,
      ['--max-old-space-size=96', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: REPO_ROOT,
        maxBuffer: 1 << 22,
        timeout: 120_000,
      },
    );
    const { stats } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { stats: StatsDocument };
    const [t, n] = stats.columns;
    expect(t).toMatchObject({ count: 400_000, distinctAtLeast: STATS_LIMITS.distinct, topExact: false });
    expect(t?.distinct).toBeUndefined();
    expect(t?.top?.[0]?.value.length).toBe(STATS_LIMITS.shownChars);
    // The one frequent value is found among the rest: space-saving never loses an item above n/k.
    expect(n?.top?.[0]).toMatchObject({ value: 'seven' });
    expect(n?.top?.[0]?.count).toBeGreaterThanOrEqual(400_000 / 7);
    expect(n?.top?.[0]?.atLeast).toBeLessThanOrEqual(Math.ceil(400_000 / 7));
    // A page names it, and no value of the column of unique values, whose counts are all inherited.
    expect(knownCommonValues(n as ColumnStats).map((top) => top.value)).toEqual(['seven']);
    expect(t?.top?.every((top) => (top.atLeast ?? 0) <= 1)).toBe(true);
    expect(knownCommonValues(t as ColumnStats)).toEqual([]);
    // Shown as the range the count lies in, or as one number where that range is one number.
    expect(commonCountText({ value: 'x', count: 57_200, atLeast: 57_143 })).toBe('57,143–57,200');
    expect(commonCountText({ value: 'x', count: 7_778, atLeast: 7_778 })).toBe('7,778');
    expect(commonCountText({ value: 'x', count: 9 })).toBe('9');
  }, 150_000);

  it('marks a common value shown cut, so that two values that begin alike are not taken for one value', async () => {
    const start = 'x'.repeat(STATS_LIMITS.shownChars);
    // A value whose cut would fall between the two halves of a character (U+1F600, two UTF-16 units).
    const emoji = `${'y'.repeat(STATS_LIMITS.shownChars - 1)}\u{1F600}tail`;
    const texts = [`${start}-a`, `${start}-a`, `${start}-b`, 'short', emoji];
    const stats = await columnStats([column('t', 'string')], inMemory(texts.map((t) => ({ t }))));
    expect(stats.columns[0]?.top).toEqual([
      { value: start, count: 2, cut: true },
      { value: 'short', count: 1 },
      { value: start, count: 1, cut: true },
      { value: 'y'.repeat(STATS_LIMITS.shownChars - 1), count: 1, cut: true },
    ]);
  });

  it('shows a cut common value on the page with an ellipsis', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws, 'trade')).code).toBe(0);
    const stats = await readJson<StatsDocument>(path.join(ws.out, 'datasets/trade/1.0.0/stats.json'));
    const note = stats.columns.find((entry) => entry.name === 'note');
    const cut = note?.top?.filter((top) => top.value.length === STATS_LIMITS.shownChars) ?? [];
    expect(cut.length).toBeGreaterThan(0);
    expect(cut.every((top) => top.cut === true)).toBe(true);
    const page = await readFile(path.join(ws.out, 'datasets/trade/index.html'), 'utf8');
    expect(page).toContain(`<code>${cut[0]?.value.replaceAll("'", '&#39;')}</code>… (${cut[0]?.count})`);
  });

  it('is published with every version and summarised on the page', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws, 'visits')).code).toBe(0);
    const stats = await readJson<StatsDocument>(path.join(ws.out, 'datasets/visits/1.0.0/stats.json'));
    const visitor = stats.columns.find((entry) => entry.name === 'visitor');
    expect(visitor).toMatchObject({ count: 21, missing: 0, distinct: 3, topExact: true });
    expect(visitor?.top?.[0]).toEqual({ value: 'Ilham Aliyev', count: 9 });
    const page = await readFile(path.join(ws.out, 'datasets/visits/index.html'), 'utf8');
    expect(page).toContain('<th scope="col">Values</th>');
    expect(page).toMatch(/21 values, 0 missing, 3 distinct; most common:\s*<code>Ilham Aliyev<\/code> \(9\)/);
    expect(page).toContain('class="spark"');
  });
});
