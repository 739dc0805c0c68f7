import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import path from 'node:path';

/** The folder of the project's files in a user's cache, under `$XDG_CACHE_HOME` (or `~/.cache`). */
const CACHE_FOLDER = 'kz-az-open-data';

/**
 * Where `opendata publish` keeps the record of what it found the files of the tree at `folder` to hold
 * (see `LocalDirectoryStoreOptions.checkedRecord`), so that a later publish reads again only the files
 * changed since: `checked-files/<hash of the tree's real path>.json` in `OPEN_DATA_CACHE_DIR`, else in
 * `$XDG_CACHE_HOME/kz-az-open-data`, else in `~/.cache/kz-az-open-data`. Outside the tree, so that
 * nothing of it is ever published. `undefined` (no record: every file is read) where none of these is
 * set, or with `OPEN_DATA_CACHE_DIR` set to nothing.
 */
export async function checkedRecordFor(
  folder: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string | undefined> {
  const cache =
    env.OPEN_DATA_CACHE_DIR !== undefined
      ? env.OPEN_DATA_CACHE_DIR
      : (env.XDG_CACHE_HOME ?? '') !== ''
        ? path.join(env.XDG_CACHE_HOME as string, CACHE_FOLDER)
        : (env.HOME ?? '') !== ''
          ? path.join(env.HOME as string, '.cache', CACHE_FOLDER)
          : '';
  if (cache === '') return undefined;
  const tree = await realpath(folder).catch(() => path.resolve(folder));
  const name = createHash('sha256').update(tree).digest('hex').slice(0, 32);
  return path.join(path.resolve(cache), 'checked-files', `${name}.json`);
}
