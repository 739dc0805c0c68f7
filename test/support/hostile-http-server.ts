import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What a test server saw of one request. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
}

/** A route's answer: fixed bytes (served 200 as they are) or a handler free to misbehave. */
export type Route = Uint8Array | string | ((request: IncomingMessage, response: ServerResponse) => void);

/** A loopback HTTP server on an ephemeral port that records every request it receives. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** Closes the server and destroys every open connection (drip-fed ones included). */
  close(): Promise<void>;
}

/**
 * Starts a server answering `routes` (keyed by request path, e.g. `/mirror/catalog.json`)
 * and 404 for anything else. Listens on 127.0.0.1 only, port 0.
 */
export async function startServer(routes: ReadonlyMap<string, Route>): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    const route = routes.get(request.url ?? '');
    if (route === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    } else if (typeof route === 'function') {
      route(request, response);
    } else {
      const body = typeof route === 'string' ? Buffer.from(route) : Buffer.from(route);
      response.writeHead(200, { 'content-length': body.byteLength }).end(body);
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One file of a fixture tree. */
export interface FixtureFile {
  format: string;
  mediaType: string;
  path: string;
  bytes: number;
  sha256: string;
}

/**
 * A small published tree that `verify` passes: dataset `t`, version 1.0.0 with
 * `t.csv` and `t.json`, their `latest/` mirrors, and a catalog that matches
 * `schemas/catalog.schema.json`. Keys are site-relative (no leading slash).
 */
export function fixtureTree(): { files: Map<string, Buffer>; catalog: FixtureCatalog } {
  const csv = Buffer.from('id,value\n1,one\n2,two\n');
  const json = Buffer.from('{"rows":[{"id":1,"value":"one"},{"id":2,"value":"two"}]}\n');
  const files = new Map<string, Buffer>([
    ['datasets/t/1.0.0/t.csv', csv],
    ['datasets/t/1.0.0/t.json', json],
    ['datasets/t/latest/t.csv', csv],
    ['datasets/t/latest/t.json', json],
  ]);
  const distribution = (name: string, format: string, mediaType: string, body: Buffer): FixtureFile => ({
    format,
    mediaType,
    path: `datasets/t/1.0.0/${name}`,
    bytes: body.byteLength,
    sha256: createHash('sha256').update(body).digest('hex'),
  });
  const catalog: FixtureCatalog = {
    title: 'Test catalog',
    description: 'A catalog served by a test server.',
    publisher: { name: 'Tests' },
    license: 'CC-BY-4.0',
    modified: '2024-01-01T00:00:00Z',
    datasets: [
      {
        id: 't',
        title: 'T',
        description: 'A dataset of two rows, long enough for the catalog schema to accept it.',
        keywords: ['test'],
        license: 'CC-BY-4.0',
        latest: '1.0.0',
        modified: '2024-01-01T00:00:00Z',
        versions: [
          {
            version: '1.0.0',
            published: '2024-01-01T00:00:00Z',
            contentHash: `sha256:${'a'.repeat(64)}`,
            schemaHash: `sha256:${'b'.repeat(64)}`,
            rows: 2,
            change: 'initial',
            distributions: [
              distribution('t.csv', 'csv', 'text/csv', csv),
              distribution('t.json', 'json', 'application/json', json),
            ],
          },
        ],
      },
    ],
  };
  return { files, catalog };
}

/** The fixture's catalog, mutable so that tests can break it. */
export interface FixtureCatalog {
  title: string;
  description: string;
  publisher: { name: string };
  license: string;
  modified: string;
  datasets: {
    id: string;
    title: string;
    description: string;
    keywords: string[];
    license: string;
    latest: string;
    modified: string;
    versions: {
      version: string;
      published: string;
      contentHash: string;
      schemaHash: string;
      rows: number;
      change: string;
      distributions: FixtureFile[];
    }[];
  }[];
}

/**
 * Routes serving a fixture tree under `prefix` (e.g. `/mirror/`): the catalog
 * (as given, or any replacement body) and every file, each overridable.
 */
export function treeRoutes(
  prefix: string,
  tree: { files: ReadonlyMap<string, Buffer>; catalog: unknown },
  overrides: Record<string, Route> = {},
): Map<string, Route> {
  const routes = new Map<string, Route>([[`${prefix}catalog.json`, JSON.stringify(tree.catalog)]]);
  for (const [key, body] of tree.files) routes.set(`${prefix}${key}`, body);
  for (const [key, route] of Object.entries(overrides)) routes.set(`${prefix}${key}`, route);
  return routes;
}
