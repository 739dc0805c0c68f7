import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { objectMetaFor } from '../../lambda/core/content-policy.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { makeTempDir } from '../support/temp-dir.js';
import { REPO_ROOT } from '../support/workspace.js';

// A publish killed while it writes a version's file leaves the store's temporary file beside the published
// ones (the helper's: 168 MB next to a version's CSV). It stayed there for good, and every copy of the tree
// shipped it; the next run that writes into that folder now removes it, and only it.

const KEY = 'datasets/trade/1.0.0/trade.csv';

/**
 * A process that starts writing `KEY` into the store at `root` and never finishes: its temporary file is in
 * the folder for as long as it runs. Resolves once the file is there.
 */
async function writerInProgress(root: string): Promise<{ child: ChildProcess; temporary: string }> {
  const program = `
    import { LocalDirectoryStore } from './lambda/store/local-directory.ts';
    setInterval(() => {}, 1000); // alive until killed
    const store = new LocalDirectoryStore(${JSON.stringify(root)});
    const body = {
      bytes: 10,
      sha256: '0'.repeat(64),
      async *open() { yield new Uint8Array(5); await new Promise(() => {}); },
    };
    await store.putIfAbsent(${JSON.stringify(KEY)}, body, { contentType: 'text/csv' });
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
  });
  const folder = path.join(root, path.dirname(KEY));
  const earlier = new Set(await readdir(folder).catch(() => []));
  for (let waited = 0; waited < 20_000; waited += 50) {
    const names = await readdir(folder).catch(() => []);
    const temporary = names.find((name) => name.startsWith('.trade.csv.tmp-') && !earlier.has(name));
    if (temporary !== undefined) return { child, temporary };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error('the writer made no temporary file');
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

describe('temporary files of writers that died', () => {
  it('are removed by the next write into their folder; a live writer’s and other files are kept', async () => {
    const root = await makeTempDir('opendata-dead-writer-');
    const folder = path.join(root, path.dirname(KEY));
    // A writer still at work, then one killed while it writes (each looks at the folder as it starts).
    const { child: live, temporary: beingWritten } = await writerInProgress(root);
    children.push(live);
    const { child: dead, temporary: orphan } = await writerInProgress(root);
    const died = new Promise((resolve) => dead.once('close', resolve));
    dead.kill('SIGKILL');
    await died;
    // Named as writers named their files before they put themselves in the name: judged by age.
    const oldUnnamed = '.trade.json.tmp-0123456789abcdef';
    const newUnnamed = '.trade.json.tmp-fedcba9876543210';
    await writeFile(path.join(folder, oldUnnamed), 'left two days ago');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    await utimes(path.join(folder, oldUnnamed), twoDaysAgo, twoDaysAgo);
    await writeFile(path.join(folder, newUnnamed), 'being written');
    await writeFile(path.join(folder, 'notes.tmp-0123456789abcdef'), 'a file of the user, no dot-file');
    const before = await readdir(folder);

    const store = new LocalDirectoryStore(root);
    await store.putIfAbsent(
      'datasets/trade/1.0.0/datapackage.json',
      new TextEncoder().encode('{}'),
      objectMetaFor('datasets/trade/1.0.0/datapackage.json'),
    );

    const after = await readdir(folder);
    expect(before).toContain(orphan);
    expect(after).not.toContain(orphan);
    expect(after).not.toContain(oldUnnamed);
    expect(after).toContain(newUnnamed);
    expect(after).toContain('notes.tmp-0123456789abcdef');
    expect(after).toContain('datapackage.json');
    expect(after).toContain(beingWritten);
  }, 60_000);
});
