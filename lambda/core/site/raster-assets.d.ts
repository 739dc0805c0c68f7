// What esbuild's `file` loader makes of these files in a bundle: the path of a copy beside the bundle,
// relative to it (see chart-png-bundling.ts).
declare module '*.wasm' {
  const relativePath: string;
  export default relativePath;
}
declare module '*.ttf' {
  const relativePath: string;
  export default relativePath;
}
