import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, publishWorkspace } from '../support/workspace.js';

const CHROMIUM = '/usr/bin/chromium';

declare const document: { documentElement: { scrollWidth: number } };
declare const window: { innerWidth: number };

/**
 * A curator's title or keyword with no space to break at (a long compound, a URL, a run of one letter)
 * once made the index and the dataset page wider than a phone's screen, and a laptop's: 3,129 and
 * 4,649 px in a 390 px viewport.
 */
describe.skipIf(!existsSync(CHROMIUM))('a title and a keyword with no place to break', () => {
  it('still fit the screen on a phone and on a laptop', async () => {
    const ws = await makeWorkspace();
    const file = path.join(ws.data, 'transport.dataset.json');
    const descriptor = JSON.parse(await readFile(file, 'utf8')) as { title: string; keywords: string[] };
    descriptor.title = `Transport ${'Ə'.repeat(150)}`;
    descriptor.keywords = [...descriptor.keywords, `https://example.org/${'x'.repeat(400)}`];
    await writeFile(file, `${JSON.stringify(descriptor, null, 2)}\n`);
    const published = await publishWorkspace(ws, 'transport');
    expect(published.code, published.stderr).toBe(0);

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const overflow: Record<string, number> = {};
    try {
      for (const width of [390, 1366]) {
        const page = await browser.newPage({ viewport: { width, height: 844 } });
        for (const key of ['index.html', 'datasets/transport/index.html']) {
          await page.goto(`file://${path.join(ws.out, key)}`);
          overflow[`${key} at ${width}`] = await page.evaluate(
            () => document.documentElement.scrollWidth - window.innerWidth,
          );
        }
        await page.close();
      }
    } finally {
      await browser.close();
    }
    expect(overflow).toEqual({
      'index.html at 390': 0,
      'datasets/transport/index.html at 390': 0,
      'index.html at 1366': 0,
      'datasets/transport/index.html at 1366': 0,
    });
  }, 60_000);
});
