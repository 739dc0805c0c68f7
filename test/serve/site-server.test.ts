import { mkdir, rename, rm, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../lambda/core/site-headers.js';
import { REPO_ROOT } from '../support/workspace.js';
import {
  INDEX_HTML,
  LETTERS,
  makeServeTree,
  rawRequest,
  SECRET,
  startServer,
  TRADE_HTML,
  type RunningServer,
  type ServeTree,
} from './serve-fixture.js';

let tree: ServeTree;
let site: RunningServer;

beforeAll(async () => {
  tree = await makeServeTree();
  site = await startServer(tree.root);
});

afterAll(async () => {
  await site.close();
});

const LETTERS_URL = '/datasets/trade/1.0.0/letters.csv';

async function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
  return fetch(`${site.base}${url}`, { method, headers, redirect: 'manual' });
}

describe('byte ranges (RFC 9110 §14)', () => {
  // [Range header, expected bytes, expected Content-Range]
  it.each([
    ['bytes=0-4', 'abcde', 'bytes 0-4/26'],
    ['bytes=0-0', 'a', 'bytes 0-0/26'],
    ['bytes=25-25', 'z', 'bytes 25-25/26'],
    ['bytes=5-', LETTERS.slice(5), 'bytes 5-25/26'],
    ['bytes=20-100', 'uvwxyz', 'bytes 20-25/26'],
    ['bytes=-5', 'vwxyz', 'bytes 21-25/26'],
    ['bytes=-1', 'z', 'bytes 25-25/26'],
    ['bytes=-100', LETTERS, 'bytes 0-25/26'],
    ['BYTES=1-2', 'bc', 'bytes 1-2/26'],
    // Overlapping or touching ranges merge into one part.
    ['bytes=0-1,2-3', 'abcd', 'bytes 0-3/26'],
    ['bytes=3-5, 0-3', 'abcdef', 'bytes 0-5/26'],
    // An unsatisfiable member of a list is dropped; an empty member is skipped.
    ['bytes=0-1, 30-40', 'ab', 'bytes 0-1/26'],
    ['bytes=2-3,,', 'cd', 'bytes 2-3/26'],
  ])('Range: %s → 206 %j', async (range, bytes, contentRange) => {
    const response = await get(LETTERS_URL, { Range: range });

    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(contentRange);
    expect(response.headers.get('content-length')).toBe(String(bytes.length));
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await response.text()).toBe(bytes);
  });

  it.each([
    // Syntactically invalid: the header is ignored (last before first is invalid by §14.1.1).
    'bytes=5-2',
    'bytes=',
    'bytes=abc',
    'bytes=1-2-3',
    'bytes=--1',
    'bytes=1.5-2',
    'bytes= 0 - 1',
    'bytes 0-1',
    '=0-1',
    // A unit other than bytes.
    'items=0-1',
    // Several ranges that stay apart: the whole file rather than multipart/byteranges.
    'bytes=0-1,5-6',
    'bytes=0-0,-1',
  ])('Range: %s → 200 with the whole file', async (range) => {
    const response = await get(LETTERS_URL, { Range: range });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-range')).toBeNull();
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(await response.text()).toBe(LETTERS);
  });

  it.each([
    'bytes=26-',
    'bytes=26-30',
    'bytes=1000-',
    'bytes=-0',
    'bytes=30-40,50-',
    `bytes=${'9'.repeat(400)}-`,
  ])('Range: %s → 416 with Content-Range: bytes */26', async (range) => {
    const response = await get(LETTERS_URL, { Range: range });

    expect(response.status).toBe(416);
    expect(response.headers.get('content-range')).toBe('bytes */26');
    expect(await response.text()).not.toContain('abc');
  });

  it('an empty file: bytes=0- is unsatisfiable, a suffix range gets the (empty) whole', async () => {
    const first = await get('/empty.txt', { Range: 'bytes=0-' });
    const suffix = await get('/empty.txt', { Range: 'bytes=-5' });

    expect(first.status).toBe(416);
    expect(first.headers.get('content-range')).toBe('bytes */0');
    expect(suffix.status).toBe(200);
    expect(await suffix.text()).toBe('');
  });

  it('keeps serving after a reversed range (which used to kill the process)', async () => {
    expect((await get(LETTERS_URL, { Range: 'bytes=5-2' })).status).toBe(200);
    const after = await get(LETTERS_URL, { Range: 'bytes=1-3' });

    expect(after.status).toBe(206);
    expect(await after.text()).toBe('bcd');
  });

  it('If-Range: the range applies only while the file is the one the client named', async () => {
    const etag = (await get(LETTERS_URL)).headers.get('etag') ?? '';
    const current = await get(LETTERS_URL, { Range: 'bytes=0-2', 'If-Range': etag });
    const stale = await get(LETTERS_URL, { Range: 'bytes=0-2', 'If-Range': '"some-other-version"' });
    const weak = await get(LETTERS_URL, { Range: 'bytes=0-2', 'If-Range': `W/${etag}` });

    expect(current.status).toBe(206);
    expect(await current.text()).toBe('abc');
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe(LETTERS);
    expect(weak.status).toBe(200);
  });

  it('HEAD describes the whole file, with no body and no range', async () => {
    const response = await rawRequest(site.port, LETTERS_URL, { Range: 'bytes=0-4' }, 'HEAD');

    expect(response?.status).toBe(200);
    expect(response?.headers['content-length']).toBe('26');
    expect(response?.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response?.headers['etag']).toMatch(/^"[^"]+"$/);
    expect(response?.body.length).toBe(0);
  });
});

