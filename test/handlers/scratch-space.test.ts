import type * as FsPromises from 'node:fs/promises';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { curatedSources } from '../support/local-sources.js';
import { quietLogger } from '../support/quiet-logger.js';
import { createValidateAndPublishHandler } from '../../lambda/handlers/steps/validate-and-publish.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { FIXTURE_CSV, FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA } from '../support/dataset-fixture.js';
import { makeTempDir } from '../support/temp-dir.js';

// What a dataset too large for validate-and-publish's /tmp does: Lambda's /tmp is a fixed size
// (opendata:datasetScratchMiB), and a publish writes about seven times the CSV there. Here the
// scratch space is made small by failing every write to a scratch file past a byte budget with
// ENOSPC, as a full file system does; everything else is the real step.

const scratch = vi.hoisted(() => ({ budget: Number.POSITIVE_INFINITY, written: 0 }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  const open: typeof actual.open = async (...args) => {
    const handle = await actual.open(...args);
    if (!String(args[0]).includes('opendata-scratch-')) return handle;
    const write = handle.write.bind(handle) as (...rest: unknown[]) => Promise<unknown>;
    // Only writes: reading back and closing go to the real handle.
    return new Proxy(handle, {
      get(target, property, receiver) {
        if (property !== 'write') {
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (...rest: unknown[]) => {
          const chunk = rest[0];
          const bytes =
            typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).byteLength;
          if (scratch.written + bytes > scratch.budget)
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
              code: 'ENOSPC',
              errno: -28,
              syscall: 'write',
            });
          scratch.written += bytes;
          return write(...rest);
        };
      },
    });
  };
  return { ...actual, open, default: { ...actual, open } };
});

async function workspace() {
  const root = await makeTempDir('opendata-no-room-');
  for (const folder of ['data', 'schemas', 'incoming', 'public']) await mkdir(path.join(root, folder));
  await writeFile(path.join(root, 'data', 'trade.csv'), FIXTURE_CSV);
  await writeFile(
    path.join(root, 'data', 'trade.dataset.json'),
    JSON.stringify({ ...FIXTURE_DESCRIPTOR, id: 'trade' }),
  );
  await writeFile(path.join(root, 'schemas', 'trade.schema.json'), JSON.stringify(FIXTURE_SCHEMA));
  const sources = curatedSources(root);
  const site = new LocalDirectoryStore(path.join(root, 'public'));
  const publishOne = createValidateAndPublishHandler({
    sources,
    site,
    siteUrl: 'https://data.example.org/',
    now: () => new Date('2026-03-01T12:00:00Z'),
    logger: quietLogger,
  });
  return { site, publishOne };
}

async function keysOf(site: LocalDirectoryStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of site.list('')) keys.push(key);
  return keys.sort();
}

beforeEach(() => {
  scratch.budget = Number.POSITIVE_INFINITY;
  scratch.written = 0;
});

describe('a dataset larger than the scratch space', () => {
  it('fails its step with a ScratchSpaceError naming the limit, and publishes nothing', async () => {
    // Prepare: room for the first scratch writes only (the fixture needs a few KB).
    const { site, publishOne } = await workspace();
    scratch.budget = 600;

    // Act
    const failure = await publishOne({ id: 'trade' }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );

    // Assess: the error Step Functions records for the dataset (its name, then its message).
    expect(failure?.name).toBe('ScratchSpaceError');
    expect(failure?.message).toMatch(
      /^could not write the scratch file .+opendata-scratch-.+ \(ENOSPC: no space left on device, write\)/,
    );
    expect(failure?.message).toContain('room for about seven times the largest CSV');
    // Nothing was written to the site before the scratch ran out: no version file, no catalog.
    expect(await keysOf(site)).toEqual([]);
    expect(scratch.written).toBeLessThanOrEqual(600);
  });

  it('with room again, the next run publishes the version whole', async () => {
    // Prepare: a first attempt that ran out of space.
    const { site, publishOne } = await workspace();
    scratch.budget = 600;
    await expect(publishOne({ id: 'trade' })).rejects.toThrow('ENOSPC');

    // Act
    scratch.budget = Number.POSITIVE_INFINITY;
    const result = await publishOne({ id: 'trade' });

    // Assess
    expect(result).toMatchObject({ id: 'trade', status: 'staged' });
    const keys = await keysOf(site);
    expect(keys.filter((key) => key.startsWith('datasets/trade/1.0.0/'))).toEqual(
      expect.arrayContaining(['datasets/trade/1.0.0/trade.csv', 'datasets/trade/1.0.0/trade.parquet']),
    );
  });
});
