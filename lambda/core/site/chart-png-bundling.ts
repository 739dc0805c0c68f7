// Kept apart from chart-png.ts so that the CDK app can read it without loading the renderer.
/**
 * What a bundler must do for `chart-png.ts` to draw PNGs inside a bundle:
 * copy resvg's WebAssembly and the font faces beside the bundle (esbuild's
 * `file` loader: an import of the file gives the copy's path relative to the
 * bundle), and define the flag that makes `loadRasterAssets` read those copies
 * instead of `node_modules`, which a Lambda function does not have. They stay
 * files rather than bytes inlined in the JavaScript (4 MB as base64) so that a
 * function loads them only when it draws a chart: every cold start parses the
 * JavaScript, and every process that never draws one keeps them out of memory.
 */
export const RASTER_BUNDLING = {
  loader: { '.wasm': 'file', '.ttf': 'file' },
  define: { __OPEN_DATA_BUNDLED_ASSETS__: 'true' },
} as const;
