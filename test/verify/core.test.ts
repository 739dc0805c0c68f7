import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Distribution } from '../../lambda/core/catalog.js';
import {
  bucketPrefixProblem,
  MAX_PREFIX_BYTES,
  MAX_RELATIVE_KEY_BYTES,
  prefixFolder,
  relativeKeyProblem,
} from '../../lambda/core/relative-key.js';
import { verifyDistributions, verifyPublishedTree } from '../../lambda/core/verify.js';
import { fixtureTree } from '../support/hostile-http-server.js';

/** A reader over keys in memory that records what it was asked for; it has no `get` at all. */
function memoryReader(files: ReadonlyMap<string, Uint8Array>) {
  const opened: string[] = [];
  return {
    opened,
    open: async (key: string): Promise<AsyncIterable<Uint8Array> | undefined> => {
      opened.push(key);
      const body = files.get(key);
      if (body === undefined) return undefined;
      return (async function* () {
        // Two chunks, so that a file is never judged by its first chunk alone.
        yield body.subarray(0, 3);
        yield body.subarray(3);
      })();
    },
  };
}

function treeFiles(): Map<string, Uint8Array> {
  const { files, catalog } = fixtureTree();
  return new Map<string, Uint8Array>([...files, ['catalog.json', Buffer.from(JSON.stringify(catalog))]]);
}

describe('verifyPublishedTree', () => {
  it('streams every file, latest/ mirrors included, through open alone', async () => {
    const reader = memoryReader(treeFiles());

    const result = await verifyPublishedTree(reader);

    expect(result).toEqual({ checked: 4, problems: [] });
    expect(reader.opened).toEqual([
      'catalog.json',
      'datasets/t/1.0.0/t.csv',
      'datasets/t/latest/t.csv',
      'datasets/t/1.0.0/t.json',
      'datasets/t/latest/t.json',
    ]);
  });

  it('stops reading an endless file just past its stated size', async () => {
    let served = 0;
    const files = treeFiles();
    const reader = {
      open: async (key: string) =>
        key === 'datasets/t/latest/t.json'
          ? (async function* () {
              for (;;) {
                served += 1024;
                yield new Uint8Array(1024);
              }
            })()
          : memoryReader(files).open(key),
    };

    const result = await verifyPublishedTree(reader);

    expect(result.problems).toEqual([
      {
        path: 'datasets/t/latest/t.json',
        message: expect.stringMatching(
          /^differs from datasets\/t\/1\.0\.0\/t\.json, the latest version: has more than 1024 bytes/,
        ),
      },
    ]);
    expect(served).toBe(2048);
  });

  it('turns a reader that throws into a problem for that file, and goes on', async () => {
    const files = treeFiles();
    const reader = {
      open: async (key: string) => {
        if (key === 'datasets/t/1.0.0/t.csv') throw new Error('socket hang up');
        return memoryReader(files).open(key);
      },
    };

    const result = await verifyPublishedTree(reader);

    expect(result).toEqual({
      checked: 4,
      problems: [{ path: 'datasets/t/1.0.0/t.csv', message: 'could not be read: socket hang up' }],
    });
  });

  it('stops at an aborted signal with its reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('the total deadline passed'));

    const result = await verifyPublishedTree(memoryReader(treeFiles()), { signal: controller.signal });

    expect(result).toEqual({
      checked: 0,
      problems: [{ path: 'catalog.json', message: 'stopped: the total deadline passed' }],
    });
  });
});

describe('verifyDistributions', () => {
  it.each([
    'data:text/csv,a',
    'file:///etc/passwd',
    'http://169.254.169.254/latest/meta-data/',
    '//evil.example/x',
    '/etc/passwd',
    '../x',
    'datasets/t/1.0.0/../../../x',
    'datasets/t/1.0.0/%2e%2e/x',
    'datasets\\t\\x',
    'datasets/t/1.0.0/t.csv?x=1',
    'datasets/t/1.0.0/t.csv#x',
    'datasets//t.csv',
    '',
  ])('never opens %j', async (key) => {
    const reader = memoryReader(new Map());
    const file: Distribution = {
      format: 'csv',
      mediaType: 'text/csv',
      path: key,
      bytes: 1,
      sha256: '0'.repeat(64),
    };

    const problems = await verifyDistributions(reader, [file]);

    expect(problems).toEqual([{ path: key, message: expect.stringMatching(/: not read$/) }]);
    expect(reader.opened).toEqual([]);
  });
});

