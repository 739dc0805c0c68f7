import { describe, expect, it } from 'vitest';
import { deploymentRevision } from '../../lib/deployment-revision.js';

describe('deploymentRevision', () => {
  const code = ['a1.zip'];

  it('is stable for the same sources and code', () => {
    expect(deploymentRevision('src-1', code)).toBe(deploymentRevision('src-1', ['a1.zip']));
  });

  it('changes when the sources change, and when only the code changes', () => {
    const base = deploymentRevision('src-1', code);

    expect(deploymentRevision('src-2', code)).not.toBe(base);
    expect(deploymentRevision('src-1', ['b2.zip'])).not.toBe(base);
  });
});
