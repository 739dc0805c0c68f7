import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  chartDataKey,
  chartImageKey,
  chartKey,
  citationKey,
  datasetPageKey,
  isVersionedKey,
  latestFileKey,
  mayHoldVersions,
  versionFileKey,
  versionHolding,
} from '../../lambda/core/site-keys.js';

/** The folder a key is in, without its trailing slash. */
const folderOf = (key: string): string => key.slice(0, key.lastIndexOf('/'));

describe('which folders of the tree may hold versions', () => {
  it.each([
    ['', 'the root'],
    ['datasets', 'the datasets folder'],
    ['datasets/trade', "a dataset's folder"],
    [folderOf(versionFileKey('trade', '1.0.0', 'trade.csv')), "a version's folder"],
    ['datasets/trade/10.2.3/sub', "a folder in a version's folder"],
  ])('%j does (%s)', (folder) => {
    expect(mayHoldVersions(folder)).toBe(true);
  });

  it.each([
    [folderOf(latestFileKey('trade', 'trade.csv')), 'latest/'],
    [folderOf(chartDataKey('trade', 'chart-turnover')), 'chart-data/'],
    [folderOf(citationKey('trade', '1.0.0', 'bib')), 'cite/'],
    ['datasets/trade/1.0', 'a name that is no version'],
    ['other', 'a folder beside datasets'],
  ])('%j does not (%s)', (folder) => {
    expect(mayHoldVersions(folder)).toBe(false);
  });
});

describe('the version folder a key is in', () => {
  const id = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
  const version = fc
    .tuple(fc.nat({ max: 99 }), fc.nat({ max: 99 }), fc.nat({ max: 999 }))
    .map((parts) => parts.join('.'));
  const name = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,15}$/);

  it("is the version of any file of a version's folder, and a versioned key's", () => {
    fc.assert(
      fc.property(id, version, name, (id, version, name) => {
        const key = versionFileKey(id, version, name);
        expect(versionHolding(id, key)).toBe(version);
        expect(isVersionedKey(key)).toBe(true);
      }),
    );
  });

  it("is none for the dataset's other files, nor for another dataset's versions", () => {
    fc.assert(
      fc.property(id, version, name, (id, version, name) => {
        for (const key of [
          latestFileKey(id, name),
          datasetPageKey(id),
          chartKey(id, name),
          chartImageKey(id, name),
          chartDataKey(id, name),
          citationKey(id, version, 'bib'),
          `datasets/${id}/${version}`,
          `datasets/${id}/v${version}/${name}`,
        ])
          expect(versionHolding(id, key)).toBeUndefined();
        expect(versionHolding(`${id}-other`, versionFileKey(id, version, name))).toBeUndefined();
      }),
    );
  });
});
