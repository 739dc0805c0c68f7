import { execFile } from 'node:child_process';
import { cp, readdir, readFile, rm, stat, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI_BUNDLE_FILE, ensureCliBundle } from '../../bin/cli-bundle.js';
import { PARQUET_WORKER_BUNDLING } from '../../lambda/core/parquet-worker-bundling.js';
import { makeTempDir } from '../support/temp-dir.js';
import { REPO_ROOT } from '../support/workspace.js';

// The CLI runs as a bundle (bin/opendata.sh): built by ensureCliBundle when a file it is built from has
// changed, and run by node without a TypeScript loader.

const run = promisify(execFile);

/** The list of inputs a build leaves beside its bundle. */
interface BuiltFrom {
  root: string;
  startedMs: number;
  inputs: { file: string; mtimeMs: number; ctimeMs: number; size: number }[];
}

async function builtFrom(dir: string): Promise<BuiltFrom> {
  return JSON.parse(await readFile(path.join(dir, 'inputs.json'), 'utf8')) as BuiltFrom;
}

/** A stand-in for one of the bundle's source files, listed as the build found it, so that no file of the project is touched. */
async function withStandIn(dir: string): Promise<{ file: string; built: BuiltFrom }> {
  const recorded = await builtFrom(dir);
  const file = path.join(await makeTempDir('opendata-cli-bundle-source-'), 'module.ts');
  await writeFile(file, 'export {};\n');
  const before = new Date(recorded.startedMs - 60_000);
  await utimes(file, before, before);
  const { mtimeMs, ctimeMs, size } = await stat(file);
  const built = { ...recorded, inputs: [...recorded.inputs, { file, mtimeMs, ctimeMs, size }] };
  await writeFile(path.join(dir, 'inputs.json'), JSON.stringify(built));
  return { file, built };
}

/** What bin/opendata.sh asks before each start: "current" when the bundle in `dir` is up to date (plain JavaScript, no tsx). */
async function checkedByScript(dir: string): Promise<string> {
  const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'bin', 'cli-bundle-current.mjs')], {
    env: { ...process.env, OPEN_DATA_CLI_BUNDLE_DIR: dir },
  });
  return stdout;
}

