import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * What the tests name their temporary files and folders: a name starting with one of these and left
 * behind by a run is a leak in the tests (or in the pipeline's scratch handling), never another tool's.
 */
export const TEST_TEMP_PREFIXES = [
  'opendata-',
  'cdk.out', // a CDK app given no outdir synthesizes into <temp>/cdk.outXXXXXX and never removes it
  'heap-wrapper-',
  'changes-property-',
  'parquet-streaming-',
  'object-store-',
];

const RUN_PREFIX = 'opendata-test-run-';

interface Guard {
  /** Global setups that started and have not torn down (vitest runs one per project, in one process). */
  users: number;
  readonly dir: string;
  readonly previousTmpdir: string | undefined;
  readonly previousCacheDir: string | undefined;
  /** The project's names in the OS temp directory before the run. */
  readonly before: ReadonlySet<string>;
}

const KEY = Symbol.for('opendata.test-temp-guard');
const holder = globalThis as { [KEY]?: Guard };

const ours = (name: string): boolean => TEST_TEMP_PREFIXES.some((prefix) => name.startsWith(prefix));

/**
 * Global setup (vitest.config.ts): the run's temporary files go to a folder of its own. TMPDIR points
 * there before vitest starts its workers, so os.tmpdir() in every test file, and in every child process
 * that inherits the environment, answers with it. After the run, whatever the tests left in it is listed
 * and the folder is removed, so a leak fails the run but never piles up in the OS temp directory. Other
 * tools' files there (tsx's cache, tsx-<uid>) are removed without a word.
 *
 * A folder of its own makes the verdict certain: what is in it was made by this run, not by another run
 * of the suite (another checkout, another developer) working in the same /tmp at the same time. Files
 * of the project's names that appear in the OS temp directory itself during the run (a child process
 * given an environment without TMPDIR) are only reported, for that reason.
 */
export default function setup(): () => void {
  let guard = holder[KEY];
  if (guard === undefined) {
    const parent = tmpdir();
    guard = {
      users: 0,
      dir: mkdtempSync(path.join(parent, RUN_PREFIX)),
      previousTmpdir: process.env.TMPDIR,
      previousCacheDir: process.env.OPEN_DATA_CACHE_DIR,
      before: new Set(readdirSync(parent).filter(ours)),
    };
    holder[KEY] = guard;
    // Open to every user, sticky, as /tmp is: a test runs the CLI as an unprivileged user, and tsx in that
    // child makes its cache folder here.
    chmodSync(guard.dir, 0o1777);
    process.env.TMPDIR = guard.dir;
    // The CLI's record of the files it checked (bin/checked-record.ts) goes there too, not to the user's cache.
    process.env.OPEN_DATA_CACHE_DIR = path.join(guard.dir, 'checked-files-cache');
  }
  guard.users += 1;
  const current = guard;
  return () => {
    current.users -= 1;
    if (current.users > 0) return;
    holder[KEY] = undefined;
    if (current.previousTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = current.previousTmpdir;
    if (current.previousCacheDir === undefined) delete process.env.OPEN_DATA_CACHE_DIR;
    else process.env.OPEN_DATA_CACHE_DIR = current.previousCacheDir;
    report(current);
  };
}

function report(guard: Guard): void {
  const left = readdirSync(guard.dir).sort();
  rmSync(guard.dir, { recursive: true, force: true });
  const leaks = left.filter(ours);
  const outside = readdirSync(tmpdir()).filter(
    (name) => ours(name) && !guard.before.has(name) && !name.startsWith(RUN_PREFIX),
  );
  if (outside.length > 0) {
    console.warn(
      `New in ${tmpdir()} during the run, maybe from a child process not given TMPDIR, maybe from another ` +
        `run at the same time (not removed): ${outside.sort().join(', ')}`,
    );
  }
  if (leaks.length > 0) {
    console.error(
      `The tests left ${leaks.length} temporary file(s) or folder(s) behind (removed now): ${leaks.join(', ')}.\n` +
        'Make them with makeTempDir (test/support/temp-dir.ts), or remove them in afterAll/afterEach.',
    );
    process.exitCode = 1;
  }
}
