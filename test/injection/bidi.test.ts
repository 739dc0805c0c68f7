import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { renderDatasetPage } from '../../lambda/core/site/html-dataset.js';
import { renderIndexPage } from '../../lambda/core/site/html-index.js';
import { HAVE_CHROMIUM, launchChromium } from './chromium.js';
import { enterprisesDataset, hostileSite, tradeDataset } from './hostile-site.js';

/** The bidirectional controls, raw or as character references (which a browser turns back into them). */
const BIDI_CONTROL =
  /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|&#(x0*(61c|200[ef]|202[a-e]|206[6-9])|0*(1564|820[67]|823[4-8]|827[0-3]));/i;

function pages(): Map<string, string> {
  const trade = tradeDataset([2001, 2002]);
  const enterprises = enterprisesDataset();
  const context = hostileSite([trade, enterprises]);
  return new Map([
    ['index.html', renderIndexPage(context).value],
    ['datasets/trade/index.html', renderDatasetPage(context, trade).value],
    ['datasets/enterprises/index.html', renderDatasetPage(context, enterprises).value],
  ]);
}

describe('bidirectional controls in data cannot change what a page shows', () => {
  it('no page holds a raw bidi control character (each is shown as a visible mark)', () => {
    for (const [key, page] of pages()) {
      expect(BIDI_CONTROL.exec(page)?.[0], key).toBeUndefined();
      // Made visible rather than dropped, so the reader sees that the source held one.
      expect(page, key).toContain('\\u{202e}');
    }
  });

  it('every preview cell is isolated, so one cell cannot reorder its neighbours', () => {
    const page = pages().get('datasets/trade/index.html') ?? '';
    const preview = page.slice(page.indexOf('id="preview"'), page.indexOf('id="versions"'));
    // The row cells; the detail row under each holds its long values in <bdi> and <q dir="auto">.
    const cells = [...preview.matchAll(/<td\b(?![^>]*colspan)[^>]*>/g)].map(([tag]) => tag);
    expect(cells.length).toBeGreaterThan(2);
    for (const tag of cells) expect(tag).toContain('dir="auto"');
  });

  it.skipIf(!HAVE_CHROMIUM)('in a browser, the stored digits 0001 are the digits displayed', async () => {
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.newPage();
      await page.setContent(pages().get('datasets/trade/index.html') ?? '');
      const text = await page.innerText('section[aria-labelledby="preview"]');
      expect(BIDI_CONTROL.exec(text)?.[0]).toBeUndefined();
      expect(text).toContain('0001');
    } finally {
      await browser?.close();
    }
  });
});
