import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { textBox } from '../../lambda/core/site/chart-layout.js';
import { chartRasterizer, PNG_SCALE, type ChartRasterizer } from '../../lambda/core/site/chart-png.js';
import { makeWorkspace, publishWorkspace } from '../support/workspace.js';
import { decodePng, type DecodedPng } from './png-decode.js';

/** Every chart the CLI publishes from the curated data: its SVG and the PNG beside it. */
const charts: { key: string; svg: string; png: Uint8Array }[] = [];
let rasterize: ChartRasterizer;

beforeAll(async () => {
  const ws = await makeWorkspace();
  const published = await publishWorkspace(ws);
  expect(published.code, published.stderr).toBe(0);
  for (const id of await readdir(path.join(ws.out, 'datasets'))) {
    const folder = path.join(ws.out, 'datasets', id);
    for (const file of (await readdir(folder)).filter((name) => name.endsWith('.svg'))) {
      charts.push({
        key: `datasets/${id}/${file}`,
        svg: await readFile(path.join(folder, file), 'utf8'),
        png: new Uint8Array(await readFile(path.join(folder, file.replace(/\.svg$/, '.png')))),
      });
    }
  }
  rasterize = await chartRasterizer();
}, 120_000);

const WHITE = [255, 255, 255, 255];

function viewBoxOf(svg: string): { width: number; height: number } {
  const match = /viewBox="0 0 (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)"/.exec(svg);
  return { width: Number(match?.[1]), height: Number(match?.[2]) };
}

/** Pixels, inside a box of drawing units (all of the image by default), where two images differ. */
function differing(
  a: DecodedPng,
  b: DecodedPng,
  box?: { x1: number; y1: number; x2: number; y2: number },
): number {
  const [x1, y1, x2, y2] =
    box === undefined
      ? [0, 0, a.width, a.height]
      : [box.x1, box.y1, box.x2, box.y2].map((value) => Math.round(value * PNG_SCALE));
  let count = 0;
  for (let y = Math.max(0, y1 ?? 0); y < Math.min(a.height, y2 ?? 0); y++)
    for (let x = Math.max(0, x1 ?? 0); x < Math.min(a.width, x2 ?? 0); x++) {
      const at = (y * a.width + x) * 4;
      if ([0, 1, 2, 3].some((c) => a.rgba[at + c] !== b.rgba[at + c])) count++;
    }
  return count;
}

/** The SVG's `<text>` elements: where the layout set them, and what they say. */
function textsOf(svg: string): { box: ReturnType<typeof textBox>; text: string }[] {
  return [...svg.matchAll(/<text ([^>]*)>([^<]*)/g)].map(([, attributes = '', text = '']) => {
    const attribute = (name: string): string | undefined =>
      new RegExp(`(?:^| )${name}="([^"]*)"`).exec(attributes)?.[1];
    const anchor = attribute('text-anchor') as 'start' | 'middle' | 'end' | undefined;
    const weight = attribute('font-weight');
    const decoded = text
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
    return {
      text: decoded,
      box: textBox(Number(attribute('x')), Number(attribute('y')), decoded, {
        size: Number(attribute('font-size')),
        ...(anchor === undefined ? {} : { anchor }),
        ...(weight === undefined ? {} : { weight: Number(weight) }),
      }),
    };
  });
}

describe('charts as PNG', () => {
  it('publishes a PNG beside every chart SVG: a valid PNG of the viewBox times the scale, not blank', () => {
    expect(charts.map((chart) => chart.key)).toEqual(
      expect.arrayContaining([
        'datasets/enterprises/chart-enterprise-counts.svg',
        'datasets/enterprises/chart-projects-by-year.svg',
        'datasets/milestones/chart-milestones.svg',
        'datasets/trade/chart-turnover.svg',
        'datasets/transport/chart-volumes.svg',
        'datasets/visits/chart-visits.svg',
      ]),
    );
    for (const chart of charts) {
      const image = decodePng(chart.png);
      const viewBox = viewBoxOf(chart.svg);
      expect([image.width, image.height], chart.key).toEqual([
        viewBox.width * PNG_SCALE,
        viewBox.height * PNG_SCALE,
      ]);
      const blank = { ...image, rgba: new Uint8Array(image.rgba.length).map((_, i) => WHITE[i % 4] ?? 0) };
      // The corner is the chart's white ground; a fair share of the picture is ink.
      expect([...image.rgba.subarray(0, 4)], chart.key).toEqual(WHITE);
      expect(differing(image, blank) / (image.width * image.height), chart.key).toBeGreaterThan(0.02);
    }
  });

  it('draws the same bytes for the same SVG (so an unchanged site writes nothing)', () => {
    for (const chart of charts)
      expect(Buffer.from(rasterize(chart.svg)).equals(chart.png), chart.key).toBe(true);
  });

  it('renders every label with the bundled font: each text box has ink that the chart without text lacks', () => {
    let labels = 0;
    for (const chart of charts) {
      const withText = decodePng(chart.png);
      const withoutText = decodePng(rasterize(chart.svg.replace(/<text [^>]*>.*?<\/text>/gs, '')));
      expect(differing(withText, withoutText), chart.key).toBeGreaterThan(0);
      for (const { text, box } of textsOf(chart.svg)) {
        if (!/[A-Za-z0-9]/.test(text)) continue;
        labels++;
        // A glyph of 12.5 units at scale 2 covers tens of pixels; an unrendered label covers none.
        expect(differing(withText, withoutText, box), `${chart.key}: "${text}"`).toBeGreaterThan(
          10 * text.replace(/\s/g, '').length,
        );
      }
    }
    expect(labels).toBeGreaterThan(100);
  });
});
