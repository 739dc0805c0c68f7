import { createServer, type Server } from 'node:http';
import { execFile } from 'node:child_process';
import { readFile, rm, symlink, writeFile, cp } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSiteServer } from '../../bin/site-server.js';
import { cli, makeWorkspace, publishWorkspace } from '../support/workspace.js';
import { makeTempDir } from '../support/temp-dir.js';

let out: string;
const servers: Server[] = [];

beforeAll(async () => {
  const ws = await makeWorkspace();
  const published = await publishWorkspace(ws);
  expect(published.code).toBe(0);
  out = ws.out;
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A plain static server with the tree mounted under /mirror/, as a mirror in a sub-folder would be. */
function mirrorServer(root: string): Server {
  return createServer((request, response) => {
    const url = request.url ?? '';
    const key = url.startsWith('/mirror/') ? url.slice('/mirror/'.length) : undefined;
    if (key === undefined || key.includes('..')) {
      response.writeHead(404).end();
      return;
    }
    readFile(path.join(root, key)).then(
      (body) => response.writeHead(200, { 'content-length': body.byteLength }).end(body),
      () => response.writeHead(404).end(),
    );
  });
}

/** A copy of the published tree that a test may damage. */
async function copyOfTree(): Promise<string> {
  const copy = path.join(await makeTempDir('opendata-verify-'), 'public');
  await cp(out, copy, { recursive: true });
  return copy;
}

describe('verify on a real published tree', () => {
  it('passes over HTTP from the site server', async () => {
    const base = await listen(createSiteServer(out));

    const { code, stdout, stderr } = await cli('verify', `${base}/`);

    expect(stderr).toBe('');
    expect(stdout).toMatch(/^verify: ok, \d+ files match the catalog$/);
    expect(code).toBe(0);
  });

  it('passes over HTTP from a mirror in a sub-folder', async () => {
    const base = await listen(mirrorServer(out));

    const { code, stdout } = await cli('verify', `${base}/mirror`);

    expect(stdout).toMatch(/^verify: ok, \d+ files match the catalog$/);
    expect(code).toBe(0);
  });

  it('passes from the directory', async () => {
    const { code, stdout } = await cli('verify', out);

    expect(stdout).toMatch(/^verify: ok, \d+ files match the catalog$/);
    expect(code).toBe(0);
  });

  it('accepts a symbolic link that stays inside the directory', async () => {
    const tree = await copyOfTree();
    const mirror = path.join(tree, 'datasets/trade/latest/trade.csv');
    await rm(mirror);
    await symlink('../1.0.0/trade.csv', mirror);

    const { code } = await cli('verify', tree);

    expect(code).toBe(0);
  });

  it('does not follow a symbolic link out of the directory, even to the right bytes', async () => {
    const tree = await copyOfTree();
    const file = path.join(tree, 'datasets/trade/1.0.0/trade.csv');
    const outside = path.join(path.dirname(tree), 'outside.csv');
    await writeFile(outside, await readFile(file));
    await rm(file);
    await symlink(outside, file);

    const { code, stderr } = await cli('verify', tree);

    expect(code).toBe(1);
    expect(stderr).toBe(
      `${tree}/datasets/trade/1.0.0/trade.csv: could not be read: is a symbolic link (or under one) that leads out of the directory: not read`,
    );
  });

  it('does not wait on a FIFO in place of a file', async () => {
    const tree = await copyOfTree();
    const file = path.join(tree, 'datasets/trade/latest/trade.csv');
    await rm(file);
    await promisify(execFile)('mkfifo', [file]);

    const { code, stderr } = await cli('verify', tree);

    expect(code).toBe(1);
    expect(stderr).toBe(
      `${tree}/datasets/trade/latest/trade.csv: could not be read: is not a regular file: not read`,
    );
  });
});
