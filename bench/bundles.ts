/**
 * Lambda bundle size and cold-import time: each handler bundled as the CDK stack bundles it
 * (esbuild, ESM, minified, tree-shaken, source maps), then imported in fresh Node processes.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { nodeBundleOptions } from '../bin/cli-bundle.js';
import { PARQUET_WORKER_BUNDLING } from '../lambda/core/parquet-worker-bundling.js';
import { CREDENTIALS_MODULE } from '../lambda/handlers/deploy-contract.js';

const ROOT = path.resolve(import.meta.dirname, '..');

const run = promisify(execFile);
const HANDLERS = ['list-datasets', 'validate-and-publish', 'commit-catalog'];
/**
 * Targets from the performance issue: each bundle under 1 MiB, imported in under 300 ms. The bundle is the
 * JavaScript a cold start loads; files copied beside it (the chart renderer's WebAssembly and fonts, read
 * when a chart is drawn) are counted in their own column, as they count in the function's package.
 */
const MAX_BYTES = 1024 * 1024;
const MAX_IMPORT_MS = 300;

/**
 * Bundles an entry point for Node as the stack bundles the Lambda functions (ESM, with `require`
 * available to CommonJS dependencies); `asLambda` adds what the stack adds: minified, tree-shaken,
 * with source maps; `parquetWorker` builds the Parquet worker's bundle beside it.
 */
export async function bundleForNode(
  entry: string,
  outfile: string,
  options: { asLambda: boolean; parquetWorker?: boolean },
): Promise<void> {
  await buildOne(entry, outfile, options);
  // The Parquet worker thread's bundle beside the one that starts it, as the stack ships it to a
  // function with two vCPUs (without it, the Parquet file is written on the main thread).
  if (options.parquetWorker === true) {
    const worker = path.join(path.dirname(outfile), PARQUET_WORKER_BUNDLING.file);
    await buildOne(path.join(ROOT, PARQUET_WORKER_BUNDLING.entry), worker, options);
  }
}

async function buildOne(entry: string, outfile: string, options: { asLambda: boolean }): Promise<void> {
  await build({
    ...nodeBundleOptions(entry, outfile, { minify: options.asLambda }),
    // As the stack bundles a function: its credentials from the environment alone (deploy-contract.ts).
    ...(options.asLambda
      ? { alias: { [CREDENTIALS_MODULE.replaces]: path.join(ROOT, CREDENTIALS_MODULE.file) } }
      : {}),
  });
}

/** Bundles every handler and prints its size and median import time over `runs` fresh processes. */
export async function measureBundles(root: string, runs: number): Promise<string[]> {
  const out = await mkdtemp(path.join(tmpdir(), 'opendata-bundles-'));
  const lines = [
    // KiB: bytes over 1024, as MAX_BYTES counts them.
    `${'handler'.padEnd(22)} ${'bundle KiB'.padStart(11)} ${'map KiB'.padStart(9)} ${'files KiB'.padStart(10)} ${'import ms'.padStart(10)}`,
  ];
  try {
    for (const name of HANDLERS) {
      const dir = path.join(out, name);
      await mkdir(dir);
      const outfile = path.join(dir, 'index.mjs');
      await bundleForNode(path.join(root, 'lambda/handlers', `${name}.ts`), outfile, { asLambda: true });
      const size = (await stat(outfile)).size;
      const mapSize = (await stat(`${outfile}.map`)).size;
      let filesSize = 0;
      for (const file of await readdir(dir))
        if (file !== 'index.mjs' && file !== 'index.mjs.map')
          filesSize += (await stat(path.join(dir, file))).size;
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const { stdout } = await run(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `const t = performance.now(); await import(${JSON.stringify(outfile)}); console.log(performance.now() - t);`,
          ],
          {
            env: {
              ...process.env,
              SOURCE_BUCKET: 'bench-source',
              SITE_BUCKET: 'bench-site',
              SITE_URL: 'https://data.example.org/',
              AWS_REGION: 'us-east-1',
            },
          },
        );
        times.push(Number(stdout.trim().split('\n').at(-1)));
      }
      times.sort((a, b) => a - b);
      const importMs = times[Math.floor(times.length / 2)] ?? Number.NaN;
      const flags = [
        size > MAX_BYTES ? 'over 1 MiB' : '',
        importMs > MAX_IMPORT_MS ? 'import over 300 ms' : '',
      ].filter(Boolean);
      lines.push(
        `${name.padEnd(22)} ${(size / 1024).toFixed(0).padStart(11)} ${(mapSize / 1024).toFixed(0).padStart(9)} ${(filesSize / 1024).toFixed(0).padStart(10)} ${importMs.toFixed(0).padStart(10)}${flags.length > 0 ? `   ← ${flags.join(', ')}` : ''}`,
      );
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
  return lines;
}
