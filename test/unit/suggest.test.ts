import { describe, expect, it } from 'vitest';
import { didYouMean, suggest } from '../../lambda/core/suggest.js';

describe('what a mistyped name suggests', () => {
  it('is the name one or two slips away, in other letter case, or one it begins', () => {
    expect(suggest('yaer', ['year', 'id'])).toBe('year');
    expect(suggest('idd', ['year', 'id'])).toBe('id');
    expect(suggest('ud', ['year', 'id'])).toBe('id');
    expect(suggest('ID', ['year', 'id'])).toBe('id');
    expect(suggest('--base', ['--base-url', '--bucket'])).toBe('--base-url');
  });

  it('is nothing where every character would be replaced: no slip of the keys makes "x" of "id"', () => {
    expect(suggest('x', ['id', 'title'])).toBeUndefined();
    expect(suggest('ab', ['id', 'xy'])).toBeUndefined();
    expect(didYouMean('x', ['id'])).toBe('');
  });
});
