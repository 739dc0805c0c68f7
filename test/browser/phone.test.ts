import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSiteServer } from '../../bin/site-server.js';
import type { Catalog } from '../../lambda/core/catalog.js';
import { HAVE_XML_PARSER, xmlParseError } from '../injection/xml-parser.js';
import { makeWorkspace, publishWorkspace, readJson, REPO_ROOT } from '../support/workspace.js';

/**
 * Every page of a freshly published tree, opened in Debian's Chromium as a
 * 390 px phone and a 1366 px laptop: nothing wider than the screen, every chart
 * whole and its text at 11 px or more, no label on another label or across a
 * line, axe clean; and every chart's standalone SVG parsed by expat and opened
 * on its own. Screenshots go to test-artifacts/ for a person to look at.
 */

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const WIDTHS = [390, 1366] as const;
/** The smallest chart text a reader gets, in CSS pixels. */
const MIN_CHART_TEXT_PX = 11;

if (!existsSync(CHROMIUM)) {
  console.warn(`Skipping the phone and laptop checks: ${CHROMIUM} not found (apt-get install chromium).`);
}

// The callbacks below run in the page; the project compiles without the DOM library.
interface Rect {
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
  height: number;
}
interface SvgNode {
  getAttribute(name: string): string | null;
  getBoundingClientRect(): Rect;
  getBBox(): { x: number; y: number; width: number; height: number };
  getScreenCTM(): { a: number } | null;
  querySelectorAll(selector: string): Iterable<SvgNode>;
  textContent: string | null;
}
declare const document: {
  documentElement: { scrollWidth: number };
  querySelectorAll(selector: string): Iterable<SvgNode>;
};
declare const window: {
  innerWidth: number;
  getComputedStyle(node: SvgNode): { fontSize: string; display: string };
  axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> };
};

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** What one chart looks like as drawn: its place on screen, its text boxes and lines in its own units. */
interface DrawnChart {
  id: string;
  rect: Rect;
  smallestTextPx: number;
  texts: { text: string; box: Box }[];
  lines: { x1: number; y1: number; x2: number; y2: number }[];
}

interface PageCheck {
  url: string;
  width: number;
  overflow: number;
  viewport: number;
  /** Dates and year ranges drawn on more than one line. */
  brokenDates: string[];
  charts: DrawnChart[];
  violations: AxeViolation[];
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The charts a reader sees (the layout the stylesheet shows at this width), as drawn by Chromium. */
async function drawnCharts(page: Page, selector: string): Promise<DrawnChart[]> {
  return page.$$eval(selector, (svgs) =>
    (svgs as unknown as SvgNode[])
      .filter((svg) => svg.getBoundingClientRect().width > 0)
      .map((svg) => {
        const scale = svg.getScreenCTM()?.a ?? 1;
        const texts = [...svg.querySelectorAll('text')].map((text) => {
          const box = text.getBBox();
          return {
            text: text.textContent ?? '',
            size: parseFloat(window.getComputedStyle(text).fontSize) * scale,
            box: { x1: box.x, y1: box.y, x2: box.x + box.width, y2: box.y + box.height },
          };
        });
        const r = svg.getBoundingClientRect();
        return {
          id: svg.getAttribute('aria-labelledby') ?? '',
          rect: {
            left: r.left,
            right: r.right,
            top: r.top,
            bottom: r.bottom,
            width: r.width,
            height: r.height,
          },
          smallestTextPx: Math.min(...texts.map((text) => text.size)),
          texts: texts.map(({ text, box }) => ({ text, box })),
          lines: [...svg.querySelectorAll('line')].map((line) => ({
            x1: Number(line.getAttribute('x1')),
            y1: Number(line.getAttribute('y1')),
            x2: Number(line.getAttribute('x2')),
            y2: Number(line.getAttribute('y2')),
          })),
        };
      }),
  );
}

/** Overlap of two boxes in both directions, beyond a hair's breadth of anti-aliasing. */
function overlap(a: Box, b: Box): boolean {
  const hair = 0.5;
  return a.x1 + hair < b.x2 && b.x1 + hair < a.x2 && a.y1 + hair < b.y2 && b.y1 + hair < a.y2;
}

/** Whether a segment passes through the inside of a box (sampled finely: lines are short, boxes are text). */
function crosses(box: Box, line: { x1: number; y1: number; x2: number; y2: number }): boolean {
  const inner = { x1: box.x1 + 0.5, y1: box.y1 + 0.5, x2: box.x2 - 0.5, y2: box.y2 - 0.5 };
  const steps = Math.max(1, Math.ceil(Math.hypot(line.x2 - line.x1, line.y2 - line.y1) / 0.25));
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    const [px, py] = [line.x1 + (line.x2 - line.x1) * t, line.y1 + (line.y2 - line.y1) * t];
    if (px > inner.x1 && px < inner.x2 && py > inner.y1 && py < inner.y2) return true;
  }
  return false;
}

