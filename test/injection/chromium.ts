import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium; no tool ever downloads a browser of its own. */
export const CHROMIUM = '/usr/bin/chromium';

/** True when the browser is installed; tests that need it skip (with a message) otherwise. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  console.warn(`Skipping browser checks: ${CHROMIUM} not found (install it with: apt-get install chromium).`);
}

/** Launches the headless browser (offline: the pages are set as content, never fetched). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
