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
 * A file as a build found it: its size, modification time and change time (which no tool sets back: a
 * same-size edit with its old modification time put back, `cp -p` or `touch -r`, still moves it).
 * @typedef {{ readonly file: string; readonly mtimeMs: number; readonly ctimeMs: number; readonly size: number }} Stamped
 */

/**
 * What {@link INPUTS_FILE} holds: the checkout built, when the build began, each file it read as it was then,
 * and each file it wrote as it left it.
 * @typedef {{ readonly root: string; readonly startedMs: number; readonly inputs: readonly Stamped[]; readonly outputs: readonly Stamped[] }} BuiltFrom
 */

/**
 * Whether the bundle in `dir` was built from this checkout and from the files it lists as they are now:
 * each with the size, modification and change times it had (a file put back with an older time, `cp -p` or
 * `tar x`, differs too), none changed after the build began, none gone; and whether the files it wrote are
 * as it left them (a bundle cut short or edited is built again). A missing or unreadable list means it
 * was never built whole.
 * @param {string} dir
 * @returns {Promise<boolean>}
 */
export async function isUpToDate(dir) {
  try {
    /** @type {BuiltFrom} */
    const built = JSON.parse(await readFile(path.join(dir, INPUTS_FILE), 'utf8'));
    if (built.root !== PROJECT_ROOT || built.inputs.length === 0 || !Array.isArray(built.outputs))
      return false;
    /** @param {Stamped} stamped */
    const unchanged = async ({ file, mtimeMs, ctimeMs, size }) => {
      const now = await stat(file);
      return now.mtimeMs === mtimeMs && now.ctimeMs === ctimeMs && now.size === size;
    };
    const same = await Promise.all([
      ...built.inputs.map(async (input) => input.mtimeMs < built.startedMs && (await unchanged(input))),
      ...built.outputs.map(unchanged),
    ]);
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
