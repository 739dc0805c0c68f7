import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ScratchDirectory } from '../../lambda/core/scratch.js';
import { makeTempDir } from '../support/temp-dir.js';
import { makeWorkspace, publishWorkspace } from '../support/workspace.js';

const SCRATCH_MODULE = fileURLToPath(new URL('../../lambda/core/scratch.ts', import.meta.url));

/** A node process that makes a scratch folder under `parent`, writes a file into it and waits, as a run does. */
async function runWithScratch(parent: string): Promise<{ folder: string; kill: () => Promise<void> }> {
  const script = [
    `import { ScratchDirectory } from ${JSON.stringify(SCRATCH_MODULE)};`,
    'const scratch = await ScratchDirectory.create(process.argv[1]);',
    "const file = await scratch.createFile('trade.csv');",
    "await file.write('id,year\\n');",
    'process.stdout.write(scratch.path + "\\n");',
    'setInterval(() => {}, 1000);',
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, parent], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const folder = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) =>
      reject(new Error(`the child ended (${code}) before making its scratch folder`)),
    );
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    folder,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('scratch folders of a run killed outright', () => {
  it('are removed by a later run on the machine; those of running processes, other hosts or no owner stay', async () => {
    const parent = await makeTempDir('opendata-scratch-parent-');
    const killed = await runWithScratch(parent);
    const running = await runWithScratch(parent);
    try {
      await killed.kill();
      // A dead process's folder on another host (a container sharing the folder), and folders named otherwise.
      const deadPid = /-(\d+)@/.exec(path.basename(killed.folder))?.[1] ?? '';
      const others = [
        `opendata-scratch-${deadPid}@not-${hostname().replace(/[^A-Za-z0-9.-]/g, '_')}-AbC123`,
        'opendata-scratch-Xy12Zw',
        `opendata-scratch-${deadPid}@${hostname().replace(/[^A-Za-z0-9.-]/g, '_')}-short`,
        'unrelated-folder',
      ];
      for (const name of others) await mkdir(path.join(parent, name));

      const removed = await ScratchDirectory.removeAbandoned(parent);

      expect(removed).toEqual([killed.folder]);
      expect(existsSync(killed.folder)).toBe(false);
      expect(existsSync(running.folder)).toBe(true);
      expect((await readdir(parent)).sort()).toEqual([path.basename(running.folder), ...others].sort());
    } finally {
      await running.kill();
    }
  });

  it('are left where this process may not remove them, and the others are still removed', async (context) => {
    const parent = await makeTempDir('opendata-scratch-parent-');
    const stuck = await runWithScratch(parent);
    const removable = await runWithScratch(parent);
    await stuck.kill();
    await removable.kill();
    // An immutable file stops even root from removing its folder, as another user's does in a shared /tmp.
    const pinned = path.join(stuck.folder, 'pinned');
    await writeFile(pinned, 'x');
    try {
      execFileSync('chattr', ['+i', pinned], { stdio: 'ignore' });
    } catch {
      context.skip('chattr +i is not available here (no e2fsprogs, or a file system without the attribute)');
    }
    try {
      const removed = await ScratchDirectory.removeAbandoned(parent);

      expect(removed).toEqual([removable.folder]);
      expect(existsSync(stuck.folder)).toBe(true);
    } finally {
      execFileSync('chattr', ['-i', pinned]);
    }
  });

  it('are removed by `opendata publish`, which says which', async () => {
    const ws = await makeWorkspace();
    const temp = await makeTempDir('opendata-tmpdir-');
    const killed = await runWithScratch(temp);
    await killed.kill();
    await writeFile(path.join(killed.folder, 'left.txt'), 'x');
    const before = process.env.TMPDIR;
    process.env.TMPDIR = temp;
    try {
      const run = await publishWorkspace(ws, 'trade');

      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(
        `opendata: removed the scratch folder of an earlier run stopped before it could clean up: ${killed.folder}`,
      );
      expect(await readdir(temp)).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
    }
  });
});
