// Imported only inside a bundle, whose `file` loader copies each of these files beside the bundle and
// turns the import into the copy's path relative to it (see chart-png-bundling.ts); Node cannot import
// them, so chart-png.ts reads them from node_modules there.
import wasm from '@resvg/resvg-wasm/index_bg.wasm';
import bold from 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf';
import regular from 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf';

/** Where resvg's WebAssembly and the DejaVu Sans faces are, relative to the bundle that imported this. */
export const BUNDLED_RASTER_FILES = { wasm, fonts: [regular, bold] } as const;
