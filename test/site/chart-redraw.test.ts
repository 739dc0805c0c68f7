import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-wasm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readCatalog } from '../../lambda/core/history.js';
import { publishSiteFiles } from '../../lambda/core/site.js';
import { chartFilesRenderer } from '../../lambda/core/site/charts.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { decodePng, pngChunks } from './png-decode.js';
import { makeWorkspace, publishWorkspace } from '../support/workspace.js';

/** The published tree, and the chart PNGs in it, by file. */
let out = '';
let pngs: string[] = [];

beforeAll(async () => {
  const ws = await makeWorkspace();
  const published = await publishWorkspace(ws);
  expect(published.code, published.stderr).toBe(0);
  out = ws.out;
  for (const id of await readdir(path.join(out, 'datasets')))
    for (const file of await readdir(path.join(out, 'datasets', id)))
      if (file.endsWith('.png')) pngs.push(path.join(out, 'datasets', id, file));
  pngs = pngs.sort();
  expect(pngs.length).toBeGreaterThan(1);
}, 120_000);

afterEach(() => {
  vi.restoreAllMocks();
});

/** Brings the charts' files up to date as a publish does, counting the pictures resvg draws meanwhile. */
async function syncCharts(): Promise<{ written: number; drawn: number }> {
  const drawing = vi.spyOn(Resvg.prototype, 'render');
  const store = new LocalDirectoryStore(out);
  const { catalog } = await readCatalog(store);
  if (catalog === undefined) throw new Error('no catalog');
  const { written } = await publishSiteFiles(store, catalog, 'http://127.0.0.1:8080/', [chartFilesRenderer]);
  const drawn = drawing.mock.calls.length;
  drawing.mockRestore();
  return { written: written.length, drawn };
}

describe('chart PNGs on a republish', () => {
  it('are not drawn again while each is the drawing of its chart', async () => {
    const before = await Promise.all(pngs.map((file) => readFile(file)));

    expect(await syncCharts()).toEqual({ written: 0, drawn: 0 });
    const after = await Promise.all(pngs.map((file) => readFile(file)));
    after.forEach((bytes, index) =>
      expect(bytes.equals(before[index] ?? Buffer.alloc(0)), pngs[index]).toBe(true),
    );
  });

  it('are drawn and written again when one holds another chart, or lost its record of what it was drawn from', async () => {
    const [first = '', second = ''] = pngs;
    const original = await readFile(first);
    // Another chart's picture in its place: an intact PNG, drawn from another SVG.
    await writeFile(first, await readFile(second));
    expect(await syncCharts()).toEqual({ written: 1, drawn: 1 });
    expect((await readFile(first)).equals(original)).toBe(true);

    // The same picture without the record (as a PNG written before the record was, or by an image editor).
    const withoutRecord = dropTextChunks(original);
    expect(decodePng(withoutRecord)).toEqual(decodePng(original));
    await writeFile(first, withoutRecord);
    expect(await syncCharts()).toEqual({ written: 1, drawn: 1 });
    expect((await readFile(first)).equals(original)).toBe(true);
  });
});

/** A PNG without its `tEXt` chunks, every other chunk as it was. */
function dropTextChunks(png: Buffer): Buffer {
  const kept = pngChunks(png).filter((chunk) => chunk.type !== 'tEXt');
  return Buffer.concat([png.subarray(0, 8), ...kept.map((chunk) => chunk.bytes)]);
}
