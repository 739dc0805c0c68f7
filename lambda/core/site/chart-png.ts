import { createHash } from 'node:crypto';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import { isDrawingOf, withDrawingRecord } from './png-record.js';

/**
 * Charts as PNG, for people who paste a chart into a document: each
 * standalone SVG drawn by resvg (compiled to WebAssembly, so the same code runs
 * under the CLI and in the Lambda bundle, with no native binary per platform)
 * with the DejaVu Sans faces the chart layout measures its text by. The
 * WebAssembly build has no system fonts: the faces are loaded from their
 * bytes, and every generic family resolves to them, so what the PNG shows does
 * not depend on the machine that drew it.
 */

/** PNGs are drawn at twice the SVG's size: sharp when pasted into a document or shown on a dense screen. */
export const PNG_SCALE = 2;

/** The family the faces below register as; the charts' `font-family` names it first. */
export const PNG_FONT_FAMILY = 'DejaVu Sans';

/** The bytes the renderer needs: resvg's WebAssembly module and the font faces (regular and bold). */
export interface RasterAssets {
  readonly wasm: Uint8Array;
  readonly fonts: readonly Uint8Array[];
}

/**
 * Draws a standalone SVG document as PNG bytes, {@link PNG_SCALE} times its size, recording in the PNG what it
 * was drawn from (see `png-record.ts`): the SVG and everything that draws it (the renderer's WebAssembly, the
 * faces, the scale).
 */
export interface ChartRasterizer {
  (svg: string): Uint8Array;
  /** Whether `png` is this rasterizer's drawing of `svg`, intact: what drawing `svg` again would give. */
  drew(png: Uint8Array, svg: string): boolean;
}

// Defined (as `true`) by a bundle: see RASTER_BUNDLING in chart-png-bundling.ts.
declare const __OPEN_DATA_BUNDLED_ASSETS__: boolean | undefined;

/**
 * The renderer's own files, as bytes, read when the first chart is drawn.
 * These belong to two packages, like code the renderer imports, not to the
 * data: a bundle ships them as files beside itself, and under Node they are
 * read where the packages are installed.
 */
export async function loadRasterAssets(): Promise<RasterAssets> {
  const { readFile } = await import('node:fs/promises');
  const read = async (file: string | URL): Promise<Uint8Array> => new Uint8Array(await readFile(file));
  let files: { readonly wasm: string | URL; readonly fonts: readonly (string | URL)[] };
  // The paths in a module of their own, imported statically there, so that only a bundle's loader sees the files.
  if (typeof __OPEN_DATA_BUNDLED_ASSETS__ !== 'undefined') {
    const { BUNDLED_RASTER_FILES } = await import('./chart-png-bundled-assets.js');
    const beside = (relative: string): URL => new URL(relative, import.meta.url);
    files = { wasm: beside(BUNDLED_RASTER_FILES.wasm), fonts: BUNDLED_RASTER_FILES.fonts.map(beside) };
  } else {
    const { createRequire } = await import('node:module');
    const resolve = createRequire(import.meta.url).resolve;
    files = {
      wasm: resolve('@resvg/resvg-wasm/index_bg.wasm'),
      fonts: [
        resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
        resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
      ],
    };
  }
  const [wasm, fonts] = await Promise.all([read(files.wasm), Promise.all(files.fonts.map(read))]);
  return { wasm, fonts };
}

/** resvg's WebAssembly may be instantiated once per process; every rasterizer shares it. */
let instantiated: Promise<void> | undefined;

/** A rasterizer drawing with the given assets (the WebAssembly is instantiated on the first call only). */
export async function createChartRasterizer(assets: RasterAssets): Promise<ChartRasterizer> {
  instantiated ??= initWasm(assets.wasm);
  await instantiated;
  const font = {
    fontBuffers: [...assets.fonts],
    defaultFontFamily: PNG_FONT_FAMILY,
    sansSerifFamily: PNG_FONT_FAMILY,
    serifFamily: PNG_FONT_FAMILY,
    monospaceFamily: PNG_FONT_FAMILY,
    cursiveFamily: PNG_FONT_FAMILY,
    fantasyFamily: PNG_FONT_FAMILY,
  };
  // Everything a drawing depends on besides the SVG, hashed once: another renderer build, other faces or
  // another scale make every drawing new.
  const drawer = createHash('sha256').update(`scale ${PNG_SCALE} family ${PNG_FONT_FAMILY}\n`);
  for (const part of [assets.wasm, ...assets.fonts]) drawer.update(`${part.byteLength}\n`).update(part);
  const drawerHash = drawer.digest('hex');
  const sourceOf = (svg: string): string =>
    createHash('sha256').update(`${drawerHash}\n`).update(svg, 'utf8').digest('hex');
  const draw = (svg: string): Uint8Array => {
    const resvg = new Resvg(svg, { font, fitTo: { mode: 'zoom', value: PNG_SCALE } });
    try {
      const image = resvg.render();
      try {
        return withDrawingRecord(image.asPng(), sourceOf(svg));
      } finally {
        image.free();
      }
    } finally {
      resvg.free();
    }
  };
  return Object.assign(draw, { drew: (png: Uint8Array, svg: string) => isDrawingOf(png, sourceOf(svg)) });
}

let shared: Promise<ChartRasterizer> | undefined;

/** The process's rasterizer, with the packaged assets; created on first use. */
export function chartRasterizer(): Promise<ChartRasterizer> {
  shared ??= loadRasterAssets().then(createChartRasterizer);
  return shared;
}
