import { describe, expect, it } from 'vitest';
import { DIRECTORY_INDEX_CODE } from '../../lib/directory-index.js';

/** A query string parameter as CloudFront Functions give it: one value, or several. */
interface Parameter {
  value: string;
  multiValue?: { value: string }[];
}
interface ViewerRequest {
  uri: string;
  querystring?: Record<string, Parameter>;
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
      const result = handler({ request: { uri, querystring: {} } });

      // Assess
      expect(result).toMatchObject({ statusCode: 301, headers: { location: { value: `${uri}/` } } });
    },
  );

  it.each([
    ['/datasets/trade/latest/', '/datasets/trade/'],
    ['/datasets/trade/1.0.0/', '/datasets/trade/'],
    ['/datasets/visits/cite/', '/datasets/visits/'],
  ])("redirects %s, a folder of a dataset's files with no page, to the dataset's page", (uri, location) => {
    // Act
    const result = handler({ request: { uri, querystring: {} } });

    // Assess
    expect(result).toMatchObject({ statusCode: 302, headers: { location: { value: location } } });
  });

  it('keeps the query string on a redirect, every value of a repeated parameter included', () => {
    const querystring = {
      x: { value: '1' },
      tag: { value: 'a', multiValue: [{ value: 'a' }, { value: 'b%20c' }] },
    };

    const toSlash = handler({ request: { uri: '/datasets/trade', querystring } });
    const toPage = handler({ request: { uri: '/datasets/trade/latest/', querystring } });

    expect(toSlash).toMatchObject({
      headers: { location: { value: '/datasets/trade/?x=1&tag=a&tag=b%20c' } },
    });
    expect(toPage).toMatchObject({
      headers: { location: { value: '/datasets/trade/?x=1&tag=a&tag=b%20c' } },
    });
  });
});
