import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureTree, startServer, treeRoutes, type TestServer } from '../support/hostile-http-server.js';
import { REPO_ROOT } from '../support/workspace.js';
import { makeTempDir } from '../support/temp-dir.js';

const run = promisify(execFile);

// 64 gzip members of 16 MiB of zeros each: about 1 MB on the wire, 1 GiB decoded.
const DECODED_BYTES = 1024 * 1024 * 1024;
const BOMB = ((): Buffer => {
  const member = gzipSync(Buffer.alloc(16 * 1024 * 1024));
  return Buffer.concat(Array.from({ length: DECODED_BYTES / (16 * 1024 * 1024) }, () => member));
})();
// Node with tsx loaded peaks well under this; decoding the bomb would need at least DECODED_BYTES.
const MAX_RSS_BYTES = 400 * 1024 * 1024;

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Runs the real CLI in a child with a 128 MB heap; resolves to its exit code, output and peak RSS. */
async function verifyInChild(
  url: string,
): Promise<{ code: number; stdout: string; stderr: string; rss: number }> {
  const rssFile = path.join(await makeTempDir('opendata-rss-'), 'rss');
  const args = [
    '--max-old-space-size=128',
    '--import',
    'tsx',
    '--import',
    './test/support/peak-rss.ts',
    'bin/opendata.ts',
    'verify',
    url,
  ];
  const options = { cwd: REPO_ROOT, env: { ...process.env, PEAK_RSS_FILE: rssFile }, maxBuffer: 1 << 20 };
  const result = await run('node', args, options).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: typeof error.code === 'number' ? error.code : -1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );
  const rss = Number(await readFile(rssFile, 'utf8').catch(() => 'NaN'));
  return { ...result, rss };
}

describe('a gzip bomb', () => {
  it.each([
    ['as the catalog', 'catalog.json'],
    ['as a latest/ file', 'datasets/t/latest/t.csv'],
  ])('%s is refused as one line, exit 1, in bounded memory', async (_name, key) => {
    expect(BOMB.byteLength).toBeLessThan(2 * 1024 * 1024);
    const server = await startServer(
      treeRoutes('/', fixtureTree(), {
        [key]: (_request, response) =>
          response
            .writeHead(200, {
              'content-encoding': 'gzip',
              'content-type': 'text/csv',
              'content-length': BOMB.byteLength,
            })
            .end(BOMB),
      }),
    );
    servers.push(server);

    const { code, stdout, stderr, rss } = await verifyInChild(`${server.origin}/`);

    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^${server.origin}/${key}: could not be read: was sent with Content-Encoding "gzip"`),
      ),
    ]);
    expect(stdout.trim()).toMatch(/^verify: 1 problem in \d+ files checked$/);
    expect(rss).toBeLessThan(MAX_RSS_BYTES);
  });
});
