import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LETTERS,
  makeServeTree,
  rawRequest,
  SECRET,
  startServer,
  type RunningServer,
} from './serve-fixture.js';

/** Every status the server may answer with; 431 and 400 come from Node's parser for oversized or broken requests. */
const VALID_STATUSES = new Set([200, 206, 301, 302, 304, 400, 404, 414, 416, 431]);
const LETTERS_URL = '/datasets/trade/1.0.0/letters.csv';

let site: RunningServer;
const unexpected: unknown[] = [];

beforeAll(async () => {
  const tree = await makeServeTree();
  site = await startServer(tree.root, { onError: (error) => unexpected.push(error) });
});

afterAll(async () => {
  await site.close();
});

/** Path pieces that have broken static servers: traversal, encodings, NUL, the symlinks out, very long names. */
const PIECES = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2e',
  '%2e',
  '.%2e',
  '%2f',
  '%2F',
  '%5c',
  '\\',
  '%00',
  '\u0000',
  '%',
  '%zz',
  '%ff',
  '%C3%A9',
  'é',
  '',
  '?x=1',
  '#top',
  'index.html',
  'datasets',
  'trade',
  '1.0.0',
  'letters.csv',
  'outside.txt',
  'outside-dir',
  'absolute.txt',
  'inside.csv',
  'inside-dir',
  'secret',
  'secret.txt',
  '.hidden.txt',
  'a'.repeat(300),
  'a'.repeat(20_000),
];

// Request-line safe except on purpose: CR and LF would start a new header, which is a different test.
const noLineBreak = (text: string): boolean => !/[\r\n]/.test(text);

const hostilePath = fc
  .tuple(
    fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 12 }).filter(noLineBreak)), {
      maxLength: 8,
    }),
    fc.boolean(),
  )
  .map(([pieces, trailingSlash]) => `/${pieces.join('/')}${trailingSlash ? '/' : ''}`);

const position = fc.oneof(
  fc.nat(40).map(String),
  fc.constantFrom('', '0', '25', '26', '-1', '1e3', '0x10', ' 3', '9'.repeat(30), '9'.repeat(400)),
);
const rangeSpec = fc.oneof(
  fc.tuple(position, position).map(([first, last]) => `${first}-${last}`),
  position.map((suffix) => `-${suffix}`),
  fc.constantFrom('', '-', '--', ',', 'a-b', '5-2'),
);
const structuredRange = fc
  .tuple(
    fc.constantFrom('bytes', 'BYTES', 'Bytes', 'items', '', 'bytes '),
    fc.array(rangeSpec, { minLength: 1, maxLength: 6 }),
    fc.constantFrom(',', ', ', ' ,\t', ',,'),
  )
  .map(([unit, specs, separator]) => `${unit}=${specs.join(separator)}`);
const hostileRange = fc.oneof(structuredRange, fc.string({ maxLength: 40 }).filter(noLineBreak));

/** What any answer for the range fixture must satisfy, whatever the Range header was. */
function checkLettersAnswer(status: number, headers: Readonly<Record<string, string>>, body: Buffer): void {
  const text = body.toString('latin1');
  if (status === 200) expect(text).toBe(LETTERS);
  if (status === 206) {
    const match = /^bytes (\d+)-(\d+)\/26$/.exec(headers['content-range'] ?? '');
    expect(match, headers['content-range']).not.toBeNull();
    const start = Number(match?.[1]);
    const end = Number(match?.[2]);
    expect(start).toBeLessThanOrEqual(end);
    expect(end).toBeLessThan(26);
    expect(text).toBe(LETTERS.slice(start, end + 1));
  }
  if (status === 416) expect(headers['content-range']).toBe('bytes */26');
}

describe('hostile requests (fast-check)', () => {
  it('any Range header on a file: a valid status, and exactly the bytes the status promises', async () => {
    await fc.assert(
      fc.asyncProperty(hostileRange, async (range) => {
        const response = await rawRequest(site.port, LETTERS_URL, { Range: range });

        expect(response, range).toBeDefined();
        if (response === undefined) return;
        expect(VALID_STATUSES.has(response.status), `${response.status} for ${range}`).toBe(true);
        checkLettersAnswer(response.status, response.headers, response.body);
      }),
      { numRuns: 400 },
    );
  });

  it('any path with any Range header: a valid status, never a byte from outside the tree', async () => {
    await fc.assert(
      fc.asyncProperty(hostilePath, hostileRange, async (target, range) => {
        const response = await rawRequest(site.port, target, { Range: range });

        // Node's parser may drop a request line it cannot read without an answer; the server must live on.
        if (response === undefined) return;
        expect(VALID_STATUSES.has(response.status), `${response.status} for ${JSON.stringify(target)}`).toBe(
          true,
        );
        expect(response.body.toString('latin1')).not.toContain(SECRET);
      }),
      { numRuns: 400 },
    );
  });

  it('is still up and unharmed after all of it', async () => {
    const response = await fetch(`${site.base}${LETTERS_URL}`, { headers: { Range: 'bytes=-3' } });

    expect(response.status).toBe(206);
    expect(await response.text()).toBe('xyz');
    expect(unexpected).toEqual([]);
  });
});
