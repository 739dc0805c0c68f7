import fs, { existsSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScratchDirectory } from '../../lambda/core/scratch.js';

// The removal a CLI stopped by a signal makes before it exits: synchronous, while files of the run may still
// be appearing (an open begun on another thread before the signal completes during the removal).
describe('removing the live scratch folders at once', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    syncBuiltinESMExports();
  });

  it('removes a folder in which a file appears during the removal, and throws nothing', async () => {
    const scratch = await ScratchDirectory.create();
    await (await scratch.createFile('run.jsonl')).end();
    const real = fs.rmSync;
    let calls = 0;
    // The first removal meets a file created under it meanwhile: it fails as Node's does then.
    vi.spyOn(fs, 'rmSync').mockImplementation((target, options) => {
      if (String(target) !== scratch.path) return real(target, options);
      calls++;
      if (calls === 1) {
        writeFileSync(path.join(String(target), 'stats-values-0.f64'), '');
        throw Object.assign(new Error(`ENOTEMPTY: directory not empty, rmdir '${String(target)}'`), {
          code: 'ENOTEMPTY',
        });
      }
      real(target, options);
    });
    syncBuiltinESMExports();
    expect(ScratchDirectory.removeLiveSync()).toEqual([]);
    expect(existsSync(scratch.path)).toBe(false);
    expect(calls).toBe(2);
  });

  it('gives the folders it could not remove, with why, instead of throwing', async () => {
    const scratch = await ScratchDirectory.create();
    const real = fs.rmSync;
    vi.spyOn(fs, 'rmSync').mockImplementation((target, options) => {
      if (String(target) !== scratch.path) return real(target, options);
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    });
    syncBuiltinESMExports();
    expect(ScratchDirectory.removeLiveSync()).toEqual([
      { path: scratch.path, reason: 'EACCES: permission denied' },
    ]);
    vi.restoreAllMocks();
    syncBuiltinESMExports();
    // Left for the next run, which removes a folder whose process has ended; here, by hand.
    fs.rmSync(scratch.path, { recursive: true, force: true });
  });
});
