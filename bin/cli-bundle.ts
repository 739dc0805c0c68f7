/**
 * The CLI as `npm start` and `npm run opendata` run it: bundled with esbuild, as the Lambda functions are,
 * with the Parquet worker's bundle beside it, into a cache folder under `node_modules`, and built again
 * only when a file it was built from has changed since. Run from the TypeScript source through tsx, a
 * publish of 10^6 rows under Node 24 peaked 15–35 MiB higher than the same publish bundled (tsx's
 * loader and the modules' source maps, in the main thread and in the worker), and `--help` took 0.6–0.8 s
 * against 0.16 s.
 *
 *   node --import tsx bin/cli-bundle.ts   builds the bundle if it is out of date, and prints nothing
 */
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { NODE_BUNDLING } from '../lambda/core/node-bundling.js';
import { PARQUET_WORKER_BUNDLING } from '../lambda/core/parquet-worker-bundling.js';
import { RASTER_BUNDLING } from '../lambda/core/site/chart-png-bundling.js';
import { INPUTS_FILE, isUpToDate, PROJECT_ROOT, type BuiltFrom } from './cli-bundle-current.mjs';
import { isMainModule } from './main-module.js';

/**
 * Where the CLI's bundle is built, relative to the project's root, unless `OPEN_DATA_CLI_BUNDLE_DIR` names
 * another folder (bin/opendata.sh reads the same variable).
 */
export const CLI_BUNDLE_DIR = 'node_modules/.cache/kz-az-open-data/cli';
/** The environment variable naming another folder for the bundle. */
export const CLI_BUNDLE_DIR_VARIABLE = 'OPEN_DATA_CLI_BUNDLE_DIR';
/** The bundle's entry file in {@link CLI_BUNDLE_DIR}. */
export const CLI_BUNDLE_FILE = 'opendata.mjs';

/**
 * esbuild's options for a bundle that Node runs, as the stack bundles the Lambda functions
 * ({@link NODE_BUNDLING}), resvg's WebAssembly and the fonts copied beside it;
 * `minify` adds what the stack adds (minified, tree-shaken, source maps).
 */
export function nodeBundleOptions(
  entry: string,
  outfile: string,
  options: { minify: boolean },
): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: [...NODE_BUNDLING.mainFields],
    loader: { ...RASTER_BUNDLING.loader },
    define: { ...RASTER_BUNDLING.define },
    ...(options.minify ? { minify: true, treeShaking: true, sourcemap: true, sourcesContent: false } : {}),
    banner: { js: NODE_BUNDLING.banner },
    logLevel: 'silent',
  };
}

/**
 * The folder the bundle is built in, absolute: `OPEN_DATA_CLI_BUNDLE_DIR` when set (from the current
 * folder), else {@link CLI_BUNDLE_DIR}.
 */
function bundleDir(): string {
  return path.resolve(process.env[CLI_BUNDLE_DIR_VARIABLE] || path.join(PROJECT_ROOT, CLI_BUNDLE_DIR));
}

/**
 * Builds the CLI's bundle and the worker's into `dir` (default: {@link CLI_BUNDLE_DIR} under the
 * project), unless they are up to date. Each file is written under a name of its own and renamed into
 * place, the entry last and the list of inputs after it, so that a CLI started meanwhile runs a whole
 * bundle, the old one or the new. Returns the entry's path and whether it was built.
 */
export async function ensureCliBundle(
  folder = bundleDir(),
): Promise<{ readonly entry: string; readonly built: boolean }> {
  // esbuild names its outputs from the project's root, and the entry is told from the rest by its path.
  const dir = path.resolve(folder);
  const entry = path.join(dir, CLI_BUNDLE_FILE);
  if (await isUpToDate(dir)) return { entry, built: false };
  const startedMs = Date.now();
  await mkdir(dir, { recursive: true });
  const inputs = new Set<string>([
    fileURLToPath(import.meta.url),
    path.join(PROJECT_ROOT, 'package-lock.json'),
  ]);
  const outputs: { readonly path: string; readonly contents: Uint8Array }[] = [];
  const bundles = [
    {
      from: path.join(PROJECT_ROOT, PARQUET_WORKER_BUNDLING.entry),
      to: path.join(dir, PARQUET_WORKER_BUNDLING.file),
    },
    { from: path.join(PROJECT_ROOT, 'bin', 'opendata.ts'), to: entry },
  ];
  for (const { from, to } of bundles) {
    const result = await build({
      ...nodeBundleOptions(from, to, { minify: false }),
      absWorkingDir: PROJECT_ROOT,
      metafile: true,
      write: false,
    });
    // Inputs that are files (esbuild also lists modules it left out, which are none).
    for (const input of Object.keys(result.metafile.inputs))
      if (!input.includes(':')) inputs.add(path.resolve(PROJECT_ROOT, input));
    // The copied assets first, then the bundle that names them.
    outputs.push(
      ...result.outputFiles.filter((file) => file.path !== to),
      ...result.outputFiles.filter((file) => file.path === to),
    );
  }
  const suffix = `.tmp-${process.pid}`;
  for (const output of outputs) {
    await writeFile(`${output.path}${suffix}`, output.contents);
    await rename(`${output.path}${suffix}`, output.path);
  }
  const list = path.join(dir, INPUTS_FILE);
  const stamp = async (file: string) => {
    const { mtimeMs, ctimeMs, size } = await stat(file);
    return { file, mtimeMs, ctimeMs, size };
  };
  const builtFrom: BuiltFrom = {
    root: PROJECT_ROOT,
    startedMs,
    inputs: await Promise.all([...inputs].sort().map(stamp)),
    outputs: await Promise.all(outputs.map((output) => stamp(output.path))),
  };
  await writeFile(`${list}${suffix}`, JSON.stringify(builtFrom));
  await rename(`${list}${suffix}`, list);
  return { entry, built: true };
}

if (isMainModule(import.meta.url)) {
  const dir = bundleDir();
  try {
    await ensureCliBundle(dir);
  } catch (error) {
    process.stderr.write(
      `opendata: could not bundle the CLI into ${dir}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
