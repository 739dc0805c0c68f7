import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Folders made here and not removed yet; test/support/remove-temp-dirs.ts empties it after each test file. */
const made = new Set<string>();

/**
 * A new empty folder `<OS temp directory>/<prefix>XXXXXX`, removed with everything in it when the test
 * file that made it ends (whether its tests passed or failed), or earlier by {@link removeTempDir}.
 */
export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** {@link makeTempDir} for synchronous code (a CDK app's `outdir`). */
export function makeTempDirSync(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes a folder of {@link makeTempDir} now, for a test that is done with a large one. */
export async function removeTempDir(dir: string): Promise<void> {
  made.delete(dir);
  await rm(dir, { recursive: true, force: true });
}

/** Removes every folder made here and not removed yet. */
export async function removeTempDirs(): Promise<void> {
  const dirs = [...made];
  made.clear();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}
