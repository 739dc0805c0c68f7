import { execFile, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../bin/opendata.js';
import { describeProgress, TerminalProgress, type ProgressStream } from '../../bin/progress.js';
import { writeSyntheticTrade } from '../support/synthetic-trade.js';
import { makeWorkspace, REPO_ROOT } from '../support/workspace.js';

const run = promisify(execFile);
const CLEAR_LINE = '\r\u001b[2K';

/** A stand-in for standard error: a terminal (or not) that records what is written to it. */
class FakeStream implements ProgressStream {
  readonly writes: string[] = [];
  constructor(
    readonly isTTY: boolean,
    readonly columns = 200,
  ) {}
  write(text: string): boolean {
    this.writes.push(text);
    return true;
  }
  /** The lines drawn, each as it showed after its clear. */
  get drawn(): string[] {
    return this.writes.filter((text) => text !== CLEAR_LINE).map((text) => text.replace(CLEAR_LINE, ''));
  }
}

/** This process's environment as a terminal session's: no CI variable, redrawn on every event. */
function terminalEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, OPEN_DATA_PROGRESS_MS: '0' };
  delete env.CI;
  return { ...env, ...extra };
}

async function runWith(args: string[], env: Record<string, string | undefined>, progress?: ProgressStream) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    args,
    { out: (line) => out.push(line), err: (line) => err.push(line) },
    { env, ...(progress === undefined ? {} : { progress }) },
  );
  return { code, out, err };
}

describe('progress line on a terminal', () => {
  it('shows each phase of publish with row counts, and is erased before the report', async () => {
    const ws = await makeWorkspace();
    const stream = new FakeStream(true);

    const { code, out } = await runWith(
      ['publish', 'trade', '--data', ws.data, '--schemas', ws.schemas, '--out', ws.out],
      terminalEnv(),
      stream,
    );

    expect(code).toBe(0);
    const drawn = stream.drawn;
    expect(drawn).toContain('trade (1/1): validating, 0 rows');
    expect(drawn.some((line) => /^trade \(1\/1\): validating, 16 rows/.test(line))).toBe(true);
    expect(drawn.some((line) => /^trade \(1\/1\): sorting, 16 rows/.test(line))).toBe(true);
    expect(drawn).toContain('trade (1/1): writing files, 16 rows');
    expect(drawn.at(-1)).toBe('site: writing latest/, pages, feed and catalog');
    // Every drawing starts by clearing the line, and the last write clears it for the report.
    expect(stream.writes.every((text) => text.startsWith(CLEAR_LINE))).toBe(true);
    expect(stream.writes.at(-1)).toBe(CLEAR_LINE);
    expect(out[0]).toMatch(/^trade {2}published 1\.0\.0 \(initial, 16 rows\)$/);
  });

  it('is erased when the run fails, before the error is printed', async () => {
    const ws = await makeWorkspace();
    await mkdir(ws.out, { recursive: true });
    await writeFile(path.join(ws.out, 'catalog.json'), 'not a catalog');
    const stream = new FakeStream(true);
    let writesBeforeError = -1;
    const errors: string[] = [];

    const code = await runCli(
      ['publish', 'trade', '--data', ws.data, '--schemas', ws.schemas, '--out', ws.out],
      {
        out: () => undefined,
        err: (line) => {
          if (writesBeforeError < 0) writesBeforeError = stream.writes.length;
          errors.push(line);
        },
      },
      { env: terminalEnv(), progress: stream },
    );

    expect(code).toBe(1);
    expect(errors[0]).toMatch(/catalog\.json/);
    expect(stream.drawn.some((line) => line.startsWith('trade (1/1): validating'))).toBe(true);
    expect(stream.writes.at(-1)).toBe(CLEAR_LINE);
    expect(writesBeforeError).toBe(stream.writes.length);
  });

  it('cuts the line to the terminal width, so that it never wraps', async () => {
    const ws = await makeWorkspace();
    const stream = new FakeStream(true, 20);
    await runWith(['validate', 'trade', '--data', ws.data, '--schemas', ws.schemas], terminalEnv(), stream);
    expect(stream.drawn.length).toBeGreaterThan(0);
    for (const line of stream.drawn) expect(line.length).toBeLessThan(20);
  });

  it.each([
    ['not a terminal', new FakeStream(false), {}],
    ['CI=true', new FakeStream(true), { CI: 'true' }],
    ['TERM=dumb', new FakeStream(true), { TERM: 'dumb' }],
  ])('writes nothing when %s, and prints exactly what a run without it prints', async (_, stream, extra) => {
    const ws = await makeWorkspace();
    const args = ['validate', 'trade', '--data', ws.data, '--schemas', ws.schemas];

    const plain = await runWith(args, terminalEnv(extra));
    const withStream = await runWith(args, terminalEnv(extra), stream);

    expect(stream.writes).toEqual([]);
    expect(withStream).toEqual(plain);
    expect(plain.out[0]).toBe('trade: valid (16 rows)');
  });
});

