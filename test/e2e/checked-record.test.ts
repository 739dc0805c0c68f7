/**
 * `opendata publish` keeps a record of the files it found in the tree (bin/checked-record.ts), outside the
 * tree, so that a later publish reads again only the files changed since. These tests run the CLI as a
 * user does: where the record goes, that it survives a run, that it never hides a changed file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliIn, makeWorkspace } from '../support/workspace.js';
import { makeTempDir } from '../support/temp-dir.js';

type CheckedRecord = {
  root: string;
  files: { [key: string]: { identity: string; bytes: number; sha256: string } };
};

async function publishWith(
  cache: string,
  ws: Awaited<ReturnType<typeof makeWorkspace>>,
  env: Readonly<Record<string, string>> = {},
) {
  return cliIn(
    { ...process.env, OPEN_DATA_CACHE_DIR: cache, ...env },
    'publish',
    '--data',
    ws.data,
    '--schemas',
    ws.schemas,
    '--out',
    ws.out,
  );
}

async function recordsIn(cache: string): Promise<CheckedRecord[]> {
  const folder = path.join(cache, 'checked-files');
  if (!existsSync(folder)) return [];
  const names = await readdir(folder);
  return Promise.all(
    names.map(async (name) => JSON.parse(await readFile(path.join(folder, name), 'utf8')) as CheckedRecord),
  );
}

describe("publish's record of the files it checked", () => {
  it('is kept outside the tree, lists every file the catalog lists, and is the same after an unchanged republish', async () => {
    const ws = await makeWorkspace();
    const cache = await makeTempDir('opendata-cache-');
    expect((await publishWith(cache, ws)).code).toBe(0);

    const [record, ...others] = await recordsIn(cache);
    expect(others).toEqual([]);
    expect(record?.root).toBe(ws.out);
    const catalog = JSON.parse(await readFile(path.join(ws.out, 'catalog.json'), 'utf8')) as {
      datasets: { versions: { distributions: { path: string; sha256: string }[] }[] }[];
    };
    const listed = catalog.datasets.flatMap((d) => d.versions.flatMap((v) => v.distributions));
    expect(listed.length).toBeGreaterThan(20);
    for (const file of listed) expect(record?.files[file.path]?.sha256).toBe(file.sha256);
    expect((await readdir(ws.out, { recursive: true })).filter((name) => name.includes('checked'))).toEqual(
      [],
    );

    expect((await publishWith(cache, ws)).code).toBe(0);
    const [again] = await recordsIn(cache);
    for (const file of listed) expect(again?.files[file.path]).toEqual(record?.files[file.path]);
  });

  it('never hides a published file changed since, even with its size and times put back', async () => {
    const ws = await makeWorkspace();
    const cache = await makeTempDir('opendata-cache-');
    expect((await publishWith(cache, ws)).code).toBe(0);
    const file = path.join(ws.out, 'datasets', 'trade', '1.0.0', 'trade.csv');
    const { mtimeNs } = await stat(file, { bigint: true });
    const bytes = await readFile(file);
    bytes[bytes.length - 2] = bytes[bytes.length - 2] === 0x41 ? 0x42 : 0x41;
    await writeFile(file, bytes, { flag: 'r+' });
    execFileSync('touch', [
      '-m',
      '-d',
      `@${mtimeNs / 1_000_000_000n}.${String(mtimeNs % 1_000_000_000n).padStart(9, '0')}`,
      file,
    ]);
    expect((await stat(file, { bigint: true })).mtimeNs).toBe(mtimeNs);

    const { code, stderr } = await publishWith(cache, ws);

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /datasets\/trade\/1\.0\.0\/trade\.csv: has sha256 [0-9a-f]{64}; the catalog says [0-9a-f]{64} \(read back after publishing\)/,
    );
  });

  it('is not kept with OPEN_DATA_CACHE_DIR set to nothing', async () => {
    const ws = await makeWorkspace();
    const home = await makeTempDir('opendata-home-');
    const { code } = await publishWith('', ws, { HOME: home, XDG_CACHE_HOME: '' });
    expect(code).toBe(0);
    expect(await readdir(home)).toEqual([]);
  });

  it('says so, and publishes all the same, where the record cannot be written', async () => {
    const ws = await makeWorkspace();
    const blocked = path.join(await makeTempDir('opendata-cache-'), 'a-file');
    await writeFile(blocked, '');
    const { code, stdout, stderr } = await publishWith(blocked, ws);
    expect(code).toBe(0);
    expect(stdout).toContain('catalog.json updated');
    expect(stderr).toMatch(
      /^opendata: warning: could not keep the record of the files checked in .+ \(.+a-file\/checked-files\/[0-9a-f]{32}\.json: .*(EEXIST|ENOTDIR).*\); the next publish reads them all again$/m,
    );
  });
});
