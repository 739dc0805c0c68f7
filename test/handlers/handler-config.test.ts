import { describe, expect, it } from 'vitest';
import { ConfigurationError, ENV, requireUrl, requireVariable } from '../../lambda/handlers/environment.js';

describe('handler configuration', () => {
  it.each([[{}], [{ SOURCE_BUCKET: '' }], [{ SOURCE_BUCKET: '  ' }]])(
    'fails fast naming the variable in %j',
    (env) => {
      // Act
      const read = () => requireVariable(env, ENV.sourceBucket);

      // Assess
      expect(read).toThrow(ConfigurationError);
      expect(read).toThrow('environment variable SOURCE_BUCKET is not set');
    },
  );

  it.each([
    ['https://d111.cloudfront.net/', 'https://d111.cloudfront.net/'],
    ['https://data.example.org', 'https://data.example.org/'],
  ])('reads the site URL %s as %s', (value, expected) => {
    // Act
    const url = requireUrl({ SITE_URL: value }, ENV.siteUrl);

    // Assess
    expect(url).toBe(expected);
  });

  it('refuses a site URL that is not http(s)', () => {
    // Act
    const read = () => requireUrl({ SITE_URL: 'd111.cloudfront.net' }, ENV.siteUrl);

    // Assess
    expect(read).toThrow('environment variable SITE_URL must be an http(s) URL, not "d111.cloudfront.net"');
  });
});