/** Every collision in a chart: labels on labels, and labels crossed by a line. */
function collisions(chart: DrawnChart): string[] {
  const found: string[] = [];
  chart.texts.forEach((a, i) => {
    for (const b of chart.texts.slice(i + 1))
      if (overlap(a.box, b.box)) found.push(`${chart.id}: "${a.text}" overlaps "${b.text}"`);
    for (const line of chart.lines)
      if (crosses(a.box, line))
        found.push(`${chart.id}: "${a.text}" is crossed by a line ${JSON.stringify(line)}`);
  });
  return found;
}

describe.skipIf(!existsSync(CHROMIUM))('every page on a phone and on a laptop', () => {
  let server: Server | undefined;
  let browser: Browser | undefined;
  let origin = '';
  let out = '';
  let catalog: Catalog;
  const checks: PageCheck[] = [];
  const svgFiles: string[] = [];

  beforeAll(async () => {
    const ws = await makeWorkspace();
    out = ws.out;
    const port = await freePort();
    origin = `http://127.0.0.1:${port}/`;
    const published = await publishWorkspace(ws, '--base-url', origin);
    expect(published.code, published.stderr).toBe(0);
    catalog = await readJson<Catalog>(path.join(out, 'catalog.json'));
    server = createSiteServer(out);
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
      ],
    });
    const axe = await readFile(AXE_SOURCE, 'utf8');
    await mkdir(ARTIFACTS, { recursive: true });
    const pages = ['index.html', ...catalog.datasets.map((dataset) => `datasets/${dataset.id}/index.html`)];
    for (const width of WIDTHS) {
      const page = await browser.newPage({ viewport: { width, height: width < 500 ? 844 : 900 } });
      for (const key of pages) {
        await page.goto(`${origin}${key}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        const viewport = await page.evaluate(() => window.innerWidth);
        const charts = await drawnCharts(page, 'figure svg[role="img"]');
        const brokenDates = await page.$$eval('.nowrap, td.date', (nodes) =>
          (nodes as unknown as { textContent: string | null; getClientRects(): { length: number } }[])
            .filter((node) => node.getClientRects().length > 1 || /\n/.test(node.textContent ?? ''))
            .map((node) => node.textContent ?? ''),
        );
        await page.evaluate(axe);
        const { violations } = await page.evaluate(() =>
          window.axe.run(document, { resultTypes: ['violations'] }),
        );
        const name = key === 'index.html' ? 'index' : key.split('/')[1];
        await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
        checks.push({ url: key, width, overflow, viewport, brokenDates, charts, violations });
      }
      await page.close();
    }
    for (const dataset of catalog.datasets) {
      const folder = path.join(out, 'datasets', dataset.id);
      for (const file of await readdir(folder))
        if (file.endsWith('.svg')) svgFiles.push(`datasets/${dataset.id}/${file}`);
    }
  }, 300_000); // publishes, then opens six pages twice with axe on a loaded 2-core machine

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
  });

  it('checks every page at both widths, and every dataset has a chart', () => {
    expect(checks).toHaveLength(WIDTHS.length * (1 + catalog.datasets.length));
    for (const dataset of catalog.datasets) {
      for (const width of WIDTHS) {
        const check = checks.find((c) => c.url === `datasets/${dataset.id}/index.html` && c.width === width);
        expect(check?.charts.length, `${dataset.id} at ${width}px`).toBeGreaterThan(0);
      }
    }
  });

  it('fits the screen: no page scrolls sideways', () => {
    expect(
      checks
        .filter((check) => check.overflow > 0)
        .map((c) => `${c.url} at ${c.width}px: ${c.overflow}px wider`),
    ).toEqual([]);
  });

  it('keeps every date and year range on one line', () => {
    expect(
      checks.flatMap((check) => check.brokenDates.map((text) => `${check.url} at ${check.width}px: ${text}`)),
    ).toEqual([]);
  });

  it('shows every chart whole, inside the screen', () => {
    const outside = checks.flatMap((check) =>
      check.charts
        .filter((chart) => chart.rect.left < 0 || chart.rect.right > check.viewport || chart.rect.width < 200)
        .map(
          (chart) =>
            `${check.url} at ${check.width}px: ${chart.id} spans ${chart.rect.left}–${chart.rect.right}`,
        ),
    );
    expect(outside).toEqual([]);
  });

  it(`sets no chart text under ${MIN_CHART_TEXT_PX} px`, () => {
    const small = checks.flatMap((check) =>
      check.charts
        .filter((chart) => chart.smallestTextPx < MIN_CHART_TEXT_PX)
        .map(
          (chart) =>
            `${check.url} at ${check.width}px: ${chart.id} has ${chart.smallestTextPx.toFixed(1)}px text`,
        ),
    );
    expect(small).toEqual([]);
  });

  it('never sets a label on another label or across a line, in either layout', () => {
    const found = checks.flatMap((check) =>
      check.charts.flatMap(collisions).map((c) => `${check.width}px ${c}`),
    );
    expect(found).toEqual([]);
    // The check sees what it should: the trade chart's labels and lines are there to collide.
    const trade = checks.find((c) => c.url === 'datasets/trade/index.html' && c.width === 390)?.charts[0];
    expect(trade?.texts.length).toBeGreaterThan(15);
    expect(trade?.lines.length).toBeGreaterThan(10);
  });

  it('labels both conflicting 2018 trade readings, on the phone as on the laptop', () => {
    for (const width of WIDTHS) {
      const trade = checks.find((c) => c.url === 'datasets/trade/index.html' && c.width === width)?.charts[0];
      const texts = trade?.texts.map((text) => text.text) ?? [];
      expect(texts, `${width}px`).toContain('⚠ 258.3');
      expect(texts, `${width}px`).toContain('⚠ 220.54');
      expect(texts, `${width}px`).toContain('2019');
    }
  });

  it('has no serious or critical accessibility violations (axe-core) at either width', () => {
    const serious = checks.flatMap((check) =>
      check.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map(
          (v) =>
            `${check.url} at ${check.width}px: [${v.impact ?? ''}] ${v.id}: ${v.help} ${JSON.stringify(v.nodes.slice(0, 2).map((n) => n.target))}`,
        ),
    );
    expect(serious).toEqual([]);
  });

  it.skipIf(!HAVE_XML_PARSER)('publishes every chart as an SVG that expat parses', async () => {
    expect(svgFiles.length).toBeGreaterThanOrEqual(6);
    for (const key of svgFiles)
      expect(xmlParseError(await readFile(path.join(out, key))), key).toBeUndefined();
  });

  it('opens every standalone SVG on its own in Chromium, drawn and without an error', async () => {
    const page = await browser?.newPage({ viewport: { width: 1366, height: 900 } });
    const errors: string[] = [];
    // Chromium asks for /favicon.ico when it opens a bare image; the site has none, which is no fault of the SVG.
    page?.on('response', (response) => {
      if (response.status() >= 400 && !response.url().endsWith('/favicon.ico'))
        errors.push(`${response.url()}: ${response.status()}`);
    });
    page?.on('console', (message) => {
      if (message.type() === 'error' && !message.text().includes('404')) errors.push(message.text());
    });
    page?.on('pageerror', (error) => errors.push(error.message));
    for (const key of svgFiles) {
      const response = await page?.goto(`${origin}${key}`);
      expect(response?.headers()['content-type'], key).toBe('image/svg+xml');
      // An ill-formed SVG opens as Chromium's XML error page, whose root is not an <svg>.
      const drawn = await page?.evaluate(() =>
        [...document.querySelectorAll('svg > text')].map((text) => text.getBBox().width),
      );
      expect(drawn?.length, key).toBeGreaterThan(3);
      expect(Math.min(...(drawn ?? [0])), key).toBeGreaterThan(0);
      await page?.screenshot({ path: path.join(ARTIFACTS, `${key.replaceAll('/', '-')}.png`) });
    }
    await page?.close();
    expect(errors).toEqual([]);
  });
});
