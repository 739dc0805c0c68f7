import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, publishWorkspace } from '../support/workspace.js';

/** The links a dataset page's text makes to other dataset pages, and whether their targets exist. */
async function mentions(out: string, id: string): Promise<{ targets: string[]; text: string }> {
  const page = await readFile(path.join(out, 'datasets', id, 'index.html'), 'utf8');
  const targets = [...page.matchAll(/<a href="\.\.\/([a-z0-9-]+)\/index\.html">\1<\/a>/g)].map(
    ([, target = '']) => target,
  );
  for (const target of targets)
    expect(existsSync(path.join(out, 'datasets', target, 'index.html'))).toBe(true);
  return { targets: [...new Set(targets)].sort(), text: page };
}

describe('a description that names another dataset links to it', () => {
  it('links "the <id> dataset" and hyphenated ids, not the bare word', async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws)).code).toBe(0);

    expect((await mentions(ws.out, 'trade-by-year')).targets).toEqual(['trade']);
    expect((await mentions(ws.out, 'milestones')).targets).toEqual(['enterprises', 'visits']);
    const enterprises = await mentions(ws.out, 'enterprises');
    expect(enterprises.targets).toEqual(['trade-by-year', 'transport']);
    // "unlike trade, which has trade-by-year": the word trade alone stays text.
    expect(enterprises.text).toContain('unlike trade, which has <a href="../trade-by-year/index.html">');
  }, 120_000);

  it('leaves the name as text when that dataset is not in the catalog (no broken link)', async () => {
    const ws = await makeWorkspace();
    for (const file of ['trade-by-year.csv', 'trade-by-year.dataset.json'])
      await rm(path.join(ws.data, file));
    await rm(path.join(ws.schemas, 'trade-by-year.schema.json'));
    expect((await publishWorkspace(ws)).code).toBe(0);

    const enterprises = await mentions(ws.out, 'enterprises');
    expect(enterprises.targets).toEqual(['transport']);
    expect(enterprises.text).toContain('unlike trade, which has trade-by-year)');
  }, 120_000);
});