describe('directory URLs (as the CloudFront directory-index function)', () => {
  it('GET / serves index.html, the URL `serve` prints', async () => {
    const response = await get('/');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await response.text()).toBe(INDEX_HTML);
  });

  it('a folder URL with its slash serves that folder’s index.html', async () => {
    const response = await get('/datasets/trade/');

    expect(response.status).toBe(200);
    expect(await response.text()).toBe(TRADE_HTML);
  });

  it('a folder URL without the slash redirects to the slash form, keeping the query string', async () => {
    const response = await get('/datasets/trade?x=1&y');

    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe('/datasets/trade/?x=1&y');
  });

  it("a folder of a dataset's files redirects to the dataset's page, which lists them", async () => {
    for (const [url, location] of [
      ['/datasets/trade/1.0.0/', '/datasets/trade/'],
      ['/datasets/trade/latest/?download=1', '/datasets/trade/?download=1'],
      ['/datasets/trade/cite/', '/datasets/trade/'],
    ] as const) {
      const response = await rawRequest(site.port, url);
      expect(response?.status, url).toBe(302);
      expect(response?.headers['location'], url).toBe(location);
    }
  });

  it('a folder without index.html, a file with a slash and a double slash are 404, never a listing or a redirect off-site', async () => {
    for (const url of [
      '/datasets/',
      '/datasets/trade/1.0.0/trade.csv/',
      '/index.html/',
      '//example.org',
      '//example.org/',
    ]) {
      const response = await rawRequest(site.port, url);
      expect(response?.status, url).toBe(404);
      expect(response?.headers['location'], url).toBeUndefined();
    }
  });
});

