import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../support/workspace.js';
import { makeTempDir } from '../support/temp-dir.js';

describe('opendata serve, when it cannot serve', () => {
  it('says there is no such folder, instead of serving 404 for everything', async () => {
    const missing = path.join(await makeTempDir('opendata-serve-'), 'nothing-here');

    const { code, stderr } = await cli('serve', '--dir', missing, '--port', '0');

    // A folder named on the command line, as verify's and --sources's: a usage error (it was exit 1).
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(
      `opendata: no folder ${missing}/ to serve (--dir names the published tree)`,
    );
  });

  // The default folder not there yet is a site not published yet, not a mistyped path: a regression made
  // it a usage error saying --dir, where --dir was never given.
  it('says to publish first when the default public/ is not there, exit 1', async () => {
    const dir = await makeTempDir('opendata-serve-');
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const { code, stderr } = await cli('serve', '--port', '0');

      expect(code).toBe(1);
      expect(stderr).toBe('opendata: no folder public/ to serve: publish first (npm start)');
    } finally {
      process.chdir(cwd);
    }
  });

  it('says a file given as --dir is not a folder', async () => {
    const file = path.join(await makeTempDir('opendata-serve-'), 'site.txt');
    await writeFile(file, 'not a site');

    const { code, stderr } = await cli('serve', '--dir', file, '--port', '0');

    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(`opendata: ${file} is not a folder: --dir names the published tree`);
  });

  it('names the port that is taken, and how to choose another', async () => {
    const dir = await makeTempDir('opendata-serve-');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const { code, stderr } = await cli('serve', '--dir', dir, '--port', String(port));

      expect(code).toBe(1);
      expect(stderr).toBe(
        `opendata: cannot listen on 127.0.0.1:${port}: the port is in use (EADDRINUSE); choose another with --port`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
