import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../lambda/store/s3.js';

const INSTALL_HINT = "moto_server not found: install it with `pip install 'moto[server]==5.2.1'`";
const STARTUP_TIMEOUT_MS = 20_000;

/** Static credentials moto accepts; tests never read the developer's AWS configuration. */
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;
export const TEST_REGION = 'us-east-1';

export interface MotoServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** moto_server with S3's conditional writes made atomic (see the script), run by the Python that has moto. */
const ATOMIC_SERVER = fileURLToPath(new URL('./moto-server.py', import.meta.url));

/**
 * Starts a private moto server on a free local port and waits until it answers: moto_server with S3's
 * conditional writes made atomic ({@link ATOMIC_SERVER}), or moto_server itself where `python3` is not
 * the Python moto is installed in.
 */
export async function startMotoServer(): Promise<MotoServer> {
  try {
    return await startServer('python3', [ATOMIC_SERVER]);
  } catch {
    // No python3, or not the one moto is in: moto_server as it is (its failure says what to install).
    return startServer('moto_server', []);
  }
}

async function startServer(command: string, script: readonly string[]): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(command, [...script, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // If the test process ends without calling stop() (a crash, a forgotten afterAll), take moto with it.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  let failure: Error | undefined;
  child.once('error', (error: NodeJS.ErrnoException) => {
    failure = error.code === 'ENOENT' ? new Error(INSTALL_HINT) : error;
  });
  child.once('exit', (code, signal) => {
    failure ??=
      code === 127
        ? new Error(`${INSTALL_HINT}\n${stderr}`) // e.g. a pyenv shim with no moto behind it
        : new Error(`moto_server exited early (code ${code}, signal ${signal}):\n${stderr}`);
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    child.kill('SIGTERM');
    const killed = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!killed) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (failure !== undefined) throw failure;
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.ok) return { endpoint, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() >= deadline) {
      await stop();
      throw new Error(
        `moto_server did not answer on ${endpoint} within ${STARTUP_TIMEOUT_MS} ms:\n${stderr}`,
      );
    }
    await sleep(100);
  }
}

/** An S3 client for a moto endpoint, with fixed test credentials and region. */
export function createTestS3Client(endpoint: string): S3Client {
  return createS3Client({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
}

/** Creates a bucket on the moto server (optionally versioned). */
export async function createTestBucket(
  endpoint: string,
  name: string,
  options: { versioning?: boolean } = {},
): Promise<void> {
  const client = createTestS3Client(endpoint);
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
    if (options.versioning === true) {
      await client.send(
        new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }),
      );
    }
  } finally {
    client.destroy();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not determine a free port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
