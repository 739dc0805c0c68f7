import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { connect, type AddressInfo } from 'node:net';
import path from 'node:path';
import type { Server } from 'node:http';
import { createSiteServer, type SiteServerOptions } from '../../bin/site-server.js';
import { makeTempDir } from '../support/temp-dir.js';

/** The 26 bytes of the range fixture, so that every expected slice reads as letters. */
export const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
/** Text of a file outside the served tree; no response may ever contain it. */
export const SECRET = 'TOP-SECRET-OUTSIDE-THE-TREE';
/** The page served at `/`. */
export const INDEX_HTML = '<!doctype html><title>index</title><h1>site index</h1>\n';
/** The page served at `/datasets/trade/`. */
export const TRADE_HTML = '<!doctype html><title>trade</title><h1>trade dataset</h1>\n';

/** A small published-looking tree beside a secret folder, with symlinks pointing in and out. */
export interface ServeTree {
  /** The folder the server serves. */
  readonly root: string;
  /** A sibling folder holding `secret.txt`. */
  readonly outside: string;
}

/**
 * Lays out:
 * `index.html`, `catalog.json`, `empty.txt`, `.hidden.txt`,
 * `datasets/trade/index.html`, `datasets/trade/{1.0.0,latest}/letters.csv`,
 * and symlinks `outside.txt` (relative, out), `outside-dir` (folder, out),
 * `absolute.txt` (absolute, out), `inside.csv` (in) and `inside-dir` (folder, in).
 */
export async function makeServeTree(): Promise<ServeTree> {
  const base = await makeTempDir('opendata-serve-');
  const root = path.join(base, 'public');
  const outside = path.join(base, 'secret');
  await mkdir(path.join(root, 'datasets/trade/1.0.0'), { recursive: true });
  await mkdir(path.join(root, 'datasets/trade/latest'), { recursive: true });
  await mkdir(outside);
  await writeFile(path.join(outside, 'secret.txt'), SECRET);
  await writeFile(path.join(root, 'index.html'), INDEX_HTML);
  await writeFile(path.join(root, 'catalog.json'), '{"datasets":[]}\n');
  await writeFile(path.join(root, 'empty.txt'), '');
  await writeFile(path.join(root, '.hidden.txt'), SECRET);
  await writeFile(path.join(root, 'datasets/trade/index.html'), TRADE_HTML);
  await writeFile(path.join(root, 'datasets/trade/1.0.0/letters.csv'), LETTERS);
  await writeFile(path.join(root, 'datasets/trade/latest/letters.csv'), LETTERS);
  await symlink('../secret/secret.txt', path.join(root, 'outside.txt'));
  await symlink('../secret', path.join(root, 'outside-dir'));
  await symlink(path.join(outside, 'secret.txt'), path.join(root, 'absolute.txt'));
  await symlink('datasets/trade/1.0.0/letters.csv', path.join(root, 'inside.csv'));
  await symlink('datasets/trade', path.join(root, 'inside-dir'));
  return { root, outside };
}

/** A running site server and its base URL (`http://127.0.0.1:<port>`, no trailing slash). */
export interface RunningServer {
  readonly server: Server;
  readonly base: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts `createSiteServer(root)` on an ephemeral loopback port. */
export async function startServer(root: string, options?: SiteServerOptions): Promise<RunningServer> {
  const server = createSiteServer(root, options);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A response read off the wire. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * Sends one request exactly as written (no URL normalisation, unlike `fetch`,
 * which would resolve `..` before sending) and reads the answer until the
 * server closes the connection. Resolves `undefined` when the connection
 * closes without a status line.
 */
export function rawRequest(
  port: number,
  target: string,
  headers: Readonly<Record<string, string>> = {},
  method = 'GET',
): Promise<RawResponse | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    // A guard against a hang, not a timing assertion: a healthy answer takes milliseconds.
    socket.setTimeout(30_000, () =>
      socket.destroy(new Error(`no answer to ${method} ${target.slice(0, 80)}`)),
    );
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // The server may reset a connection it refused to parse; what it sent before still counts.
      if (error.code === 'ECONNRESET') resolve(parseRaw(Buffer.concat(chunks)));
      else reject(error);
    });
    socket.on('end', () => resolve(parseRaw(Buffer.concat(chunks))));
    const lines = [
      `${method} ${target} HTTP/1.1`,
      'Host: 127.0.0.1',
      'Connection: close',
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    // Not end(): a half-closed connection may be dropped before an answer that needs the disk is ready.
    socket.write(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'));
  });
}

function parseRaw(data: Buffer): RawResponse | undefined {
  const split = data.indexOf('\r\n\r\n');
  if (split === -1) return undefined;
  const [statusLine = '', ...headerLines] = data.subarray(0, split).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  if (status === undefined) return undefined;
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(status), headers, body: data.subarray(split + 4) };
}
