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
