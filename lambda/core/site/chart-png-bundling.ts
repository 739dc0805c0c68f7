// Kept apart from chart-png.ts so that the CDK app can read it without loading the renderer.
/**
 * What a bundler must do for `chart-png.ts` to draw PNGs inside a bundle:
 * inline resvg's WebAssembly and the font faces as bytes (esbuild's `binary`
 * loader: an import of the file gives a `Uint8Array`), and define the flag that
 * makes `loadRasterAssets` import them instead of reading `node_modules`,
 * which a Lambda function does not have.
 */
export const RASTER_BUNDLING = {
  loader: { '.wasm': 'binary', '.ttf': 'binary' },
  define: { __OPEN_DATA_INLINE_ASSETS__: 'true' },
} as const;
