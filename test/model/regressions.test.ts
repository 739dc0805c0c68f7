/**
 * One directed test per defect the history model found, on a directory and on S3 (moto), and the
 * undo and fork cases through the Lambda steps. Each names the user-visible failure it guards.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import type { ObjectStore } from '../../lambda/core/object-store.js';
import { publishDatasets, type PublishResult } from '../../lambda/core/pipeline.js';
import { verifyPublishedTree } from '../../lambda/core/verify.js';
import { quietLogger } from '../support/quiet-logger.js';
import { createCommitCatalogHandler } from '../../lambda/handlers/steps/commit-catalog.js';
import { createListDatasetsHandler } from '../../lambda/handlers/steps/list-datasets.js';
import { createValidateAndPublishHandler } from '../../lambda/handlers/steps/validate-and-publish.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { S3Store } from '../../lambda/store/s3.js';
import { CrashingStore } from '../support/crashing-store.js';
import {
  createTestBucket,
  createTestS3Client,
  startMotoServer,
  type MotoServer,
} from '../support/moto-server.js';
import { buildKillableChild, runChildPublish, type KillableChild } from './history-model.js';
import { curatedSources, sourceLocation } from '../support/local-sources.js';
import { tinyCsv, writeSources, type TinyContent, type TinySources } from './tiny-dataset.js';

const ID = 'alpha';
const BASE: TinyContent = {
  wide: false,
  rows: [
    { id: 'r01', n: 1, note: 'north' },
    { id: 'r02', n: 2, note: 'south' },
    { id: 'r03', n: 3, note: 'east' },
  ],
};
/** BASE with one cell edited. */
const EDITED: TinyContent = {
  ...BASE,
  rows: BASE.rows.map((row) => (row.id === 'r02' ? { ...row, n: 7 } : row)),
};
/** BASE with one row added. */
const GROWN: TinyContent = { ...BASE, rows: [...BASE.rows, { id: 'r04', n: 4, note: 'west' }] };

const sourcesOf = (content: TinyContent): TinySources => ({
  siteTitle: 'Regression catalog',
  datasets: { [ID]: content },
});

/** A published tree to test against: where it lives, and how to damage it behind the pipeline's back. */
interface Tree {
  store(): ObjectStore;
  /** The same tree through a store that fails at once on a lock held by a live writer instead of waiting. */
  storeThatNeverWaits(): ObjectStore;
  remove(key: string): Promise<void>;
}

let moto: MotoServer | string = 'not started';
let client: S3Client | undefined;
let buckets = 0;
let child: (KillableChild & { dispose(): Promise<void> }) | undefined;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  try {
    moto = await startMotoServer();
    client = createTestS3Client(moto.endpoint);
  } catch (error) {
    moto = error instanceof Error ? error.message : String(error);
  }
  child = await buildKillableChild();
});

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  client?.destroy();
  if (typeof moto !== 'string') await moto.stop();
  await child?.dispose();
});

/**
 * A folder with source folders `a` and `b`, an output folder and the runs' scratch space (private:
 * a Lambda entry point loaded by another test clears scratch folders from the shared temporary
 * directory); removed after the file.
 */
