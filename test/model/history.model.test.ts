import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { S3Store } from '../../lambda/store/s3.js';
import {
  createTestBucket,
  createTestS3Client,
  startMotoServer,
  type MotoServer,
} from '../support/moto-server.js';
import {
  buildKillableChild,
  COMMAND_FAMILIES,
  directoryWorld,
  historyCommands,
  runHistory,
  type KillableChild,
  type World,
} from './history-model.js';

/**
 * Fixed so that `npm test` explores the same sequences every time; `npm run test:model` explores
 * further with fresh seeds. The runs and commands are bounded to keep this file near 20 s.
 */
const SEED = 20_260_301;
/** Shrinking a failure found with a slow step (a lock wait) is capped, so a red run still ends. */
const SHRINK_BUDGET_MS = 150_000;

let child: (KillableChild & { dispose(): Promise<void> }) | undefined;

beforeAll(async () => {
  child = await buildKillableChild();
});

afterAll(async () => {
  await child?.dispose();
});

describe('the version history of a tree published to a directory', () => {
  it(
    'stays one linear, verifiable history through edits, undos, damage, concurrent runs, crashes and kills',
    async () => {
      await fc.assert(
        fc.asyncProperty(historyCommands(COMMAND_FAMILIES, { maxCommands: 6 }), (commands) =>
          // A short lock timeout keeps a red run short; a green one never waits for a lock (checked in the model).
          runHistory(() => directoryWorld({ child, lockTimeoutMs: 3_000 }), commands),
        ),
        { seed: SEED, numRuns: 8, plugins: [fc.interruptAfterTimeLimit(SHRINK_BUDGET_MS)] },
      );
    },
    SHRINK_BUDGET_MS + 60_000,
  );
});

/** moto_server is a Python tool: where it is missing, the S3 property is skipped with this message. */
async function tryStartMoto(): Promise<MotoServer | string> {
  try {
    return await startMotoServer();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describe('the version history of a tree published to S3 (moto)', () => {
  let moto: MotoServer | string = 'not started';
  let client: S3Client | undefined;
  let buckets = 0;

  beforeAll(async () => {
    moto = await tryStartMoto();
    if (typeof moto !== 'string') client = createTestS3Client(moto.endpoint);
  });

  afterAll(async () => {
    client?.destroy();
    if (typeof moto !== 'string') await moto.stop();
  });

  async function s3World(): Promise<World> {
    if (typeof moto === 'string' || client === undefined) throw new Error(moto.toString());
    const s3 = client;
    const bucket = `model-${process.pid}-${++buckets}`;
    await createTestBucket(moto.endpoint, bucket);
    const world = await directoryWorld();
    return {
      ...world,
      store: () => new S3Store({ client: s3, bucket }),
      // S3's conditional writes take no lock, so there is nothing to wait for.
      storeThatNeverWaits: () => new S3Store({ client: s3, bucket }),
      remove: async (key) => {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      },
      overwrite: async (key, body) => {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      },
    };
  }

  it(
    'stays one linear, verifiable history through edits, undos, damage, concurrent runs and crashes',
    async (context) => {
      if (typeof moto === 'string') {
        context.skip(`moto_server is not available: ${moto}`);
        return;
      }
      await fc.assert(
        fc.asyncProperty(
          historyCommands(['edits', 'tamper', 'fork', 'crash'], { maxCommands: 4 }),
          (commands) => runHistory(s3World, commands),
        ),
        { seed: SEED, numRuns: 3, plugins: [fc.interruptAfterTimeLimit(SHRINK_BUDGET_MS)] },
      );
    },
    SHRINK_BUDGET_MS + 60_000,
  );
});
