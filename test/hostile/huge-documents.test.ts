/**
 * A schema, descriptor or site.json far past its size limit (2 MiB, 1 MiB, 1 MiB). The limit was checked on
 * the file's text, so the whole file was read and decoded first: a 1.5 GB schema took 1.6 GB and 8 s, and
 * one past V8's longest string (about 512 Mi characters) ended in "unexpected failure (a bug …): Cannot
 * create a string longer than 0x1fffffe8 characters", exit 3. The files are sparse (no disk is used): each
 * is now read no further than its limit and refused as the limit-exceeded issue the text check gives.
 */
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_SOURCE_TEXT_BYTES, sourceTextsFrom } from '../../lambda/core/source-texts.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { makeTempDir } from '../support/temp-dir.js';
import { hostileWorkspace, publishAll, runCliChild } from './hostile-workspace.js';

const PAST_LONGEST_STRING = 0x1fffffe8 + 1024;
/** Past what Node reads into one buffer (2 GiB): a file read whole before its size was checked failed to be read at all. */
const PAST_ONE_BUFFER = 3 * 1024 ** 3;

describe('a document of the sources far past its size limit', () => {
  it.each([
    ['schema', (ws: { schemas: string }) => path.join(ws.schemas, 'sample.schema.json'), 2097152],
    ['descriptor', (ws: { data: string }) => path.join(ws.data, 'sample.dataset.json'), 1048576],
  ])('refuses the %s as limit-exceeded without reading it whole', async (_kind, fileOf, limit) => {
    const ws = await hostileWorkspace({ sample: {} });
    const file = fileOf(ws);
    await truncate(file, PAST_LONGEST_STRING);

    const run = await runCliChild(['validate', '--data', ws.data, '--schemas', ws.schemas], {
      timeoutMs: 60_000,
    });

    expect(run.signal, run.stderr.slice(-2000)).toBeNull();
    expect(run.code, run.stderr.slice(-2000)).toBe(1);
    expect(run.stdout + run.stderr).toContain(
      `${file}:1:1: [limit-exceeded] the file is larger than the limit of ${limit} bytes`,
    );
  });

  it('stops the run at such a site.json, naming the limit', async () => {
    const ws = await hostileWorkspace({ sample: {} });
    const file = path.join(ws.data, 'site.json');
    await truncate(file, PAST_LONGEST_STRING);

    const run = await runCliChild(['publish', '--data', ws.data, '--schemas', ws.schemas, '--out', ws.out], {
      timeoutMs: 60_000,
    });

    expect(run.code, run.stderr.slice(-2000)).toBe(1);
    expect(run.stderr).toContain(
      `${file}:1:1: [limit-exceeded] the file is larger than the limit of 1048576 bytes`,
    );
  });

  it('refuses a published catalog.json of gigabytes by its size, before reading it', async () => {
    const ws = await hostileWorkspace({ sample: {} });
    expect((await publishAll(ws)).outcomes.map((outcome) => outcome.status)).toEqual(['published']);
    await truncate(path.join(ws.out, 'catalog.json'), PAST_ONE_BUFFER);

    const run = await runCliChild(['publish', '--data', ws.data, '--schemas', ws.schemas, '--out', ws.out], {
      timeoutMs: 60_000,
    });

    expect(run.code, run.stderr.slice(-2000)).toBe(1);
    expect(run.stderr).toBe(
      `opendata: catalog.json in the published tree is ${PAST_ONE_BUFFER} bytes, larger than the 67108864-byte limit for a catalog (verify's --max-catalog-bytes): restore it from a copy (a backup, or the bucket's version history on S3), then run verify\n`,
    );
  });

  it('refuses a source text of gigabytes as limit-exceeded, before reading it', async () => {
    const folder = await makeTempDir('opendata-huge-source-');
    await mkdir(folder, { recursive: true });
    const file = path.join(folder, 'paper.txt');
    await writeFile(file, '');
    await truncate(file, PAST_ONE_BUFFER);

    const found = await sourceTextsFrom(new LocalDirectoryStore(folder), folder).get('paper.txt');

    expect(found).toEqual({
      ok: false,
      why: `source text ${folder}/paper.txt is larger than ${MAX_SOURCE_TEXT_BYTES} bytes`,
      code: 'limit-exceeded',
    });
  });

  it('refuses a published catalog.json past the size verify reads, one line and exit 1, not a bug', async () => {
    const ws = await hostileWorkspace({ sample: {} });
    expect((await publishAll(ws)).outcomes.map((outcome) => outcome.status)).toEqual(['published']);
    await truncate(path.join(ws.out, 'catalog.json'), PAST_LONGEST_STRING);

    const run = await runCliChild(['publish', '--data', ws.data, '--schemas', ws.schemas, '--out', ws.out], {
      timeoutMs: 60_000,
    });

    expect(run.code, run.stderr.slice(-2000)).toBe(1);
    expect(run.stderr).toBe(
      `opendata: catalog.json in the published tree is ${PAST_LONGEST_STRING} bytes, larger than the 67108864-byte limit for a catalog (verify's --max-catalog-bytes): restore it from a copy (a backup, or the bucket's version history on S3), then run verify\n`,
    );
  });
});
