// What esbuild's `binary` loader makes of these files in the Lambda bundle (see chart-png.ts).
declare module '*.wasm' {
  const bytes: Uint8Array;
  export default bytes;
}
declare module '*.ttf' {
  const bytes: Uint8Array;
  export default bytes;
}