describe('TerminalProgress', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('redraws at most once per interval, and draws the latest event once the interval is over', () => {
    vi.useFakeTimers();
    const stream = new FakeStream(true);
    const progress = new TerminalProgress(stream, { intervalMs: 250, now: () => Date.now() });
    const start = Date.now();

    // 1,000 events over one second: the line may change at most every 250 ms.
    for (let i = 1; i <= 1000; i++) {
      progress.listener({ phase: 'validating', dataset: 'big', rows: i * 10 });
      vi.advanceTimersByTime(1);
    }
    const draws = stream.writes.length;
    expect(draws).toBeGreaterThanOrEqual(4);
    expect(draws).toBeLessThanOrEqual(5);
    expect(Date.now() - start).toBe(1000);

    // The last event came between redraws: it is drawn when the interval ends.
    vi.advanceTimersByTime(250);
    expect(stream.drawn.at(-1)).toBe('big: validating, 10,000 rows, 10,000 rows/s');

    progress.finish();
    expect(stream.writes.at(-1)).toBe(CLEAR_LINE);
    progress.listener({ phase: 'site', rows: 0 });
    vi.advanceTimersByTime(1000);
    expect(stream.writes.at(-1)).toBe(CLEAR_LINE);
  });

  it('writes nothing at the end when it never drew', () => {
    const stream = new FakeStream(true);
    new TerminalProgress(stream).finish();
    expect(stream.writes).toEqual([]);
  });

  it('names the phase, the dataset and its place in the run, rows and the rate of the phase so far', () => {
    const position = { index: 2, count: 6 };
    expect(describeProgress({ phase: 'validating', dataset: 'trade', position, rows: 12_000 }, 2000)).toBe(
      'trade (2/6): validating, 12,000 rows, 6,000 rows/s',
    );
    expect(describeProgress({ phase: 'writing files', dataset: 'trade', rows: 1 }, 5000)).toBe(
      'trade: writing files, 1 row',
    );
    // A dataset id is input: a control character in it is shown escaped, never acted on.
    expect(describeProgress({ phase: 'sorting', dataset: 'a\u001bb', rows: 0 }, 0)).toBe(
      'a\\u001bb: sorting, 0 rows',
    );
  });
});

const SCRIPT = spawnSync('script', ['--version'], { encoding: 'utf8' });
const HAS_SCRIPT = SCRIPT.status === 0 && /util-linux/.test(SCRIPT.stdout);
const ROWS = 20_000;
const work = await mkdtemp(path.join(tmpdir(), 'opendata-progress-'));
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Runs the CLI under a pseudo-terminal (util-linux `script`) and returns everything the terminal got. */
async function underTerminal(args: string[], env: Record<string, string | undefined>): Promise<string> {
  const command = ['node', '--import', 'tsx', 'bin/opendata.ts', ...args]
    .map((word) => `'${word.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  const { stdout } = await run('script', ['-qfec', command, '/dev/null'], {
    cwd: REPO_ROOT,
    env,
    maxBuffer: 16 << 20,
  });
  return stdout;
}

describe('the real CLI under a pseudo-terminal', () => {
  it(`shows rising row counts while validating ${ROWS.toLocaleString('en')} rows, then the usual report`, async (context) => {
    if (!HAS_SCRIPT)
      return context.skip('util-linux `script` is not installed: no pseudo-terminal to run the CLI in');
    const { data, schemas } = await writeSyntheticTrade(work, ROWS);

    const terminal = await underTerminal(
      ['validate', '--data', data, '--schemas', schemas],
      terminalEnv({ OPEN_DATA_SOURCES_DIR: path.join(work, 'no-source-texts') }),
    );

    const counts = terminal
      .split(CLEAR_LINE)
      .map((drawn) => /^trade \(1\/1\): validating, ([\d,]+) rows/.exec(drawn)?.[1])
      .filter((count) => count !== undefined)
      .map((count) => Number(count.replace(/,/g, '')));
    expect(counts.length).toBeGreaterThanOrEqual(3);
    expect(counts.at(-1)).toBe(ROWS);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThan(counts[i - 1] ?? Infinity);
    // The line is erased, and the report starts at the first column of a clean line.
    expect(terminal).toContain(`${CLEAR_LINE}trade: valid (${ROWS} rows)\r\n`);
  });
});
