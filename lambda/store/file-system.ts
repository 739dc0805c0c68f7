import { statSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** The `code` of a Node system error (`ENOENT`, `EEXIST`, …), if it has one. */
export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/**
 * Creates `dir` and any missing parents, as `fs.mkdir(dir, { recursive: true })` does, but tries each
 * folder at most twice. Node's recursive mkdir retries for ever when a parent exists yet refuses new
 * entries with ENOENT (`/proc/x` under Linux: a publish to `--out /proc/x` never returned); here the
 * second ENOENT is the answer. An existing directory (or a link to one) is fine; anything else that
 * exists is refused with mkdir's own EEXIST.
 */
export async function makeDirectory(dir: string): Promise<void> {
  const absolute = path.resolve(dir);
  try {
    await fs.mkdir(absolute);
    return;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return assertDirectory(absolute, error);
    const parent = path.dirname(absolute);
    if (errorCode(error) !== 'ENOENT' || parent === absolute) throw error;
    await makeDirectory(parent);
  }
  try {
    await fs.mkdir(absolute);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return assertDirectory(absolute, error);
    throw error;
  }
}

async function assertDirectory(dir: string, exists: unknown): Promise<void> {
  const stats = await fs.stat(dir).catch(() => undefined);
  if (stats?.isDirectory() !== true) throw exists;
}

/**
 * What stands at `file`, links followed: a folder, a file, something else (a named pipe, a device), or
 * nothing that can be looked at (not there, a link to nothing, no permission). For checking a path given on
 * the command line before a command reads or writes there.
 */
export function pathKind(file: string): 'folder' | 'file' | 'other' | 'missing' {
  let stats;
  try {
    stats = statSync(file);
  } catch {
    return 'missing';
  }
  return stats.isDirectory() ? 'folder' : stats.isFile() ? 'file' : 'other';
}
