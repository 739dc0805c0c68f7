import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSiteServer } from '../../bin/site-server.js';
import type { Catalog } from '../../lambda/core/catalog.js';
import { makeWorkspace, readJson, REPO_ROOT, publishWorkspace } from '../support/workspace.js';

/** Debian's Chromium; the test never lets a tool download a browser of its own. */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

if (!existsSync(CHROMIUM)) {
  console.warn(
    `Skipping the browser test: ${CHROMIUM} not found (install it with: apt-get install chromium).`,
  );
}

// Callbacks passed to the page run in the browser; the project compiles without the DOM library, so the
// little of it they use is declared here.
interface BrowserElement {
  readonly href?: string;
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number; height: number };
  querySelector(selector: string): BrowserElement | null;
  querySelectorAll(selector: string): { length: number };
}
declare const document: {
  getElementById(id: string): BrowserElement | null;
  documentElement: { scrollWidth: number };
};
declare const window: {
  innerWidth: number;
  axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> };
};

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** What one visit of a page found. */
interface PageReport {
  url: string;
  status: number | undefined;
  links: string[];
  missingAnchors: string[];
  violations: AxeViolation[];
  charts: { width: number; height: number; title: string; desc: string; marks: number }[];
  cardTitles: string[];
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function inspect(page: Page, url: string, axe: string): Promise<PageReport> {
  const response = await page.goto(url);
  const links = await page.$$eval('a[href], link[href]', (elements) =>
    (elements as unknown as BrowserElement[]).map((element) => element.href ?? ''),
  );
  const missingAnchors = await page.$$eval('a[href^="#"]', (anchors) =>
    (anchors as unknown as BrowserElement[])
      .map((anchor) => decodeURIComponent(anchor.getAttribute('href')?.slice(1) ?? ''))
      .filter((id) => document.getElementById(id) === null),
  );
  const charts = await page.$$eval('section[aria-labelledby="charts"] .chart-wide svg[role="img"]', (svgs) =>
    (svgs as unknown as BrowserElement[]).map((svg) => {
      const box = svg.getBoundingClientRect();
      return {
        width: box.width,
        height: box.height,
        title: svg.querySelector('title')?.textContent ?? '',
        desc: svg.querySelector('desc')?.textContent ?? '',
        marks: svg.querySelectorAll('circle, rect, path').length,
      };
    }),
  );
  const cardTitles = await page.locator('.card h2').allTextContents();
  // Evaluated over the DevTools protocol: the site's CSP (script-src 'none') rightly refuses an inline <script> tag.
  await page.evaluate(axe);
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return { url, status: response?.status(), links, missingAnchors, violations, charts, cardTitles };
}

describe.skipIf(!existsSync(CHROMIUM))('the published site in a real browser', () => {
  let server: Server | undefined;
  let browser: Browser | undefined;
  let origin: string;
  let catalog: Catalog;
  const reports: PageReport[] = [];
  const files = new Map<string, number>();
  const consoleErrors: string[] = [];

  // One crawl from index.html: every page once (links, anchors, charts, axe), then every linked file.
  beforeAll(async () => {
    const ws = await makeWorkspace();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}/`;
    const published = await publishWorkspace(ws, '--base-url', origin);
    expect(published.code, published.stderr).toBe(0);
    catalog = await readJson<Catalog>(path.join(ws.out, 'catalog.json'));
    server = createSiteServer(ws.out);
    await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        // Tabs crawling side by side must not have their timers throttled: axe schedules its work on them.
        '--disable-background-timer-throttling',
        '--disable-renderer-backgrounding',
        '--disable-backgrounding-occluded-windows',
      ],
    });
    // Two tabs crawl side by side (axe takes a second or more per page); one context keeps opening tabs cheap.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const tabs = [await context.newPage(), await context.newPage()];
    for (const tab of tabs) {
      tab.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(`${tab.url()}: ${message.text()}`);
      });
      tab.on('pageerror', (error) => consoleErrors.push(`${tab.url()}: ${error.message}`));
    }
    const axe = await readFile(AXE_SOURCE, 'utf8');

    const seen = new Set([`${origin}index.html`]);
    let pending = [...seen];
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      const found = await Promise.all(
        tabs.map(async (tab, worker) => {
          const mine: PageReport[] = [];
          for (let i = worker; i < batch.length; i += tabs.length)
            mine.push(await inspect(tab, batch[i] ?? '', axe));
          return mine;
        }),
      );
      for (const report of found.flat().sort((a, b) => batch.indexOf(a.url) - batch.indexOf(b.url))) {
        reports.push(report);
        for (const link of report.links) {
          const target = new URL(link);
          target.hash = '';
          if (`${target.origin}/` !== origin || seen.has(target.href)) continue;
          seen.add(target.href);
          if (target.pathname.endsWith('.html')) pending.push(target.href);
          else files.set(target.href, 0);
        }
      }
    }
    const page = tabs[0] ?? (await context.newPage());
    for (const file of files.keys()) files.set(file, (await fetch(file, { method: 'HEAD' })).status);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.goto(`${origin}index.html`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'index.png'), fullPage: true });
    await page.goto(`${origin}datasets/trade/index.html`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dataset-trade.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${origin}datasets/visits/index.html`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dataset-visits-phone.png') });
  }, 180_000); // publishes, starts Chromium and crawls every page: minutes on a loaded 2-core machine

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
  });

  it('lists every dataset on the index and reaches every dataset page from it', () => {
    expect(reports[0]?.cardTitles).toEqual(catalog.datasets.map((dataset) => dataset.title));
    expect(reports.map((report) => report.url).sort()).toEqual(
      [
        `${origin}index.html`,
        ...catalog.datasets.map((dataset) => `${origin}datasets/${dataset.id}/index.html`),
      ].sort(),
    );
  });

  it('resolves every link on every page (no 404, no in-page link without its target)', () => {
    expect(reports.map((report) => [report.url, report.status])).toEqual(
      reports.map((report) => [report.url, 200]),
    );
    expect(reports.flatMap((report) => report.missingAnchors.map((id) => `${report.url}#${id}`))).toEqual([]);
    expect([...files].filter(([, status]) => status !== 200)).toEqual([]);
    // Each dataset page links at least its six version files and the chart or machine-readable files.
    expect(files.size).toBeGreaterThan(catalog.datasets.length * 6);
  });

  it('logs no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });

  it('draws the charts as accessible SVG with a title and a description', () => {
    const chartsOf = (id: string): PageReport['charts'] =>
      reports.find((report) => report.url === `${origin}datasets/${id}/index.html`)?.charts ?? [];

    expect(chartsOf('trade')).toHaveLength(1);
    expect(chartsOf('visits')).toHaveLength(1);
    expect(chartsOf('enterprises')).toHaveLength(2);
    expect(chartsOf('milestones')).toHaveLength(1);
    expect(chartsOf('transport')).toHaveLength(1);
    expect(chartsOf('trade-by-year')).toHaveLength(1);
    for (const chart of [
      'trade',
      'trade-by-year',
      'visits',
      'enterprises',
      'milestones',
      'transport',
    ].flatMap(chartsOf)) {
      expect(chart.width).toBeGreaterThan(300);
      expect(chart.height).toBeGreaterThan(100);
      expect(chart.title.length).toBeGreaterThan(10);
      expect(chart.desc.length).toBeGreaterThan(40);
      expect(chart.marks).toBeGreaterThanOrEqual(3);
    }
    expect(chartsOf('trade')[0]?.desc).toContain('2018: 258.3 (flagged: turnover-2018)');
    expect(chartsOf('trade')[0]?.desc).toContain('2018: 220.54 (flagged: turnover-2018)');
  });

  it('has no serious or critical accessibility violations (axe-core)', () => {
    const serious = reports.flatMap((report) =>
      report.violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map(
          (violation) =>
            `${report.url}: [${violation.impact ?? ''}] ${violation.id}: ${violation.help} at ${JSON.stringify(violation.nodes.slice(0, 3).map((node) => node.target))}`,
        ),
    );
    expect(serious).toEqual([]);
  });

  it('fits a phone screen without sideways scrolling of the page', async () => {
    const page = await browser?.newPage({ viewport: { width: 390, height: 844 } });
    for (const url of [`${origin}index.html`, `${origin}datasets/trade/index.html`]) {
      await page?.goto(url);
      const overflow = await page?.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, url).toBeLessThanOrEqual(0);
    }
    await page?.close();
  });
});
