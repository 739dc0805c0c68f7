/**
 * A history's times never go backwards: a version published by a clock behind the latest version's
 * time (a run that started before another one committed, another machine's clock) is dated just after
 * the version it follows, and the feed, which orders versions by time, lists them in version order.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import { publishDatasets } from '../../lambda/core/pipeline.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { sourceLocation } from '../support/local-sources.js';
import { makeTempDir } from '../support/temp-dir.js';
import { readJson } from '../support/workspace.js';
import { writeSources, type TinyContent } from '../model/tiny-dataset.js';

const content = (n: number): TinyContent => ({ wide: false, rows: [{ id: 'a', n, note: 'x' }] });

describe('the time a version is published', () => {
  it('is never before the version it follows, whatever the clock says', async () => {
    const root = await makeTempDir('opendata-publish-time-');
    const store = new LocalDirectoryStore(path.join(root, 'public'));
    const publish = async (n: number, now: string) => {
      await writeSources(root, { siteTitle: 'Times', datasets: { tiny: content(n) } }, ['tiny']);
      const result = await publishDatasets({ source: sourceLocation(root), store, now: new Date(now) });
      expect(result.outcomes.map((outcome) => outcome.status)).toEqual(['published']);
    };
    await publish(1, '2026-03-01T12:00:00.000Z');
    await publish(2, '2026-02-01T12:00:00.000Z'); // a clock a month behind
    await publish(3, '2026-03-01T12:00:00.001Z'); // the same instant as the version before

    const catalog = await readJson<Catalog>(path.join(root, 'public', 'catalog.json'));
    const times = catalog.datasets[0]?.versions.map((version) => [version.version, version.published]);
    expect(times).toEqual([
      ['1.0.2', '2026-03-01T12:00:00.002Z'],
      ['1.0.1', '2026-03-01T12:00:00.001Z'],
      ['1.0.0', '2026-03-01T12:00:00.000Z'],
    ]);
    const feed = await readFile(path.join(root, 'public', 'feed.xml'), 'utf8');
    const entries = [...feed.matchAll(/<title>[^<]*?(1\.0\.\d)[^<]*<\/title>/g)].map((match) => match[1]);
    expect(entries).toEqual(['1.0.2', '1.0.1', '1.0.0']);
    // The catalog's and the feed's own time are no earlier than the newest version's.
    expect(catalog.modified).toBe('2026-03-01T12:00:00.002Z');
    expect(/<updated>([^<]*)<\/updated>/.exec(feed)?.[1]).toBe('2026-03-01T12:00:00.002Z');
  });
});
