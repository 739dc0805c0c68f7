import { describe, expect, it } from 'vitest';
import { invalidDatasetIdMessage } from '../../lambda/core/dataset-id.js';
import type { ObjectStore } from '../../lambda/core/object-store.js';
import { validateDatasets } from '../../lambda/core/pipeline.js';

/** A store that records every request and holds nothing. */
function spyStore(calls: string[]): Pick<ObjectStore, 'get' | 'head' | 'open' | 'list'> {
  return {
    get: async (key) => {
      calls.push(`get ${key}`);
      return undefined;
    },
    head: async (key) => {
      calls.push(`head ${key}`);
      return undefined;
    },
    open: async (key) => {
      calls.push(`open ${key}`);
      return undefined;
    },
    list: (prefix) => {
      calls.push(`list ${prefix}`);
      return (async function* () {})();
    },
  };
}

/** Data and schema folders that record every request into `calls`. */
function spySource(calls: string[]) {
  return { data: spyStore(calls), schemas: spyStore(calls), dataLabel: 'data', schemasLabel: 'schemas' };
}

describe('dataset ids', () => {
  it.each([
    '../x',
    '../../etc/passwd',
    '/etc/passwd',
    '%2e%2e',
    '%2e%2e%2fschemas',
    'tr\u0430de', // Cyrillic "а"
    'ｔrade', // full-width "t"
    'Trade',
    'trade/../visits',
    'trade.csv',
    '',
    '-trade',
    '1trade',
    `a${'b'.repeat(63)}`,
    'trade\u0000',
  ])('refuses %j before any read', async (id) => {
    const calls: string[] = [];
    const source = spySource(calls);

    const [result] = await validateDatasets(source, [id]);

    expect(calls).toEqual([]);
    expect(result?.report.valid).toBe(false);
    expect(result?.report.issues[0]).toMatchObject({ code: 'invalid-id' });
    expect(result?.report.issues[0]?.message).toContain('is not a valid dataset id');
  });

  it.each(['trade', 'a', 'kz-az-2019', `a${'b'.repeat(62)}`])(
    'accepts %j and reads its three files',
    async (id) => {
      const calls: string[] = [];
      const source = spySource(calls);

      await validateDatasets(source, [id]);

      // And the data folder's listing: the datasets before it lend their row schemas' $ids (runOrder).
      // The descriptor and schema are read whole, no further than their size limits (the store's get).
      expect(calls.sort()).toEqual([
        `get ${id}.dataset.json`,
        `get ${id}.schema.json`,
        `head ${id}.csv`,
        'list ',
      ]);
    },
  );
});

describe('invalidDatasetIdMessage', () => {
  // A Cyrillic "о" in place of a Latin "o" was refused with a message in which nothing looked wrong.
  it.each([
    ['transpоrt', 'its 7th character, "о" (U+043E), is not a lowercase letter, digit or hyphen'],
    ['Trade', 'its 1st character, "T" (U+0054), is not a lowercase letter'],
    ['tr\u200bade', 'its 3rd character, U+200B, is not a lowercase letter, digit or hyphen'],
    ['x😀', 'its 2nd character, "😀" (U+1F600), is not a lowercase letter, digit or hyphen'],
    ['a'.repeat(64), 'it is 64 characters long'],
  ])('names where %j departs from the pattern', (id, fault) => {
    expect(invalidDatasetIdMessage(id)).toBe(
      `"${id}" is not a valid dataset id: ${fault}; use a lowercase letter followed by up to 62 lowercase letters, digits or hyphens`,
    );
  });
});
