import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ContentDigest } from '../core/object-store.js';
import { relativeKeyProblem } from '../core/relative-key.js';
import { makeDirectory } from './file-system.js';
import { isJsonObject } from '../core/json-limits.js';

/**
 * What a directory store found a file of its tree to hold, and the file's identity then (device, inode,
 * size, modification and change times: see `identityOf` in local-directory.ts). The same identity later
 * means the same bytes: any write, `touch`, `chmod`, link, rename or replacement of the file moves its
 * change time, which no process of the file's owner can set back.
 */
export interface CheckedFile {
  readonly identity: string;
  readonly content: ContentDigest;
}

/** What a record file says it is, so that a file of anything else is never taken for one. */
const RECORD_FORMAT = 'kz-az-open-data checked files 1';

/**
 * Records kept in one folder: saving one removes the longest unchanged beyond this many, so that the
 * records of trees published once (a test's, a trial's) do not pile up in a user's cache.
 */
const RECORDS_KEPT = 64;

/** A record larger than this is not read (a tree of many thousands of files holds less than a tenth). */
const LONGEST_RECORD_BYTES = 64 << 20;

/**
 * The record of the files of the tree at `root` (its real path) kept in `file` by an earlier run, by key:
 * empty where there is none, where it is of another tree or unreadable, and without any entry that is not
 * of a plain key with an identity, a size and a SHA-256. A record is only ever a shortcut: what it lacks
 * is read again.
 */
export async function readCheckedFiles(file: string, root: string): Promise<Map<string, CheckedFile>> {
  const found = new Map<string, CheckedFile>();
  let parsed: unknown;
  try {
    const handle = await fs.open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size > LONGEST_RECORD_BYTES) return found;
      parsed = JSON.parse(await handle.readFile('utf8'));
    } finally {
      await handle.close();
    }
  } catch {
    return found;
  }
  if (
    !isJsonObject(parsed) ||
    parsed.format !== RECORD_FORMAT ||
    parsed.root !== root ||
    !isJsonObject(parsed.files)
  )
    return found;
  for (const [key, entry] of Object.entries(parsed.files)) {
    if (relativeKeyProblem(key) !== undefined || !isJsonObject(entry)) continue;
    const { identity, bytes, sha256 } = entry;
    if (
      typeof identity === 'string' &&
      /^\d+:\d+:\d+:\d+:\d+$/.test(identity) &&
      Number.isSafeInteger(bytes) &&
      (bytes as number) >= 0 &&
      typeof sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(sha256)
    )
      found.set(key, { identity, content: { bytes: bytes as number, sha256 } });
  }
  return found;
}

/**
 * Writes the record of the tree at `root` (its real path) to `file`, whole and at once: a new file
 * renamed over the old, so that a reader (another run) finds one record or the other, never half of one.
 * Two runs saving at once leave one run's record, which is as good as the other's.
 */
export async function writeCheckedFiles(
  file: string,
  root: string,
  files: ReadonlyMap<string, CheckedFile>,
): Promise<void> {
  const record = {
    format: RECORD_FORMAT,
    root,
    files: Object.fromEntries(
      [...files].map(([key, { identity, content }]) => [
        key,
        { identity, bytes: content.bytes, sha256: content.sha256 },
      ]),
    ),
  };
  await makeDirectory(path.dirname(file));
  const temp = `${file}.tmp-${randomBytes(8).toString('hex')}`;
  try {
    await fs.writeFile(temp, `${JSON.stringify(record)}\n`, { flag: 'wx', mode: 0o600 });
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await removeOldRecords(path.dirname(file)).catch(() => undefined);
}

/** Removes the records of `folder` beyond the {@link RECORDS_KEPT} most recently saved. */
async function removeOldRecords(folder: string): Promise<void> {
  const names = (await fs.readdir(folder)).filter((name) => name.endsWith('.json'));
  if (names.length <= RECORDS_KEPT) return;
  const saved = await Promise.all(
    names.map(async (name) => {
      const file = path.join(folder, name);
      return { file, mtime: (await fs.stat(file).catch(() => undefined))?.mtimeMs ?? 0 };
    }),
  );
  saved.sort((a, b) => b.mtime - a.mtime);
  for (const { file } of saved.slice(RECORDS_KEPT)) await fs.rm(file, { force: true });
}
