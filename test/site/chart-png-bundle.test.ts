import { spawnSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { RASTER_BUNDLING } from '../../lambda/core/site/chart-png-bundling.js';
import { chartRasterizer, PNG_SCALE } from '../../lambda/core/site/chart-png.js';
import { chartsFor } from '../../lambda/core/site/charts.js';
import { REPO_ROOT } from '../support/workspace.js';
import { tradeDataset } from '../injection/hostile-site.js';
import { decodePng } from './png-decode.js';
import { makeTempDir } from '../support/temp-dir.js';

/**
 * The PNG renderer as the Lambda functions run it: bundled by esbuild into one
 * ESM file with the loaders and flag `lib/pipeline-function.ts` gives every
 * pipeline function, copied to a folder with no `node_modules` anywhere above
 * it, and run by Node. It must draw the same bytes as the renderer does under
 * Node from the installed packages.
 */
let bundle: string;
const svg = chartsFor(tradeDataset([2001, 2002, 2005, 2006]).document)[0]?.svg ?? '';

beforeAll(async () => {
  const dir = await makeTempDir('opendata-png-bundle-');
  bundle = path.join(dir, 'index.mjs');
  await build({
    stdin: {
      contents: [
        "import { chartRasterizer } from './lambda/core/site/chart-png.ts';",
        'const chunks = [];',
        'for await (const chunk of process.stdin) chunks.push(chunk);',
        "const png = (await chartRasterizer())(Buffer.concat(chunks).toString('utf8'));",
        'process.stdout.write(png);',
      ].join('\n'),
      resolveDir: REPO_ROOT,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bundle,
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    minify: true,
    logLevel: 'silent',
    loader: { ...RASTER_BUNDLING.loader },
    define: { ...RASTER_BUNDLING.define },
  });
}, 60_000);

describe('the PNG renderer in a bundle', () => {
  it('ships the WebAssembly and fonts as files beside it, outside its JavaScript, and needs no node_modules', async () => {
    const files = (await readdir(path.dirname(bundle))).sort();
    // index.mjs, then resvg's WebAssembly (2.4 MB) and two DejaVu faces (1.4 MB) under hashed names.
    expect(files).toHaveLength(4);
    expect(files.filter((name) => /^DejaVuSans-[A-Z0-9]{8}\.ttf$/.test(name))).toHaveLength(1);
    expect(files.filter((name) => /^DejaVuSans-Bold-[A-Z0-9]{8}\.ttf$/.test(name))).toHaveLength(1);
    expect(files.filter((name) => /^index_bg-[A-Z0-9]{8}\.wasm$/.test(name))).toHaveLength(1);
    expect(files).toContain('index.mjs');
    // The renderer's code alone: none of the 3.9 MB of assets is inlined.
    expect((await stat(bundle)).size).toBeLessThan(200_000);
    const found = spawnSync(process.execPath, ['-e', "require.resolve('@resvg/resvg-wasm')"], {
      cwd: path.dirname(bundle),
    });
    expect(found.status).not.toBe(0);
  });

  it('draws a chart to the same PNG as the renderer under Node', async () => {
    expect(svg).toContain('<text');
    const run = spawnSync(process.execPath, [bundle], {
      cwd: path.dirname(bundle),
      input: svg,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(run.stderr.toString(), 'stderr').toBe('');
    expect(run.status).toBe(0);
    const image = decodePng(new Uint8Array(run.stdout));
    const [, width = '', height = ''] = /viewBox="0 0 (\d+) (\d+)"/.exec(svg) ?? [];
    expect([image.width, image.height]).toEqual([Number(width) * PNG_SCALE, Number(height) * PNG_SCALE]);
    expect(Buffer.from(run.stdout).equals(Buffer.from((await chartRasterizer())(svg)))).toBe(true);
  });
});