describe('publishing while serving', () => {
  it('serves files as they are now: replaced, grown, shrunk or new, with new ETags and no stale 304', async () => {
    const catalog = path.join(tree.root, 'catalog.json');
    const first = await get('/catalog.json');
    const firstTag = first.headers.get('etag') ?? '';
    expect(await first.json()).toEqual({ datasets: [] });

    // Rewritten in place, larger.
    const grown = { datasets: [{ id: 'trade', title: 'Trade between Azerbaijan and Kazakhstan' }] };
    await writeFile(catalog, `${JSON.stringify(grown)}\n`);
    const afterGrow = await get('/catalog.json', { 'If-None-Match': firstTag });
    const grownTag = afterGrow.headers.get('etag') ?? '';
    expect(afterGrow.status).toBe(200);
    expect(await afterGrow.json()).toEqual(grown);
    expect(grownTag).not.toBe(firstTag);

    // Replaced by rename (as a careful publisher does), smaller.
    const shrunk = { datasets: [{ id: 'x' }] };
    await writeFile(`${catalog}.tmp`, `${JSON.stringify(shrunk)}\n`);
    await rename(`${catalog}.tmp`, catalog);
    const afterShrink = await get('/catalog.json', { 'If-None-Match': grownTag });
    expect(afterShrink.status).toBe(200);
    expect(afterShrink.headers.get('content-length')).toBe(String(JSON.stringify(shrunk).length + 1));
    expect(await afterShrink.json()).toEqual(shrunk);
    expect(afterShrink.headers.get('etag')).not.toBe(grownTag);

    // A range of the new file is a range of the new bytes.
    const tail = await get('/catalog.json', { Range: 'bytes=-3' });
    expect(await tail.text()).toBe(`${JSON.stringify(shrunk)}\n`.slice(-3));
  });

  it('serves a file and a folder published after the server started', async () => {
    await mkdir(path.join(tree.root, 'datasets/visits/latest'), { recursive: true });
    await writeFile(path.join(tree.root, 'datasets/visits/latest/visits.csv'), 'id,year\n1,2000\n');
    await writeFile(
      path.join(tree.root, 'datasets/visits/index.html'),
      '<!doctype html><title>visits</title>',
    );

    const file = await get('/datasets/visits/latest/visits.csv');
    const page = await get('/datasets/visits/');

    expect(file.status).toBe(200);
    expect(await file.text()).toBe('id,year\n1,2000\n');
    expect(page.status).toBe(200);
  });

  it('answers 304 only while the file is unchanged (If-None-Match)', async () => {
    const file = path.join(tree.root, 'datasets/trade/latest/letters.csv');
    const tag = (await get('/datasets/trade/latest/letters.csv')).headers.get('etag') ?? '';

    const same = await get('/datasets/trade/latest/letters.csv', { 'If-None-Match': tag });
    const weak = await get('/datasets/trade/latest/letters.csv', { 'If-None-Match': `"x", W/${tag}` });
    const any = await get('/datasets/trade/latest/letters.csv', { 'If-None-Match': '*' });
    // Same size, same content length: only the validators can tell.
    await writeFile(file, LETTERS.toUpperCase());
    const changed = await get('/datasets/trade/latest/letters.csv', { 'If-None-Match': tag });

    expect(same.status).toBe(304);
    expect(await same.text()).toBe('');
    expect(same.headers.get('etag')).toBe(tag);
    expect(weak.status).toBe(304);
    expect(any.status).toBe(304);
    expect(changed.status).toBe(200);
    expect(await changed.text()).toBe(LETTERS.toUpperCase());
  });

  it('answers 412 when If-Match names another version of the file, before any other condition', async () => {
    const file = path.join(tree.root, 'datasets/trade/latest/match.csv');
    await writeFile(file, 'a\n');
    const tag = (await get('/datasets/trade/latest/match.csv')).headers.get('etag') ?? '';

    const same = await get('/datasets/trade/latest/match.csv', { 'If-Match': tag });
    await writeFile(file, 'b\n');
    const changed = await get('/datasets/trade/latest/match.csv', { 'If-Match': tag, 'If-None-Match': tag });
    const ranged = await get('/datasets/trade/latest/match.csv', { 'If-Match': tag, Range: 'bytes=0-0' });
    const any = await get('/datasets/trade/latest/match.csv', { 'If-Match': '*' });

    expect(tag).not.toBe('');
    expect(same.status).toBe(200);
    expect(await same.text()).toBe('a\n');
    expect(changed.status).toBe(412);
    expect(await changed.text()).toBe('');
    expect(ranged.status).toBe(412);
    expect(any.status).toBe(200);
    expect(await any.text()).toBe('b\n');
  });

  it('answers 412 to If-Unmodified-Since once the file has changed since that date', async () => {
    const file = path.join(tree.root, 'datasets/trade/latest/unmodified.csv');
    await writeFile(file, 'a\n');
    await sleep(1_100);
    const lastModified =
      (await get('/datasets/trade/latest/unmodified.csv')).headers.get('last-modified') ?? '';
    expect(lastModified).not.toBe('');

    const unchanged = await get('/datasets/trade/latest/unmodified.csv', {
      'If-Unmodified-Since': lastModified,
    });
    const before = await get('/datasets/trade/latest/unmodified.csv', {
      'If-Unmodified-Since': new Date(Date.parse(lastModified) - 60_000).toUTCString(),
    });

    expect(unchanged.status).toBe(200);
    expect(await unchanged.text()).toBe('a\n');
    expect(before.status).toBe(412);
  });

  it('answers 304 to If-Modified-Since only when the file has not changed since, even if its mtime was set back', async () => {
    const file = path.join(tree.root, 'datasets/trade/latest/since.csv');
    await writeFile(file, 'a\n');
    // Last-Modified is sent only once its second is over (a strong validator).
    await sleep(1_100);
    const first = await get('/datasets/trade/latest/since.csv');
    const lastModified = first.headers.get('last-modified') ?? '';
    expect(lastModified).not.toBe('');
    const unchanged = await get('/datasets/trade/latest/since.csv', { 'If-Modified-Since': lastModified });
    const future = await get('/datasets/trade/latest/since.csv', {
      'If-Modified-Since': new Date(Date.now() + 86_400_000).toUTCString(),
    });

    // A republish that keeps an old modification time, as `cp -p` or `rsync -t` do.
    await writeFile(file, 'b\n');
    const old = new Date('2020-01-01T00:00:00Z');
    await utimes(file, old, old);
    const republished = await get('/datasets/trade/latest/since.csv', {
      'If-Modified-Since': new Date('2024-01-01T00:00:00Z').toUTCString(),
    });

    expect(unchanged.status).toBe(304);
    expect(future.status).toBe(200);
    expect(republished.status).toBe(200);
    expect(await republished.text()).toBe('b\n');
  });
});

