// Imported only inside the Lambda bundle, whose `binary` loader turns each of these files into a
// Uint8Array (see chart-png-bundling.ts); Node cannot import them, so chart-png.ts reads them there.
import wasm from '@resvg/resvg-wasm/index_bg.wasm';
import bold from 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf';
import regular from 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf';
import type { RasterAssets } from './chart-png.js';

/** resvg's WebAssembly and the DejaVu Sans faces, inlined in the bundle. */
export const INLINE_RASTER_ASSETS: RasterAssets = { wasm, fonts: [regular, bold] };
