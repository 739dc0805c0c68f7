import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticTrade } from '../support/synthetic-trade.js';
import { REPO_ROOT } from '../support/workspace.js';

// The CLI as a person runs it, stopped half-way through a publish by Ctrl-C or a service manager.
describe('a publish stopped by a signal', () => {
  let dir: string;
  let data: { data: string; schemas: string };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'interrupt-'));
    // Enough rows that the publish is still at work when the signal comes; made up, so the run checks no
    // quotes against the paper (a sources folder that does not exist).
    data = await writeSyntheticTrade(path.join(dir, 'source'), 150_000);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('removes its scratch files on %s and exits with %i', async (signal, code) => {
    const scratch = await mkdtemp(path.join(dir, 'tmp-'));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'bin/opendata.ts',
        'publish',
        '--data',
        data.data,
        '--schemas',
        data.schemas,
        '--out',
        path.join(dir, `out-${signal}`),
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, TMPDIR: scratch, OPEN_DATA_SOURCES_DIR: path.join(dir, 'no-sources') },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    // Stopped once its scratch folder holds files, that is while it validates and spills the rows.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const folders = (await readdir(scratch)).filter((name) => name.startsWith('opendata-scratch-'));
      const files = folders.length === 0 ? [] : await readdir(path.join(scratch, folders[0] ?? ''));
      if (files.length > 0) break;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no scratch files: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill(signal);

    const [exitCode, exitSignal] = await exited;

    expect({ exitCode, exitSignal }, stderr).toEqual({ exitCode: code, exitSignal: null });
    // (tsx keeps its compile cache in the same TMPDIR: not the run's.)
    expect((await readdir(scratch)).filter((name) => name !== 'tsx-0')).toEqual([]);
  });
});