describe('relativeKeyProblem', () => {
  it.each([' ', ' datasets/a.csv', 'datasets/a.csv ', 'a  '])(
    'refuses %j, whose spaces at an end the URL parser drops',
    (key) => {
      expect(relativeKeyProblem(key)).toBe('starts or ends with a space, which URL parsers drop');
      expect(new URL(key, 'https://mirror.example/').pathname).not.toBe(`/${encodeURI(key)}`);
    },
  );

  it.each([
    ['datasets/t/1.0.0/t.csv%00', '"%00"'],
    ['datasets/t/1.0.0/a%2Fb', '"%2F"'],
  ])('names the percent-escape %j holds, not another one', (key, named) => {
    expect(relativeKeyProblem(key)).toBe(
      `contains a percent-escape, ${named}, which URL parsers and servers decode ("%2e%2e" is read as "..")`,
    );
  });

  it('says of a lone "%" that it starts an escape, rather than naming one it does not hold', () => {
    expect(relativeKeyProblem('datasets/t/1.0.0/100%.csv')).toBe(
      'contains "%", which URL parsers and servers read as the start of a percent-escape',
    );
  });

  it('accepts only keys that resolve under any base URL to exactly that key', () => {
    const base = new URL('https://mirror.example/some/base/');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (key) => {
        if (relativeKeyProblem(key) !== undefined) return;
        const url = new URL(key, base);
        expect(url.origin).toBe(base.origin);
        expect(url.pathname.startsWith(base.pathname)).toBe(true);
        expect(decodeURIComponent(url.pathname.slice(base.pathname.length))).toBe(key);
        expect(url.search + url.hash).toBe('');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('relativeKeyProblem: what a key cannot hold unseen', () => {
  it.each([
    ['datasets/a\u200bb.csv', 'U+200B'],
    ['\u202edatasets/a.csv', 'U+202E'],
    ['datasets/a\u00a0b.csv', 'U+00A0'],
    ['datasets/a\u2028b.csv', 'U+2028'],
    ['\ufeffdatasets/a.csv', 'U+FEFF'],
  ])('refuses %j, naming %s', (key, named) => {
    expect(relativeKeyProblem(key)).toBe(
      `contains ${named}, which does not show as itself (it is invisible, shows as a space or reorders the text around it): the key would not read as it is written`,
    );
  });

  it('counts a key in bytes of UTF-8, as S3 does, not in characters', () => {
    const key = `datasets/${'й'.repeat(600)}`; // 609 characters, 1,209 bytes
    expect(key.length).toBeLessThan(MAX_RELATIVE_KEY_BYTES);
    expect(relativeKeyProblem(key)).toBe(`is longer than ${MAX_RELATIVE_KEY_BYTES} bytes in UTF-8`);
    expect(relativeKeyProblem('datasets/a b/ü.csv')).toBeUndefined();
  });
});

describe('bucketPrefixProblem', () => {
  it.each([
    ['/', "is the bucket's root: leave --prefix out to publish there"],
    ['', "is empty: leave --prefix out to publish at the bucket's root"],
    [
      '///',
      'starts with "/" (an absolute or protocol-relative address), not a path relative to the site root',
    ],
    [
      '/site',
      'starts with "/" (an absolute or protocol-relative address), not a path relative to the site root',
    ],
    ['site//', 'ends with more than one "/"'],
    ['a//b', 'has an empty segment ("//" or a trailing "/")'],
    [
      'a\u200bb',
      'contains U+200B, which does not show as itself (it is invisible, shows as a space or reorders the text around it): the key would not read as it is written',
    ],
  ])('refuses %j rather than publishing under another folder', (prefix, problem) => {
    expect(bucketPrefixProblem(prefix)).toBe(problem);
  });

  it('accepts a folder path with one slash after it or none', () => {
    for (const prefix of ['site', 'site/', 'open-data/kz-az', 'open-data/kz-az/'])
      expect(bucketPrefixProblem(prefix)).toBeUndefined();
  });

  it('takes prefixes of up to its limit in bytes of UTF-8', () => {
    expect(bucketPrefixProblem('й'.repeat(MAX_PREFIX_BYTES / 2))).toBeUndefined();
    expect(bucketPrefixProblem(`${'й'.repeat(MAX_PREFIX_BYTES / 2)}/`)).toBeUndefined();
    expect(bucketPrefixProblem(`${'й'.repeat(MAX_PREFIX_BYTES / 2)}a`)).toBe(
      `is ${MAX_PREFIX_BYTES + 1} bytes long in UTF-8, over the ${MAX_PREFIX_BYTES} that leave room under it for the site's keys (S3 takes ${MAX_RELATIVE_KEY_BYTES} for a whole key)`,
    );
  });

  it('accepts only prefixes whose folder is the prefix as written, less one slash after it', () => {
    const piece = fc.constantFrom('a', 'site', '/', '.', '..', ' ', '%2e', '\u200b', '\\', ':');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const prefix = pieces.join('');
        if (bucketPrefixProblem(prefix) !== undefined) return;
        const folder = prefixFolder(prefix);
        expect(folder).toBe(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
        expect(relativeKeyProblem(`${folder}/datasets/trade/1.0.0/trade.csv`)).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
  });
});
