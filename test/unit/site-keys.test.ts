import { describe, expect, it } from 'vitest';
import {
  chartDataKey,
  citationKey,
  latestFileKey,
  mayHoldVersions,
  versionFileKey,
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
