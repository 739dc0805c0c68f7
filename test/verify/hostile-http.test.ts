import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../bin/opendata.js';
import {
  fixtureTree,
  startServer,
  treeRoutes,
  type Route,
  type TestServer,
} from '../support/hostile-http-server.js';

const PREFIX = '/mirror/';
// Tiny limits so that a hostile server costs the test well under a second; no assertion is on time.
const FAST = ['--connect-timeout-ms', '2000', '--idle-timeout-ms', '200', '--deadline-ms', '1500'];

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(routes: Map<string, Route>): Promise<TestServer> {
  const server = await startServer(routes);
  servers.push(server);
  return server;
}

/** Another host, as far as verify can tell: it must never be asked for anything. */
async function otherHost(): Promise<TestServer> {
  return serve(new Map([['/x', 'secret from another host']]));
}

async function verify(...args: string[]): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(['verify', ...args], {
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
  });
  return { code, stdout, stderr };
}

function expectOneLineProblem(result: { code: number; stderr: string[] }, pattern: RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stderr).toHaveLength(1);
  expect(result.stderr[0]).toMatch(pattern);
  expect(result.stderr[0]).not.toMatch(/\n|\bat .*\.(ts|js):\d+/);
}

describe('verify over HTTP against a hostile server', () => {
  it('passes the fixture tree as served', async () => {
    const server = await serve(treeRoutes(PREFIX, fixtureTree()));

    const result = await verify(`${server.origin}${PREFIX}`, ...FAST);

    expect(result.stderr).toEqual([]);
    expect(result.stdout).toEqual(['verify: ok, 4 files match the catalog']);
    expect(result.code).toBe(0);
    expect(server.requests.every((request) => request.headers['accept-encoding'] === 'identity')).toBe(true);
  });

  describe('never requests anything outside the base URL', () => {
    it.each([
      ['an absolute URL on another host', (other: string) => `${other}/x`],
      ['a protocol-relative URL', (other: string) => `//${new URL(other).host}/x`],
      ['a parent path', () => '../x'],
      ['a percent-encoded parent path', () => 'datasets/t/1.0.0/%2e%2e/%2e%2e/%2e%2e/x'],
      ['a backslash path', () => 'datasets/t/1.0.0/..\\..\\..\\x'],
      ['a data: URL', () => 'data:text/csv,id%0A1'],
      ['a file: URL', () => 'file:///etc/passwd'],
      ['an absolute path', () => '/etc/passwd'],
    ])('as a catalog path: %s is a problem, not a request', async (_name, pathFor) => {
      const other = await otherHost();
      const tree = fixtureTree();
      const first = tree.catalog.datasets[0]?.versions[0]?.distributions[0];
      if (first === undefined) throw new Error('fixture has no distribution');
      first.path = pathFor(other.origin);
      const server = await serve(treeRoutes(PREFIX, tree));

      const result = await verify(`${server.origin}${PREFIX}`, ...FAST);

      expectOneLineProblem(result, /catalog\.json: .*\/datasets\/0\/versions\/0\/distributions\/0\/path/);
      expect(other.requests).toEqual([]);
      expect(server.requests.map((request) => request.url)).toEqual([`${PREFIX}catalog.json`]);
    });

    it('does not follow the url field of a distribution', async () => {
      const other = await otherHost();
      const tree = fixtureTree();
      const first = tree.catalog.datasets[0]?.versions[0]?.distributions[0];
      if (first === undefined) throw new Error('fixture has no distribution');
      Object.assign(first, { url: `${other.origin}/x` });
      const server = await serve(treeRoutes(PREFIX, tree));

      const result = await verify(`${server.origin}${PREFIX}`, ...FAST);

      expect(result.code).toBe(0);
      expect(other.requests).toEqual([]);
    });

    it.each([
      ['to another host', (other: string) => `${other}/x`],
      ['protocol-relative to another host', (other: string) => `//${new URL(other).host}/x`],
      ['to the same host outside the base path', () => '/elsewhere/t.csv'],
      ['up out of the base path', () => '../../../../elsewhere/t.csv'],
      ['to a data: URL', () => 'data:text/plain,x'],
    ])('a redirect %s is a problem, not followed', async (_name, locationFor) => {
      const other = await otherHost();
      const tree = fixtureTree();
      const server = await serve(
        treeRoutes(PREFIX, tree, {
          'datasets/t/1.0.0/t.csv': (_request, response) =>
            response.writeHead(302, { location: locationFor(other.origin) }).end(),
        }),
      );

      const result = await verify(`${server.origin}${PREFIX}`, ...FAST);

      expectOneLineProblem(
        result,
        /datasets\/t\/1\.0\.0\/t\.csv: could not be read: redirects to .*not followed/,
      );
      expect(other.requests).toEqual([]);
      expect(server.requests.filter((request) => !request.url.startsWith(PREFIX))).toEqual([]);
    });

    it('follows a redirect within the base, and at most 3 of them', async () => {
      const tree = fixtureTree();
      const csv = tree.files.get('datasets/t/1.0.0/t.csv') ?? '';
      const server = await serve(
        treeRoutes(PREFIX, tree, {
          // A mirror that moved its files: followed.
          'datasets/t/1.0.0/t.csv': (_request, response) =>
            response.writeHead(301, { location: `${PREFIX}moved/t.csv` }).end(),
          'moved/t.csv': csv,
          // A loop: given up after three hops.
          'datasets/t/1.0.0/t.json': (_request, response) =>
            response.writeHead(307, { location: 'loop' }).end(),
          'datasets/t/1.0.0/loop': (_request, response) =>
            response.writeHead(307, { location: 'loop' }).end(),
        }),
      );

      const result = await verify(`${server.origin}${PREFIX}`, ...FAST);

      expectOneLineProblem(result, /1\.0\.0\/t\.json: could not be read: redirected more than 3 times/);
      expect(
        server.requests.filter((request) => request.url === `${PREFIX}datasets/t/1.0.0/loop`),
      ).toHaveLength(3);
    });
  });

  describe('ends on a server that never finishes', () => {
    const drip = (response: ServerResponse): void => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"title": "');
      // One byte every 50 ms: never idle for long, never done.
      const timer = setInterval(() => response.write('x'), 50);
      response.on('close', () => clearInterval(timer));
    };

    it('a drip-fed catalog stops at the total deadline', async () => {
      const server = await serve(
        new Map([[`${PREFIX}catalog.json`, (_request, response) => drip(response)]]),
      );

      const result = await verify(`${server.origin}${PREFIX}`, ...FAST);

      expectOneLineProblem(result, /catalog\.json: stopped: the total deadline of 1500 ms for verify passed/);
    });

    it('a drip-fed file stops at the total deadline', async () => {
      const server = await serve(
        treeRoutes(PREFIX, fixtureTree(), {
          'datasets/t/1.0.0/t.json': (_request, response) => drip(response),
        }),
      );

      const result = await verify(`${server.origin}${PREFIX}`, ...FAST);

      expectOneLineProblem(result, /t\.json: stopped: the total deadline of 1500 ms for verify passed/);
    });

    it.each([
      ['before the headers', (_response: ServerResponse) => undefined],
      [
        'within the body',
        (response: ServerResponse) => response.writeHead(200, { 'content-length': 100 }).write('id,va'),
      ],
    ])('a server that stalls %s times out when idle', async (_name, stall) => {
      const server = await serve(
        treeRoutes(PREFIX, fixtureTree(), {
          'datasets/t/1.0.0/t.csv': (_request, response) => void stall(response),
        }),
      );

      const result = await verify(`${server.origin}${PREFIX}`, ...FAST);

      expectOneLineProblem(result, /t\.csv: could not be read: sent nothing for 200 ms/);
    });
  });

  it('a TLS handshake that never completes ends at the connect timeout', async () => {
    // A TCP server that accepts and then says nothing: the TLS handshake counts as connecting.
    const silent = createNetServer(() => undefined);
    const sockets: Socket[] = [];
    silent.on('connection', (socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;

    const result = await verify(
      `https://127.0.0.1:${port}/`,
      '--connect-timeout-ms',
      '200',
      '--idle-timeout-ms',
      '30000',
      '--deadline-ms',
      '30000',
    );

    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    expectOneLineProblem(
      result,
      /catalog\.json: could not be read: no connection to 127\.0\.0\.1:\d+ within 200 ms/,
    );
  });

  describe('reads no more than the catalog states', () => {
    it('an endless file is read only past its stated size', async () => {
      let sent = 0;
      const server = await serve(
        treeRoutes(PREFIX, fixtureTree(), {
          'datasets/t/1.0.0/t.csv': (_request, response) => {
            response.writeHead(200);
            const chunk = Buffer.alloc(64 * 1024, 'a');
            const pump = (): void => {
              while (!response.destroyed && response.write(chunk)) sent += chunk.byteLength;
            };
            response.on('drain', pump);
            pump();
          },
        }),
      );

      const result = await verify(`${server.origin}${PREFIX}`, ...FAST);

      expectOneLineProblem(
        result,
        /t\.csv: has more than \d+ bytes; the catalog says 21 \(stopped reading there\)/,
      );
      expect(sent).toBeLessThan(64 * 1024 * 1024);
    });

    it('a catalog over --max-catalog-bytes is refused', async () => {
      const server = await serve(treeRoutes(PREFIX, fixtureTree()));

      const result = await verify(`${server.origin}${PREFIX}`, ...FAST, '--max-catalog-bytes', '100');

      expectOneLineProblem(result, /catalog\.json: is larger than the 100-byte limit for a catalog/);
    });
  });

  describe('refuses compressed bodies instead of decoding them', () => {
    const encoders = {
      gzip: gzipSync,
      deflate: deflateSync,
      br: brotliCompressSync,
    } as const;

    it.each(Object.keys(encoders) as (keyof typeof encoders)[])(
      'Content-Encoding: %s on a file',
      async (encoding) => {
        const tree = fixtureTree();
        const csv = tree.files.get('datasets/t/1.0.0/t.csv') ?? Buffer.alloc(0);
        const server = await serve(
          treeRoutes(PREFIX, tree, {
            'datasets/t/1.0.0/t.csv': (_request, response) =>
              response.writeHead(200, { 'content-encoding': encoding }).end(encoders[encoding](csv)),
          }),
        );

        const result = await verify(`${server.origin}${PREFIX}`, ...FAST);

        expectOneLineProblem(
          result,
          new RegExp(`t\\.csv: could not be read: was sent with Content-Encoding "${encoding}"`),
        );
      },
    );

    it('Content-Encoding: gzip on the catalog', async () => {
      const tree = fixtureTree();
      const server = await serve(
        treeRoutes(PREFIX, tree, {
          'catalog.json': (_request, response) =>
            response
              .writeHead(200, { 'content-encoding': 'gzip' })
              .end(gzipSync(JSON.stringify(tree.catalog))),
        }),
      );

      const result = await verify(`${server.origin}${PREFIX}`, ...FAST);

      expectOneLineProblem(result, /catalog\.json: could not be read: was sent with Content-Encoding "gzip"/);
    });
  });

  it('a connection cut in the middle of a body is a problem', async () => {
    const server = await serve(
      treeRoutes(PREFIX, fixtureTree(), {
        'datasets/t/1.0.0/t.csv': (_request, response) => {
          response.writeHead(200, { 'content-length': 21 });
          response.write('id,value\n', () => response.socket?.destroy());
        },
      }),
    );

    const result = await verify(`${server.origin}${PREFIX}`, ...FAST);

    expectOneLineProblem(result, /t\.csv: could not be read: the connection (closed|broke) after 9 bytes/);
  });

  it('a 500 is a problem for that file only', async () => {
    const server = await serve(
      treeRoutes(PREFIX, fixtureTree(), {
        'datasets/t/latest/t.json': (_request, response) => response.writeHead(500).end(),
      }),
    );

    const result = await verify(`${server.origin}${PREFIX}`, ...FAST);

    expectOneLineProblem(result, /latest\/t\.json: could not be read: answered 500 Internal Server Error/);
    expect(result.stdout).toEqual(['verify: 1 problem in 4 files checked']);
  });

  describe('a catalog of the wrong shape is one line and exit 1', () => {
    const wrongShapes: [string, Route, RegExp][] = [
      ['empty', '', /at line 1, column 1: is not valid JSON: the text ends where a value is expected/],
      ['not JSON', '<html>mirror error</html>', /at line 1, column 1: is not valid JSON/],
      [
        'a number past a 64-bit float',
        '{"datasets": [], "n": 1e400}',
        /\(\/n\): the number 1e400 is beyond what a 64-bit float holds/,
      ],
      ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /is not UTF-8/],
      ['a JSON array', '[]', /the document must be object/],
      ['null', 'null', /the document must be object/],
      [
        'datasets that is not a list',
        (() => {
          const { catalog } = fixtureTree();
          return JSON.stringify({ ...catalog, datasets: { t: catalog.datasets[0] } });
        })(),
        /\/datasets must be array/,
      ],
      [
        'bytes that is a string',
        (() => {
          const { catalog } = fixtureTree();
          Object.assign(catalog.datasets[0]?.versions[0]?.distributions[0] ?? {}, { bytes: '21' });
          return JSON.stringify(catalog);
        })(),
        /\/distributions\/0\/bytes must be integer.*found string "21"/,
      ],
      [
        'distributions that is an object',
        (() => {
          const { catalog } = fixtureTree();
          Object.assign(catalog.datasets[0]?.versions[0] ?? {}, { distributions: { path: 'x' } });
          return JSON.stringify(catalog);
        })(),
        /\/versions\/0\/distributions must be array/,
      ],
      [
        'a path that is a number',
        (() => {
          const { catalog } = fixtureTree();
          Object.assign(catalog.datasets[0]?.versions[0]?.distributions[0] ?? {}, { path: 5 });
          return JSON.stringify(catalog);
        })(),
        /\/distributions\/0\/path must be string/,
      ],
    ];

    it.each(wrongShapes)('%s', async (_name, body, pattern) => {
      const server = await serve(treeRoutes(PREFIX, fixtureTree(), { 'catalog.json': body }));

      const result = await verify(`${server.origin}${PREFIX}`, ...FAST);

      expectOneLineProblem(result, pattern);
      expect(result.stderr[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mirror\/catalog\.json: /);
    });
  });

  describe('the latest/ mirror', () => {
    it('a latest that names no listed version is a problem', async () => {
      const tree = fixtureTree();
      const dataset = tree.catalog.datasets[0];
      if (dataset === undefined) throw new Error('fixture has no dataset');
      dataset.latest = '9.9.9';
      const server = await serve(treeRoutes(PREFIX, tree));

      const result = await verify(`${server.origin}${PREFIX}`, ...FAST);

      expectOneLineProblem(
        result,
        /catalog\.json: dataset "t" names 9\.9\.9 as its latest version, but lists no such version/,
      );
    });

    it('an empty latest/ folder is a problem for each file', async () => {
      const tree = fixtureTree();
      tree.files.delete('datasets/t/latest/t.csv');
      tree.files.delete('datasets/t/latest/t.json');
      const server = await serve(treeRoutes(PREFIX, tree));

      const result = await verify(`${server.origin}${PREFIX}`, ...FAST);

      expect(result.code).toBe(1);
      expect(result.stderr).toEqual([
        `${server.origin}/mirror/datasets/t/latest/t.csv: is missing (should mirror datasets/t/1.0.0/t.csv)`,
        `${server.origin}/mirror/datasets/t/latest/t.json: is missing (should mirror datasets/t/1.0.0/t.json)`,
      ]);
    });

    it('a file listed outside its version folder is a problem, so it cannot mirror itself', async () => {
      const tree = fixtureTree();
      const first = tree.catalog.datasets[0]?.versions[0]?.distributions[0];
      if (first === undefined) throw new Error('fixture has no distribution');
      first.path = 'datasets/t/2.0.0/t.csv';
      tree.files.set('datasets/t/2.0.0/t.csv', tree.files.get('datasets/t/1.0.0/t.csv') ?? Buffer.alloc(0));
      const server = await serve(treeRoutes(PREFIX, tree));

      const result = await verify(`${server.origin}${PREFIX}`, ...FAST);

      expectOneLineProblem(
        result,
        /2\.0\.0\/t\.csv: is listed for t 1\.0\.0 but is not a file of datasets\/t\/1\.0\.0\/: not read/,
      );
    });
  });

  it.each(['0', '-1', '1.5', '10s', '99999999999'])('--deadline-ms %s is a usage error', async (value) => {
    const result = await verify('http://127.0.0.1:9/', `--deadline-ms=${value}`);

    expect(result.code).toBe(2);
    expect(result.stderr[0]).toMatch(/--deadline-ms must be a whole number from 1 to 2147483647/);
  });

  describe('credentials in the base URL', () => {
    it('are sent to the base origin only and never printed', async () => {
      const other = await otherHost();
      const server = await serve(
        treeRoutes(PREFIX, fixtureTree(), {
          'datasets/t/1.0.0/t.csv': (_request, response) =>
            response
              .writeHead(302, { location: `http://user:also-secret@${new URL(other.origin).host}/x` })
              .end(),
        }),
      );
      const base = `http://reader:s3cr3t@${new URL(server.origin).host}${PREFIX}`;

      const result = await verify(base, ...FAST);

      const printed = [...result.stdout, ...result.stderr].join('\n');
      expect(result.code).toBe(1);
      expect(printed).toContain('http://***@127.0.0.1');
      expect(printed).not.toMatch(/s3cr3t|also-secret|reader:/);
      expect(server.requests[0]?.headers.authorization).toBe(
        `Basic ${Buffer.from('reader:s3cr3t').toString('base64')}`,
      );
      expect(other.requests).toEqual([]);
    });

    it('are not printed when the base URL cannot be reached at all', async () => {
      const server = await serve(new Map());
      await server.close();

      const result = await verify(`http://reader:s3cr3t@${new URL(server.origin).host}/`, ...FAST);

      expectOneLineProblem(
        result,
        /^http:\/\/\*\*\*@127\.0\.0\.1:\d+\/catalog\.json: could not be read: request failed/,
      );
      expect(result.stderr.join('')).not.toContain('s3cr3t');
    });
  });
});
