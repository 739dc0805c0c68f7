import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace, publishWorkspace } from '../support/workspace.js';
import { LETTERS, makeServeTree, startServer, type RunningServer } from './serve-fixture.js';

/** Debian's Chromium; a browser is never downloaded. */
const CHROMIUM = '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  console.warn(
    `Skipping the serve browser test: ${CHROMIUM} not found (install it with: apt-get install chromium).`,
  );
}

// The callbacks below run in the page; the project compiles without the DOM library.
declare const document: {
  title: string;
  querySelector(selector: string): { textContent: string | null } | null;
};

interface InPageAnswer {
  status: number;
  body: string;
  contentRange: string | null;
}

/** Every console error and CSP violation a page reports. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

describe.skipIf(!existsSync(CHROMIUM))('serve in a real browser', () => {
  let site: RunningServer;
  let published: RunningServer;
  let otherOrigin: Server;
  let otherBase: string;
  let browser: Browser;

  beforeAll(async () => {
    const tree = await makeServeTree();
    // A page with an injected inline script and an inline style: the CSP must stop the one and allow the other.
    await writeFile(
      path.join(tree.root, 'injected.html'),
      '<!doctype html><html lang="en"><head><title>untouched</title><style>h1{color:rgb(1,2,3)}</style>' +
        '<script>document.title = "script ran"</script></head><body><h1>injected</h1></body></html>',
    );
    site = await startServer(tree.root);

    const ws = await makeWorkspace();
    const result = await publishWorkspace(ws, 'trade');
    expect(result.code, result.stderr).toBe(0);
    published = await startServer(ws.out);

    // Another origin: a loopback server on another port whose page may run scripts.
    otherOrigin = createServer((_, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><html lang="en"><title>another site</title><p>another site</p></html>');
    });
    await new Promise<void>((resolve) => otherOrigin.listen(0, '127.0.0.1', resolve));
    otherBase = `http://127.0.0.1:${(otherOrigin.address() as AddressInfo).port}`;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await published?.close();
    otherOrigin?.closeAllConnections();
    await new Promise((resolve) => otherOrigin?.close(resolve));
  });

  it('a page on another origin sends Range: bytes=5-2 (which used to kill serve); serve answers and keeps serving', async () => {
    const page = await browser.newPage();
    await page.goto(`${otherBase}/`);
    const url = `${site.base}/datasets/trade/1.0.0/letters.csv`;

    const answers = await page.evaluate(async (target: string): Promise<InPageAnswer[]> => {
      const results: InPageAnswer[] = [];
      for (const range of ['bytes=5-2', 'bytes=0-4', 'bytes=-5']) {
        const response = await fetch(target, { headers: { Range: range } });
        results.push({
          status: response.status,
          body: await response.text(),
          contentRange: response.headers.get('content-range'),
        });
      }
      return results;
    }, url);
    await page.close();
    const after = await fetch(url);

    expect(answers).toEqual([
      { status: 200, body: LETTERS, contentRange: null },
      { status: 206, body: 'abcde', contentRange: 'bytes 0-4/26' },
      { status: 206, body: 'vwxyz', contentRange: 'bytes 21-25/26' },
    ]);
    expect(after.status).toBe(200);
    expect(await after.text()).toBe(LETTERS);
  });

  it('the published pages work under the CSP: no violation, no console error, JSON-LD in place', async () => {
    const page = await browser.newPage();
    const problems = watch(page);

    for (const url of [`${published.base}/`, `${published.base}/datasets/trade/`]) {
      const response = await page.goto(url);
      expect(response?.status(), url).toBe(200);
      expect(response?.headers()['content-security-policy'], url).toContain("script-src 'none'");
    }
    const jsonLd = await page.evaluate(
      () => document.querySelector('script[type="application/ld+json"]')?.textContent ?? '',
    );
    await page.close();

    expect(problems).toEqual([]);
    expect(JSON.parse(jsonLd)).toHaveProperty('@context');
  });

  it('an injected inline script does not run; the inline stylesheet applies', async () => {
    const page = await browser.newPage();
    const problems = watch(page);

    await page.goto(`${site.base}/injected.html`);
    const title = await page.title();
    const color = await page.locator('h1').evaluate((element) => getComputedStyle(element).color);
    await page.close();

    expect(title).toBe('untouched');
    expect(color).toBe('rgb(1, 2, 3)');
    expect(problems.join('\n')).toMatch(/Content Security Policy/);
  });
});

declare function getComputedStyle(element: unknown): { color: string };