describe('only files inside the tree', () => {
  it.each([
    ['a relative symlink out of the tree', '/outside.txt'],
    ['a symlinked folder out of the tree', '/outside-dir/secret.txt'],
    ['an absolute symlink out of the tree', '/absolute.txt'],
    ['a dotfile', '/.hidden.txt'],
    ['.. in the path', '/../secret/secret.txt'],
    ['.. deeper in the path', '/datasets/../../secret/secret.txt'],
    ['encoded ..', '/%2e%2e/secret/secret.txt'],
    ['encoded .. and /', '/%2E%2E%2Fsecret%2Fsecret.txt'],
    ['encoded backslashes', '/datasets/..%5c..%5csecret%5csecret.txt'],
    ['an encoded NUL', '/datasets%00/trade/index.html'],
    ['a broken escape', '/%'],
    ['a 5000-character segment', `/${'a'.repeat(5000)}`],
  ])('%s is refused', async (_, url) => {
    const response = await rawRequest(site.port, url);

    expect([400, 404]).toContain(response?.status);
    expect(response?.body.toString('latin1')).not.toContain(SECRET);
  });

  it('follows a symlink whose target is inside the tree', async () => {
    const file = await get('/inside.csv', { Range: 'bytes=0-2' });
    const folder = await get('/inside-dir/1.0.0/letters.csv');

    expect(file.status).toBe(206);
    expect(await file.text()).toBe('abc');
    expect(await folder.text()).toBe(LETTERS);
  });

  it("serves a version's file linked to another version's, and not one linked to latest/, as verify reads them", async () => {
    const version = path.join(tree.root, 'datasets/trade/1.0.0');
    await mkdir(path.join(tree.root, 'datasets/trade/1.0.1'));
    await symlink('../1.0.0/letters.csv', path.join(tree.root, 'datasets/trade/1.0.1/letters.csv'));
    await symlink('../latest/letters.csv', path.join(version, 'mutable.csv'));

    const shared = await get('/datasets/trade/1.0.1/letters.csv');
    const mutable = await rawRequest(site.port, '/datasets/trade/1.0.0/mutable.csv');

    expect(await shared.text()).toBe(LETTERS);
    expect(mutable?.status).toBe(404);
  });

  it('serves a tree whose own path goes through a symlink', async () => {
    const linked = path.join(path.dirname(tree.root), 'linked-root');
    await symlink(tree.root, linked);
    const other = await startServer(linked);
    try {
      expect(await (await fetch(`${other.base}/datasets/trade/`)).text()).toBe(TRADE_HTML);
      expect((await rawRequest(other.port, '/outside.txt'))?.status).toBe(404);
    } finally {
      await other.close();
    }
  });
});

