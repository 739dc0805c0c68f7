import { describe, expect, it } from 'vitest';
import { DIRECTORY_INDEX_CODE } from '../../lib/directory-index.js';

interface ViewerRequest {
  uri: string;
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
      expect(result).toMatchObject({ statusCode: 301, headers: { location: { value: `${uri}/` } } });
    },
  );
});
