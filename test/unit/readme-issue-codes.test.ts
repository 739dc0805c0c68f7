import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ISSUE_CODES } from '../../lambda/core/issue.js';
import { REPO_ROOT } from '../support/workspace.js';

describe("the README's list of issue codes", () => {
  it('names every code a report can carry', async () => {
    const readme = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const list = readme.slice(readme.indexOf('Issue codes:'), readme.indexOf('A report lists at most'));

    expect(ISSUE_CODES.filter((code) => !list.includes(`\`${code}\``))).toEqual([]);
  });
});
