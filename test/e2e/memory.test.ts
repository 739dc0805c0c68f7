import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyPublishedTree } from '../../lambda/core/verify.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { writeSyntheticTrade } from '../support/synthetic-trade.js';
import { REPO_ROOT } from '../support/workspace.js';

const run = promisify(execFile);
const ROWS = 50_000;
/**
 * The child's JavaScript heap limit. Holding this file's rows as typed objects, with each published file
 * rendered in memory, does not fit in it: the publishing code before streaming ran out of heap here.
 */
const HEAP_MB = 64;
/** How the CLI and the Lambda functions start node: V8's flags and the cap on glibc's malloc arenas. */
const WRAPPER = path.join(REPO_ROOT, 'lambda/handlers/heap-wrapper.sh');
/** glibc's malloc arenas, as lambda/handlers/heap-wrapper.sh caps them for the CLI and the functions. */
const MALLOC_ARENAS = /MALLOC_ARENA_MAX:=(\d+)/.exec(readFileSync(WRAPPER, 'utf8'))?.[1] ?? '';
/** A generous bound on the whole process (Node itself, the TypeScript loader, buffers, the heap). */
const MAX_RSS_MB = 320;

const work = await mkdtemp(path.join(tmpdir(), 'opendata-memory-'));
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('memory while publishing a large generated file', () => {
  it(`publishes ${ROWS.toLocaleString('en')} rows (5 MB of CSV) with a ${HEAP_MB} MB heap, all files correct`, async () => {
    expect(MALLOC_ARENAS).toMatch(/^\d+$/);
    const { data, schemas } = await writeSyntheticTrade(work, ROWS);
    const out = path.join(work, 'public');

    // The bench's workload, in a child process so that its peak memory is its own, started through
    // heap-wrapper.sh with V8's flags as the CLI and the functions start node (README, Memory): under Node's
    // defaults, each thread's young generation is sized for the machine, and two CI runs, with other test
    // files beside them, peaked at 324 and 332 MiB where runs alone peak at 196-223 MiB; as the product
    // runs, 121-127 MiB, beside other tests too.
    const { stdout } = await run(
      'sh',
      [
        WRAPPER,
        process.execPath,
        `--max-old-space-size=${HEAP_MB}`,
        '--import',
        'tsx',
        'bench/workload.ts',
        'publish',
        data,
        schemas,
        out,
      ],
      // glibc's malloc arenas capped as the CLI and the functions cap them (heap-wrapper.sh): without the cap,
      // memory freed by one of the process's threads is kept in an arena of its own, as much as the
      // threads happened to interleave (one run in CI peaked at 335 MB, where others stay near 210).
      { cwd: REPO_ROOT, maxBuffer: 1 << 20, env: { ...process.env, MALLOC_ARENA_MAX: MALLOC_ARENAS } },
    );
    const measured = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      rows: number;
      maxRssBytes: number;
    };

    expect(measured.rows).toBe(ROWS);
    expect(measured.maxRssBytes / 1024 / 1024).toBeLessThan(MAX_RSS_MB);
    const verified = await verifyPublishedTree(new LocalDirectoryStore(out));
    expect(verified.problems).toEqual([]);
    expect(verified.checked).toBeGreaterThanOrEqual(6);
  });
});
