import { rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { readCatalog, syncDerivedFiles } from '../../lambda/core/history.js';
import type { ObjectStore } from '../../lambda/core/object-store.js';
import { publishDatasets } from '../../lambda/core/pipeline.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { makeWorkspace } from '../support/workspace.js';

const BASE_URL = 'http://127.0.0.1:8080/';

/**
 * The published tree of `data/`'s trade dataset, with its latest/ folder and its pages removed, so that
 * the mirrors are copied and the pages written again.
 */
async function publishedWithoutLatest(): Promise<string> {
  const ws = await makeWorkspace();
  const source = {
    data: new LocalDirectoryStore(ws.data),
    schemas: new LocalDirectoryStore(ws.schemas),
    dataLabel: 'data',
    schemasLabel: 'schemas',
  };
  const result = await publishDatasets({
    source,
    store: new LocalDirectoryStore(ws.out),
    ids: ['trade'],
    now: new Date('2026-01-01T00:00:00Z'),
  });
  expect(result.outcomes.map((outcome) => outcome.status)).toEqual(['published']);
  await rm(path.join(ws.out, 'datasets', 'trade', 'latest'), { recursive: true });
  await rm(path.join(ws.out, 'datasets', 'trade', 'index.html'));
  await rm(path.join(ws.out, 'index.html'));
  return ws.out;
}

/** `inner` with its `copy` and `put` replaced, everything else as it is. */
function withMethods(inner: ObjectStore, methods: Partial<ObjectStore>): ObjectStore {
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property in methods) return methods[property as keyof ObjectStore];
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('derived files', () => {
  it('mirror latest/ and draw the pages side by side, each as the catalog says', async () => {
    const out = await publishedWithoutLatest();
    const inner = new LocalDirectoryStore(out);
    const { catalog } = await readCatalog(inner);
    if (catalog === undefined) throw new Error('no catalog');
    // Each mirror's copy waits for a page to be written (or, should none come, for ten seconds): run one
    // after the other, the copies would end before any page is written.
    const events: string[] = [];
    let pageWritten: () => void = () => undefined;
    const firstPage = new Promise<void>((resolve) => (pageWritten = resolve));
    const store = withMethods(inner, {
      copy: async (...args: Parameters<NonNullable<ObjectStore['copy']>>) => {
        events.push('copy begins');
        await Promise.race([firstPage, sleep(10_000)]);
        events.push('copy ends');
        return (await inner.copy?.(...args)) ?? 'missing';
      },
      put: async (...args: Parameters<ObjectStore['put']>) => {
        events.push('put');
        pageWritten();
        return inner.put(...args);
      },
    });
    const synced = await syncDerivedFiles(store, catalog, BASE_URL);
    expect(synced.problems).toEqual([]);
    expect(events).toContain('put');
    expect(events.indexOf('put')).toBeLessThan(events.lastIndexOf('copy ends'));
    // And the tree is whole: every latest/ file is its version's.
    const files = catalog.datasets[0]?.versions.at(-1)?.distributions ?? [];
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const mirror = await inner.head(`datasets/trade/latest/${path.basename(file.path)}`);
      expect(mirror?.bytes, file.path).toBe(file.bytes);
    }
  });

  it('report a failure only once neither the mirrors nor the pages are still writing', async () => {
    const out = await publishedWithoutLatest();
    const inner = new LocalDirectoryStore(out);
    const { catalog } = await readCatalog(inner);
    if (catalog === undefined) throw new Error('no catalog');
    let writing = 0;
    let written = 0;
    const store = withMethods(inner, {
      copy: () => Promise.reject(new Error('the copy broke')),
      put: async (...args: Parameters<ObjectStore['put']>) => {
        writing++;
        try {
          await sleep(20);
          const put = await inner.put(...args);
          written++;
          return put;
        } finally {
          writing--;
        }
      },
    });
    const failure = await syncDerivedFiles(store, catalog, BASE_URL).then(
      () => undefined,
      (error: unknown) => ({ error, writing }),
    );
    expect(failure).toEqual({ error: new Error('the copy broke'), writing: 0 });
    // The pages were being written when the copy failed: the failure waited for them.
    expect(written).toBeGreaterThan(0);
  });
});