async function scratch(): Promise<{ a: string; b: string; out: string; scratch: string }> {
  const root = await mkdtemp(path.join(tmpdir(), 'opendata-regression-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  await mkdir(path.join(root, 'scratch'));
  return {
    a: path.join(root, 'a'),
    b: path.join(root, 'b'),
    out: path.join(root, 'public'),
    scratch: path.join(root, 'scratch'),
  };
}

async function directoryTree(out: string): Promise<Tree> {
  return {
    store: () => new LocalDirectoryStore(out),
    storeThatNeverWaits: () => new LocalDirectoryStore(out, { lockTimeoutMs: 0 }),
    remove: (key) => rm(path.join(out, ...key.split('/')), { force: true }),
  };
}

async function s3Tree(): Promise<Tree> {
  if (typeof moto === 'string' || client === undefined)
    throw new Error(`moto_server is not available: ${moto}`);
  const s3 = client;
  const bucket = `regression-${process.pid}-${++buckets}`;
  await createTestBucket(moto.endpoint, bucket);
  return {
    store: () => new S3Store({ client: s3, bucket }),
    // S3's conditional writes take no lock, so there is nothing to wait for.
    storeThatNeverWaits: () => new S3Store({ client: s3, bucket }),
    remove: async (key) => {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}

const KINDS = ['directory', 's3'] as const;
type Kind = (typeof KINDS)[number];

/** A tree of the given kind, or `undefined` (and the test skipped, saying why) without moto. */
async function treeFor(kind: Kind, out: string, skip: (note: string) => void): Promise<Tree | undefined> {
  if (kind === 'directory') return directoryTree(out);
  if (typeof moto === 'string') {
    skip(`moto_server is not available: ${moto}`);
    return undefined;
  }
  return s3Tree();
}

let clock = Date.parse('2026-03-01T00:00:00Z');
const tick = () => new Date((clock += 60_000));

type Folders = Awaited<ReturnType<typeof scratch>>;

/** An ordinary publish of `folder` (folder A by default) as it is now. */
function run(folders: Folders, store: ObjectStore, folder = folders.a): Promise<PublishResult> {
  return publishDatasets({
    source: sourceLocation(folder),
    store,
    now: tick(),
    scratchParent: folders.scratch,
  });
}

/** Folder A set to `content`, then published. */
async function publishFrom(
  folders: Folders,
  content: TinyContent,
  store: ObjectStore,
): Promise<PublishResult> {
  await writeSources(folders.a, sourcesOf(content), [ID]);
  return run(folders, store);
}

function outcomeOf(result: PublishResult): { status: string; version?: string } {
  const outcome = result.outcomes.find((candidate) => candidate.id === ID);
  return {
    status: outcome?.status ?? 'missing',
    ...(outcome && 'version' in outcome ? { version: outcome.version } : {}),
  };
}

async function text(store: ObjectStore, key: string): Promise<string | undefined> {
  const object = await store.get(key);
  return object === undefined ? undefined : new TextDecoder().decode(object.body);
}

async function catalogOf(store: ObjectStore): Promise<Catalog> {
  return JSON.parse((await text(store, 'catalog.json')) ?? 'null') as Catalog;
}

/** The dataset's versions, newest first, each with the version it names as previous. */
async function chain(store: ObjectStore): Promise<string[]> {
  const dataset = (await catalogOf(store)).datasets.find((entry) => entry.id === ID);
  return (dataset?.versions ?? []).map(
    (version) => `${version.version}<-${version.previousVersion ?? 'none'}`,
  );
}

async function changesSummary(store: ObjectStore, version: string): Promise<unknown> {
  return (
    JSON.parse((await text(store, `datasets/${ID}/${version}/changes.json`)) ?? 'null') as {
      summary?: unknown;
    }
  )?.summary;
}

/** The tree verifies, and `latest/` holds `content`. */
async function expectSettledOn(store: ObjectStore, content: TinyContent): Promise<void> {
  expect((await verifyPublishedTree(store)).problems).toEqual([]);
  expect(await text(store, `datasets/${ID}/latest/${ID}.csv`)).toBe(tinyCsv(content));
}

describe.each(KINDS)('on a %s store', (kind) => {
  it('undo: putting an edited cell back publishes 1.0.2, listed and mirrored, and the next change still publishes', async (context) => {
    // Prepare
    const folders = await scratch();
    const tree = await treeFor(kind, folders.out, (note) => context.skip(note));
    if (tree === undefined) return;
    await publishFrom(folders, BASE, tree.store());
    expect(outcomeOf(await publishFrom(folders, EDITED, tree.store()))).toEqual({
      status: 'published',
      version: '1.0.1',
    });

    // Act
    const undone = await publishFrom(folders, BASE, tree.store());

    // Assess
    expect(outcomeOf(undone)).toEqual({ status: 'published', version: '1.0.2' });
    expect(undone.problems).toEqual([]);
    expect(await chain(tree.store())).toEqual(['1.0.2<-1.0.1', '1.0.1<-1.0.0', '1.0.0<-none']);
    expect(await changesSummary(tree.store(), '1.0.2')).toEqual({ added: 0, removed: 0, changed: 1 });
    await expectSettledOn(tree.store(), BASE);
    const next = await publishFrom(folders, GROWN, tree.store());
    expect(outcomeOf(next)).toEqual({ status: 'published', version: '1.1.0' });
    expect(await chain(tree.store())).toEqual([
      '1.1.0<-1.0.2',
      '1.0.2<-1.0.1',
      '1.0.1<-1.0.0',
      '1.0.0<-none',
    ]);
    await expectSettledOn(tree.store(), GROWN);
  });

  it('fork: two publishers with different changes at once leave one linear history holding both changes', async (context) => {
    // Prepare
    const folders = await scratch();
    const tree = await treeFor(kind, folders.out, (note) => context.skip(note));
    if (tree === undefined) return;
    await publishFrom(folders, BASE, tree.store());
    await writeSources(folders.a, sourcesOf(EDITED), [ID]);
    await writeSources(folders.b, sourcesOf(GROWN), [ID]);

    // Act
    const runs = await Promise.allSettled(
      [folders.a, folders.b].map((folder) => run(folders, tree.store(), folder)),
    );

    // Assess: both runs finish, and the history is one of the two serial orders of them.
    expect(runs.map((ran) => (ran.status === 'fulfilled' ? ran.value.problems : String(ran.reason)))).toEqual(
      [[], []],
    );
    const serialOrders = [
      ['1.0.2<-1.0.1', '1.0.1<-1.0.0', '1.0.0<-none'], // edit (1.0.1), then the row on the base: patch
      ['1.1.1<-1.1.0', '1.1.0<-1.0.0', '1.0.0<-none'], // row (1.1.0), then the edit without it: patch
    ];
    const history = await chain(tree.store());
    expect(serialOrders).toContainEqual(history);
    const [newest, middle] = history.map((entry) => entry.split('<-')[0] as string);
    const contents = await Promise.all(
      [middle, newest].map((version) => text(tree.store(), `datasets/${ID}/${version}/${ID}.csv`)),
    );
    expect(new Set(contents)).toEqual(new Set([tinyCsv(EDITED), tinyCsv(GROWN)]));
    expect(await changesSummary(tree.store(), newest as string)).toEqual(
      newest === '1.0.2' ? { added: 1, removed: 0, changed: 1 } : { added: 0, removed: 1, changed: 1 },
    );
    await expectSettledOn(tree.store(), newest === '1.0.2' ? GROWN : EDITED);
    // A version folder a run staged and then left unlisted, when it re-based, is said to be its own.
    const listed = new Set(history.map((entry) => entry.split('<-')[0]));
    const unlisted = new Set<string>();
    for await (const key of tree.store().list(`datasets/${ID}/`)) {
      const folder = key.split('/')[2] ?? '';
      if (/^\d+\.\d+\.\d+$/.test(folder) && !listed.has(folder)) unlisted.add(folder);
    }
    const told = runs.flatMap((ran) =>
      ran.status === 'fulfilled'
        ? ran.value.outcomes.flatMap((outcome) =>
            outcome.status === 'published' ? [{ own: outcome.superseded, skipped: outcome.skipped }] : [],
          )
        : [],
    );
    expect(told.flatMap((outcome) => outcome.skipped)).toEqual([]);
    expect(told.flatMap((outcome) => outcome.own).sort()).toEqual([...unlisted].sort());
  });

  it.for([
    `datasets/${ID}/latest/${ID}.csv`,
    `datasets/${ID}/latest/changes.json`,
    `datasets/${ID}/index.html`,
    'index.html',
    'feed.xml',
    'catalog.jsonld',
  ])('no repair: %s deleted from the tree is written again by the next publish', async (key, context) => {
    // Prepare
    const folders = await scratch();
    const tree = await treeFor(kind, folders.out, (note) => context.skip(note));
    if (tree === undefined) return;
    await publishFrom(folders, BASE, tree.store());
    const before = await text(tree.store(), key);
    await tree.remove(key);

    // Act
    const result = await publishFrom(folders, BASE, tree.store());

    // Assess
    expect(outcomeOf(result)).toEqual({ status: 'unchanged', version: '1.0.0' });
    expect(result.problems).toEqual([]);
    expect(await text(tree.store(), key)).toBe(before);
    await expectSettledOn(tree.store(), BASE);
  });

  it('crash: a publish that dies while writing latest/ does not stop the next one, which is prompt and verifies', async (context) => {
    // Prepare
    const folders = await scratch();
    const tree = await treeFor(kind, folders.out, (note) => context.skip(note));
    if (tree === undefined) return;
    await publishFrom(folders, BASE, tree.store());
    await writeSources(folders.a, sourcesOf(EDITED), [ID]);
    const latestCsv = `^datasets/${ID}/latest/${ID}\\.csv$`;
    if (kind === 'directory') {
      // Killed for real, mid-write: whatever the store holds then (a lock, a temporary file) is left behind.
      if (child === undefined) throw new Error('the child publisher was not built');
      const ended = await runChildPublish(child.script, {
        folder: folders.a,
        out: folders.out,
        scratchParent: folders.scratch,
        crashOnWrite: latestCsv,
        now: tick().toISOString(),
      });
      expect(ended).toBe('killed');
    } else {
      const dying = new CrashingStore(tree.store(), { crashOnWrite: new RegExp(latestCsv), mode: 'torn' });
      await run(folders, dying).catch(() => undefined);
      expect(dying.crashed).toBe(true);
    }

    // Act: prompt, judged without a clock. The store fails any wait for a lock, and the dead run's lock has
    // no live owner, so this run must take it over at once.
    const result = await run(folders, tree.storeThatNeverWaits());

    // Assess
    // The dead run may have listed 1.0.1 before it died: then this run only finishes it.
    expect([
      { status: 'published', version: '1.0.1' },
      { status: 'unchanged', version: '1.0.1' },
    ]).toContainEqual(outcomeOf(result));
    expect(await chain(tree.store())).toEqual(['1.0.1<-1.0.0', '1.0.0<-none']);
    expect(result.problems).toEqual([]);
    await expectSettledOn(tree.store(), EDITED);
  });
});

/** The three Lambda steps over a source folder and a site store, run as the state machine runs them. */
function lambdaRun(folder: string, site: ObjectStore): () => Promise<unknown> {
  const sources = curatedSources(folder);
  const now = tick;
  const list = createListDatasetsHandler({ sources, logger: quietLogger });
  const publishOne = createValidateAndPublishHandler({ sources, site, now, logger: quietLogger });
  const commit = createCommitCatalogHandler({ sources, site, now, logger: quietLogger });
  return async () => {
    const { ids } = await list({ trigger: 'test' });
    const results = await Promise.all(ids.map((id) => publishOne({ id })));
    return commit({ results });
  };
}

describe('through the Lambda steps (list, validate-and-publish, commit)', () => {
  it('undo: putting an edited cell back is committed as 1.0.2', async () => {
    // Prepare
    const folders = await scratch();
    const site = new LocalDirectoryStore(folders.out);
    const execute = lambdaRun(folders.a, site);
    for (const content of [BASE, EDITED]) {
      await writeSources(folders.a, sourcesOf(content), [ID]);
      await execute();
    }
    await writeSources(folders.a, sourcesOf(BASE), [ID]);

    // Act
    const summary = await execute();

    // Assess
    expect(summary).toMatchObject({ published: [{ id: ID, version: '1.0.2' }] });
    expect(await chain(site)).toEqual(['1.0.2<-1.0.1', '1.0.1<-1.0.0', '1.0.0<-none']);
    await expectSettledOn(site, BASE);
  });

  it('fork: two executions with different changes at once leave one linear history holding both', async () => {
    // Prepare
    const folders = await scratch();
    const site = new LocalDirectoryStore(folders.out);
    await writeSources(folders.a, sourcesOf(BASE), [ID]);
    await lambdaRun(folders.a, site)();
    await writeSources(folders.a, sourcesOf(EDITED), [ID]);
    await writeSources(folders.b, sourcesOf(GROWN), [ID]);
    const executions = [lambdaRun(folders.a, site), lambdaRun(folders.b, site)];

    // Act
    const settled = await Promise.allSettled(executions.map((execute) => execute()));
    // An execution that lost the race may fail and be retried, as the state machine retries it; once only.
    for (const [index, outcome] of settled.entries())
      if (outcome.status === 'rejected') await executions[index]?.();

    // Assess
    const history = await chain(site);
    expect([
      ['1.0.2<-1.0.1', '1.0.1<-1.0.0', '1.0.0<-none'],
      ['1.1.1<-1.1.0', '1.1.0<-1.0.0', '1.0.0<-none'],
    ]).toContainEqual(history);
    const newest = history[0]?.split('<-')[0];
    await expectSettledOn(site, newest === '1.0.2' ? GROWN : EDITED);
  });
});
