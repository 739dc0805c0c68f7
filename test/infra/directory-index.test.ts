import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MUTABLE_CACHE } from '../../lambda/core/site-headers.js';
import { DIRECTORY_INDEX_CODE } from '../../lib/directory-index.js';

interface ViewerRequest {
  uri: string;
  /** The query string as sent, without its `?` (undefined without one), as CloudFront's runtime 2.0 gives it. */
  rawQueryString?: () => string | undefined;
}
type Handler = (event: {
  request: ViewerRequest;
}) => ViewerRequest | { statusCode: number; headers: Record<string, { value: string }> };

// The CloudFront Functions runtime is plain JavaScript: evaluate the same source here.
const handler = new Function(`${DIRECTORY_INDEX_CODE}\nreturn handler;`)() as Handler;

describe('the directory-index CloudFront Function', () => {
  it.each([
    ['/', '/index.html'],
    ['/datasets/trade/', '/datasets/trade/index.html'],
    ['/catalog.json', '/catalog.json'],
    ['/datasets/trade/1.0.0/trade.csv', '/datasets/trade/1.0.0/trade.csv'],
    ['/datasets/trade/latest/datapackage.json', '/datasets/trade/latest/datapackage.json'],
  ])('serves %s from %s', (uri, expected) => {
    // Act
    const result = handler({ request: { uri } });

    // Assess
    expect(result).toEqual({ uri: expected });
  });

  it.each([['/datasets/trade'], ['/datasets']])(
    'redirects %s to the directory, with a trailing slash',
    (uri) => {
      // Act
      const result = handler({ request: { uri } });

      // Assess
      // Cached as briefly as serve's redirects and every file that moves.
      expect(result).toMatchObject({
        statusCode: 301,
        headers: { location: { value: `${uri}/` }, 'cache-control': { value: MUTABLE_CACHE } },
      });
    },
  );

  it.each([
    ['/datasets/trade/latest/', '/datasets/trade/'],
    ['/datasets/trade/1.0.0/', '/datasets/trade/'],
    ['/datasets/visits/cite/', '/datasets/visits/'],
  ])("redirects %s, a folder of a dataset's files with no page, to the dataset's page", (uri, location) => {
    // Act
    const result = handler({ request: { uri } });

    // Assess
    expect(result).toMatchObject({
      statusCode: 302,
      headers: { location: { value: location }, 'cache-control': { value: MUTABLE_CACHE } },
    });
  });

  it.each([
    ['x=1&tag=a&tag=b%20c&flag', '?x=1&tag=a&tag=b%20c&flag'],
    ['', ''],
    [undefined, ''],
    ['q=\u00e9', ''],
    ['q=a b', ''],
  ])(
    'on both redirects, the query string %j becomes %j: kept as sent when it is plain printable ASCII',
    (raw, kept) => {
      const rawQueryString = (): string | undefined => raw;

      const toSlash = handler({ request: { uri: '/datasets/trade', rawQueryString } });
      const toPage = handler({ request: { uri: '/datasets/trade/latest/', rawQueryString } });

      expect(toSlash).toMatchObject({ headers: { location: { value: `/datasets/trade/${kept}` } } });
      expect(toPage).toMatchObject({ headers: { location: { value: `/datasets/trade/${kept}` } } });
    },
  );

  it('never gives a Location another site could be read from, whatever the path and query string', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        '',
        '.',
        '..',
        'datasets',
        'trade',
        'latest',
        '1.0.0',
        'evil.example',
        '\\',
        '%2F',
        '%5C',
        '@',
      ),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 5 }),
        fc.boolean(),
        fc.option(fc.string()),
        (pieces, slash, raw) => {
          const uri = `/${pieces.join('/')}${slash ? '/' : ''}`;
          const result = handler({ request: { uri, rawQueryString: () => raw ?? undefined } });
          if (!('statusCode' in result) || result.statusCode === 404) return;
          const location = result.headers.location?.value ?? '';
          expect(location).toMatch(/^\/(?![/\\])/);
          expect(location).not.toMatch(/[^\x21-\x7e]/);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it.each([
    ['//evil.example/x'],
    ['//evil.example'],
    ['/datasets/a b/'],
    ['/datasets/\u00e9'],
    ['/\\evil.example/x'],
    ['/datasets//trade'],
    ['/a\\b/'],
  ])(
    'answers %s, a path with an empty segment, a backslash or other than printable ASCII, 404: never a redirect to another site',
    (uri) => {
      const result = handler({ request: { uri, rawQueryString: () => 'a=1' } });

      expect(result).toEqual({ statusCode: 404, statusDescription: 'Not Found' });
    },
  );
});
