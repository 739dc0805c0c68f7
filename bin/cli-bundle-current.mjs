// @ts-check
/**
 * Whether the CLI's bundle is up to date with the files it was built from, in plain JavaScript: bin/opendata.sh
 * asks it before every start, and loading tsx to run bin/cli-bundle.ts, which builds the bundle, took about
 * 0.2 s of each. cli-bundle.ts writes the list this reads ({@link INPUTS_FILE}) and asks the same.
 *
 *   node bin/cli-bundle-current.mjs   prints "current" when the bundle in OPEN_DATA_CLI_BUNDLE_DIR is up to date,
 *                                     and nothing otherwise (so that anything going wrong means a build)
 */
import { realpathSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import process from 'node:process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root: the checkout the bundle must have been built from. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The list a build leaves beside its bundle: what it was built from (see {@link BuiltFrom}). */
export const INPUTS_FILE = 'inputs.json';

/**
 * What {@link INPUTS_FILE} holds: the checkout built, when the build began, and each file it read as it was then.
 * @typedef {{ readonly root: string; readonly startedMs: number; readonly inputs: readonly { readonly file: string; readonly mtimeMs: number; readonly size: number }[] }} BuiltFrom
 */

/**
 * Whether the bundle in `dir` was built from this checkout and from the files it lists as they are now:
 * each with the modification time and size it had (a file put back with an older time, `cp -p` or
 * `tar x`, differs too), none changed after the build began, none gone. A missing or unreadable list
 * means it was never built whole.
 * @param {string} dir
 * @returns {Promise<boolean>}
 */
export async function isUpToDate(dir) {
  try {
    /** @type {BuiltFrom} */
    const built = JSON.parse(await readFile(path.join(dir, INPUTS_FILE), 'utf8'));
    if (built.root !== PROJECT_ROOT || built.inputs.length === 0) return false;
    const same = await Promise.all(
      built.inputs.map(async ({ file, mtimeMs, size }) => {
        const now = await stat(file);
        return now.mtimeMs === mtimeMs && now.size === size && mtimeMs < built.startedMs;
      }),
    );
    return same.every(Boolean);
  } catch {
    return false;
  }
}

/** Whether node was started with this file, compared as real paths (node names a module by its real path). */
function isEntry() {
  try {
    return (
      process.argv[1] !== undefined &&
      realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
    );
  } catch {
    return false;
  }
}

if (isEntry()) {
  const dir = process.env['OPEN_DATA_CLI_BUNDLE_DIR'];
  if (dir !== undefined && dir !== '' && (await isUpToDate(path.resolve(dir))))
    process.stdout.write('current\n');
}