describe("the CLI's bundle", () => {
  it('is built once, with the Parquet worker and the chart assets beside it, and not again while nothing changed', async () => {
    const dir = await makeTempDir('opendata-cli-bundle-');

    const first = await ensureCliBundle(dir);
    const { mtimeMs } = await stat(first.entry);
    const second = await ensureCliBundle(dir);

    expect([first.built, second.built]).toEqual([true, false]);
    expect(second.entry).toBe(path.join(dir, CLI_BUNDLE_FILE));
    expect((await stat(second.entry)).mtimeMs).toBe(mtimeMs);
    const names = await readdir(dir);
    expect(names).toEqual(
      expect.arrayContaining([CLI_BUNDLE_FILE, PARQUET_WORKER_BUNDLING.file, 'inputs.json']),
    );
    expect(names.some((name) => name.endsWith('.wasm'))).toBe(true);
    expect(names.filter((name) => name.includes('.tmp-'))).toEqual([]);
    const { inputs } = await builtFrom(dir);
    expect(inputs.map((input) => input.file)).toEqual(
      expect.arrayContaining([
        path.join(REPO_ROOT, 'bin', 'opendata.ts'),
        path.join(REPO_ROOT, PARQUET_WORKER_BUNDLING.entry),
        path.join(REPO_ROOT, 'package-lock.json'),
      ]),
    );
  });

  it.for([
    ['edited after the build', async (file: string) => writeFile(file, 'export const edited = 1;\n')],
    [
      'put back with an older time (cp -p, tar x)',
      async (file: string) => {
        const older = new Date(Date.now() - 3_600_000);
        await utimes(file, older, older);
      },
    ],
    ['gone', async (file: string) => rm(file)],
    [
      'edited to the same size, its modification time put back (cp -p, touch -r)',
      async (file: string) => {
        const { mtime } = await stat(file);
        await writeFile(file, 'export{}; \n'); // the same 11 bytes' length as the stand-in's 'export {};\n'
        await utimes(file, mtime, mtime);
      },
    ],
  ] as const)('is built again when a file it was built from was %s', async ([, change]) => {
    const dir = await makeTempDir('opendata-cli-bundle-');
    await ensureCliBundle(dir);
    const { file } = await withStandIn(dir);
    const checkedUnchanged = await checkedByScript(dir);
    const unchanged = await ensureCliBundle(dir);

    await change(file);
    const checkedChanged = await checkedByScript(dir);
    const changed = await ensureCliBundle(dir);

    expect([unchanged.built, changed.built]).toEqual([false, true]);
    // The start script's own check, which spares it loading tsx, answers the same.
    expect([checkedUnchanged, checkedChanged]).toEqual(['current\n', '']);
  });

  it('is built again when the bundle it wrote was cut short', async () => {
    const dir = await makeTempDir('opendata-cli-bundle-');
    const { entry } = await ensureCliBundle(dir);
    const { size } = await stat(entry);
    await truncate(entry, Math.floor(size / 2));

    const checked = await checkedByScript(dir);
    const again = await ensureCliBundle(dir);

    expect([checked, again.built]).toEqual(['', true]);
    expect((await stat(entry)).size).toBe(size);
  });

  it('is built again for another checkout sharing its folder', async () => {
    const dir = await makeTempDir('opendata-cli-bundle-');
    await ensureCliBundle(dir);
    const recorded = await builtFrom(dir);
    await writeFile(
      path.join(dir, 'inputs.json'),
      JSON.stringify({ ...recorded, root: path.join(recorded.root, 'another-checkout') }),
    );

    expect(await checkedByScript(dir)).toBe('');
    expect((await ensureCliBundle(dir)).built).toBe(true);
    expect((await builtFrom(dir)).root).toBe(recorded.root);
  });

  it('runs when the path to it holds a symbolic link or a space', async () => {
    const parent = await makeTempDir('opendata-cli-bundle-');
    const dir = path.join(parent, 'with space', 'cli');
    const { entry } = await ensureCliBundle(dir);
    const link = path.join(parent, 'linked');
    await symlink(path.dirname(dir), link);

    const direct = await run(process.execPath, [entry, '--help']);
    const linked = await run(process.execPath, [path.join(link, 'cli', CLI_BUNDLE_FILE), '--help']);

    expect(direct.stdout).toContain('Usage: npm run opendata');
    expect(linked.stdout).toContain('Usage: npm run opendata');
  });

  it('publishes the curated datasets, and the tree it publishes verifies', async () => {
    const dir = await makeTempDir('opendata-cli-bundle-');
    const out = await makeTempDir('opendata-cli-bundle-out-');
    const { entry } = await ensureCliBundle(dir);

    const published = await run(process.execPath, [entry, 'publish', '--out', out], { cwd: REPO_ROOT });
    const verified = await run(process.execPath, [entry, 'verify', out], { cwd: REPO_ROOT });

    expect(published.stdout).toMatch(/published|unchanged/);
    expect(verified.stdout).toMatch(/^verify: ok, \d+ files match the catalog/m);
    const catalog = JSON.parse(await readFile(path.join(out, 'catalog.json'), 'utf8')) as {
      datasets: { id: string }[];
    };
    expect(catalog.datasets.map((dataset) => dataset.id)).toContain('trade');
  });

  it.for([
    ['a folder it can write', false],
    ['a folder it cannot make (a file is in the way)', true],
  ] as const)(
    'is what bin/opendata.sh runs, built into OPEN_DATA_CLI_BUNDLE_DIR (%s), or else the CLI runs from its source and says so',
    async ([, blocked]) => {
      const parent = await makeTempDir('opendata-cli-bundle-');
      if (blocked) await writeFile(path.join(parent, 'file'), '');
      const dir = path.join(parent, blocked ? 'file' : 'bundle', 'cli');

      const { stdout, stderr } = await run('sh', ['bin/opendata.sh', '--help'], {
        cwd: REPO_ROOT,
        env: { ...process.env, OPEN_DATA_CLI_BUNDLE_DIR: dir },
      });

      expect(stdout).toContain('Usage: npm run opendata');
      if (blocked) {
        expect(stderr).toContain(`opendata: could not bundle the CLI into ${dir}: `);
        expect(stderr).toContain('opendata: running the CLI from its TypeScript source instead, through tsx');
      } else {
        expect(stderr).toBe('');
        expect((await readdir(dir)).sort()).toEqual(expect.arrayContaining([CLI_BUNDLE_FILE, 'inputs.json']));
      }
    },
  );

  it('is run by bin/opendata.sh from any folder, the bundle folder taken from there when relative, the CLI in that folder', async () => {
    const elsewhere = await makeTempDir('opendata-cli-bundle-cwd-');
    await writeFile(path.join(elsewhere, 'blocked'), '');
    const script = path.join(REPO_ROOT, 'bin', 'opendata.sh');
    const runFrom = (bundleDir: string, args: string[]) =>
      run('sh', [script, ...args], {
        cwd: elsewhere,
        env: { ...process.env, OPEN_DATA_CLI_BUNDLE_DIR: bundleDir },
      });

    const relative = await runFrom('relative/cli', ['--help']);
    const blocked = await runFrom('blocked/cli', ['--help']);
    // A relative --data is read from the caller's folder: a copy of the curated datasets there.
    await cp(path.join(REPO_ROOT, 'data'), path.join(elsewhere, 'my-data'), { recursive: true });
    const validated = await runFrom('relative/cli', [
      'validate',
      'transport',
      '--data',
      'my-data',
      '--schemas',
      path.join(REPO_ROOT, 'schemas'),
    ]);

    expect(relative.stdout).toContain('Usage: npm run opendata');
    expect(relative.stderr).toBe('');
    expect(await readdir(path.join(elsewhere, 'relative', 'cli'))).toContain(CLI_BUNDLE_FILE);
    expect(blocked.stdout).toContain('Usage: npm run opendata');
    expect(blocked.stderr).toContain(
      'opendata: running the CLI from its TypeScript source instead, through tsx',
    );
    expect(validated.stdout).toMatch(/^transport: valid \(\d+ rows\)/m);
  });
});