describe('headers', () => {
  it('sends the security headers of the production site with every page', async () => {
    for (const url of ['/', '/datasets/trade/', '/nosuch.html']) {
      const response = await get(url);
      const csp = response.headers.get('content-security-policy') ?? '';

      expect(csp, url).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-frame-options'), url).toBe('DENY');
      expect(response.headers.get('referrer-policy'), url).toBe('strict-origin-when-cross-origin');
      expect(response.headers.get('x-content-type-options'), url).toBe('nosniff');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(/script-src [^;]*'unsafe-inline'/.test(csp)).toBe(false);
    }
  });

  it('keeps content types, cache policies and CORS', async () => {
    const versioned = await get(LETTERS_URL);
    const latest = await get('/datasets/trade/latest/letters.csv');
    const preflight = await get('/catalog.json', { Origin: 'https://example.org' }, 'OPTIONS');

    expect(versioned.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(latest.headers.get('cache-control')).toBe('public, max-age=300');
    expect(versioned.headers.get('access-control-allow-origin')).toBe('*');
    expect(versioned.headers.get('access-control-expose-headers')).toContain('Content-Range');
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('Range');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, HEAD');
  });

  it('refuses writes with 405 and names what is allowed', async () => {
    const response = await get('/catalog.json', {}, 'DELETE');

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });
});

describe('an error while answering', () => {
  it('is a 500 for that request only; the server keeps serving', async () => {
    const errors: unknown[] = [];
    // A directory path with a NUL makes every file-system call throw: the handler's own failure.
    const broken = await startServer(`${tree.root}\u0000`, { onError: (error) => errors.push(error) });
    try {
      const first = await fetch(`${broken.base}/index.html`);
      const second = await fetch(`${broken.base}/index.html`);

      expect(first.status).toBe(500);
      expect(second.status).toBe(500);
      expect(errors).toHaveLength(2);
    } finally {
      await broken.close();
    }
  });
});

describe('a file cut short while it is being sent', () => {
  it('ends the connection with an error instead of passing the short body off as complete', async () => {
    // Far more than the socket buffers hold, so the server is still reading the file when it is cut.
    const big = path.join(tree.root, 'datasets/trade/latest/big.csv');
    await writeFile(big, Buffer.alloc(64 * 1024 * 1024, 'x'));
    // Idle keep-alive connections stay open, so only the server's own check can end a short body.
    const keeping = await startServer(tree.root);
    keeping.server.keepAliveTimeout = 10 * 60_000;
    try {
      const response = await fetch(`${keeping.base}/datasets/trade/latest/big.csv`);
      expect(response.headers.get('content-length')).toBe(String(64 * 1024 * 1024));

      await truncate(big, 0);

      await expect(response.arrayBuffer()).rejects.toThrow();
      expect(
        (await fetch(`${keeping.base}/datasets/trade/latest/big.csv`)).headers.get('content-length'),
      ).toBe('0');
    } finally {
      await keeping.close();
      await rm(big, { force: true });
    }
  });
});

/** The URL a started `opendata serve` prints once it listens (it fails should the process end first). */
async function printedUrl(child: ChildProcessByStdio<null, Readable, Readable>): Promise<string> {
  let printed = '';
  child.stdout.setEncoding('utf8');
  while (!/http:\/\/\S+\//.test(printed)) {
    const [chunk] = (await Promise.race([once(child.stdout, 'data'), once(child, 'exit')])) as [unknown];
    if (typeof chunk !== 'string') throw new Error(`serve exited before listening: ${String(chunk)}`);
    printed += chunk;
  }
  return /http:\/\/\S+\//.exec(printed)?.[0] ?? '';
}

describe('as a process (opendata serve)', () => {
  it('answers the URL it prints, survives Range: bytes=5-2, and keeps serving', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bin/opendata.ts', 'serve', '--dir', tree.root, '--port', '0'],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await printedUrl(child);

      const reversed = await fetch(`${url}datasets/trade/1.0.0/letters.csv`, {
        headers: { Range: 'bytes=5-2' },
      });
      const index = await fetch(url);

      expect(reversed.status).toBe(200);
      expect(index.status).toBe(200);
      expect(await index.text()).toBe(INDEX_HTML);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill();
    }
  });

  it('stops when npm, which started it, is stopped: no server is left running on its own', async () => {
    // As a service manager or a terminal stops `npm run opendata -- serve`: the signal goes to npm, which
    // passes it to its child. Were that child a shell that forks node, node would outlive it, still serving.
    const child = spawn(
      'npm',
      ['run', '--silent', 'opendata', '--', 'serve', '--dir', tree.root, '--port', '0'],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let url = '';
    try {
      url = await printedUrl(child);
      expect((await fetch(url)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    await once(child, 'exit');
    // The port is closed: nothing is left answering on it.
    await vi.waitFor(() => expect(fetch(url, { signal: AbortSignal.timeout(1_000) })).rejects.toThrow(), {
      timeout: 10_000,
      interval: 200,
    });
  }, 60_000);
});
