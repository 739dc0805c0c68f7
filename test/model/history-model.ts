/**
 * The reference model of a published tree's version history, the commands that drive a real tree
 * and the model side by side, and the invariants checked after every command. Shared by the
 * fixed-seed property in `history.model.test.ts` and the longer exploration in `explore.ts`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { Catalog, CatalogDataset } from '../../lambda/core/catalog.js';
import type { ObjectStore } from '../../lambda/core/object-store.js';
import { publishDatasets, type PublishResult } from '../../lambda/core/pipeline.js';
import { verifyPublishedTree } from '../../lambda/core/verify.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { CrashError, CrashingStore } from '../support/crashing-store.js';
import { bundleForNode } from '../../bench/bundles.js';
import type { ChildRequest } from './crash-child.js';
import { sourceLocation } from '../support/local-sources.js';
import {
  contentKey,
  rowMap,
  tinyCsv,
  writeSources,
  type TinyContent,
  type TinySources,
} from './tiny-dataset.js';

/** Every dataset id the model may publish; `beta` starts absent and is added by a command. */
export const DATASET_IDS = ['alpha', 'beta'] as const;
type DatasetId = (typeof DATASET_IDS)[number];

const TITLES = ['Model catalog', 'Model catalog, renamed', 'Model catalog, third title'] as const;
const NOTES = ['north', 'south', 'east', 'west'] as const;

/** A change a curator makes to the sources before a run. */
export type Mutation =
  | { readonly kind: 'none' }
  | { readonly kind: 'edit'; readonly id: DatasetId; readonly row: number; readonly value: number }
  | { readonly kind: 'undo'; readonly id: DatasetId; readonly back: number }
  | { readonly kind: 'add-rows'; readonly id: DatasetId; readonly keys: readonly number[] }
  | { readonly kind: 'remove-row'; readonly id: DatasetId; readonly row: number }
  | { readonly kind: 'schema'; readonly id: DatasetId }
  | { readonly kind: 'add-dataset'; readonly id: DatasetId; readonly offset: number }
  | { readonly kind: 'remove-dataset'; readonly id: DatasetId }
  | { readonly kind: 'title'; readonly title: number };

/** What the model knows: the sources of folder A, and the content of every committed version. */
export interface HistoryModel {
  sources: TinySources;
  /** Each dataset's committed contents, oldest first: version i of the catalog holds content i. */
  readonly history: Map<string, TinyContent[]>;
  /** The SHA-256 of every file the catalog ever listed: a listed version's bytes never change. */
  readonly pinned: Map<string, string>;
}

/** The real side: source folders, the published tree, and how to reach and damage it. */
export interface World {
  /** Folder A (`data/`, `schemas/`), the curator's working copy. */
  readonly sourceA: string;
  /** Folder B, a second curator's copy used by concurrent runs. */
  readonly sourceB: string;
  /**
   * The runs' scratch space. Private: a Lambda entry point loaded by another test on this machine
   * removes every scratch folder it finds in the shared temporary directory.
   */
  readonly scratch: string;
  /** A fresh store over the published tree (a new client each call costs nothing). */
  store(): ObjectStore;
  /**
   * A store over the same tree that never waits for a lock: one held by a live writer fails the
   * operation at once. The run after a crash uses it, since every lock a dead run left must be
   * stale to it (no live owner), so any wait would be a wait for a dead writer.
   */
  storeThatNeverWaits(): ObjectStore;
  /** Deletes a key of the published tree behind the pipeline's back. */
  remove(key: string): Promise<void>;
  /** Replaces a key's bytes behind the pipeline's back. */
  overwrite(key: string, body: string): Promise<void>;
  /**
   * Runs a publish of folder A in a child process that is SIGKILLed at store operation `crashAt`;
   * absent when the store cannot be shared with a child (it is then never generated).
   */
  readonly killedPublish?: (crashAt: number, now: Date) => Promise<'killed' | 'completed'>;
  /** The publish time of the next run: strictly later than the last. */
  tick(): Date;
  dispose(): Promise<void>;
}

/** The first content of a dataset: three rows, narrow schema. */
export function initialContent(offset = 0): TinyContent {
  return {
    wide: false,
    rows: [1, 2, 3].map((key) => ({
      id: rowId(key),
      n: (key + offset) % 10,
      note: NOTES[key % NOTES.length] as string,
    })),
  };
}

/** A fresh model: dataset `alpha` in the sources, nothing published. */
export function initialModel(): HistoryModel {
  return {
    sources: { siteTitle: TITLES[0], datasets: { alpha: initialContent() } },
    history: new Map(),
    pinned: new Map(),
  };
}

function rowId(key: number): string {
  return `r${String(key).padStart(2, '0')}`;
}

function withRows(content: TinyContent, rows: TinyContent['rows']): TinyContent {
  return { wide: content.wide, rows: [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) };
}

/** The sources after a mutation (pure: the model's sources are not changed). */
export function applyMutation(model: HistoryModel, mutation: Mutation): TinySources {
  const { sources } = model;
  const datasets: Record<string, TinyContent> = { ...sources.datasets };
  const present = (id: string) => datasets[id];
  switch (mutation.kind) {
    case 'none':
      break;
    case 'edit': {
      const content = present(mutation.id);
      if (content === undefined) break;
      const index = mutation.row % content.rows.length;
      datasets[mutation.id] = withRows(
        content,
        content.rows.map((row, i) => (i === index ? { ...row, n: mutation.value } : row)),
      );
      break;
    }
    case 'undo': {
      const history = model.history.get(mutation.id) ?? [];
      if (present(mutation.id) === undefined || history.length === 0) break;
      datasets[mutation.id] = history[history.length - 1 - (mutation.back % history.length)] as TinyContent;
      break;
    }
    case 'add-rows': {
      const content = present(mutation.id);
      if (content === undefined) break;
      const taken = new Set(content.rows.map((row) => row.id));
      const added = [...new Set(mutation.keys)]
        .filter((key) => !taken.has(rowId(key)))
        .map((key) => ({
          id: rowId(key),
          n: key % 10,
          note: NOTES[key % NOTES.length] as string,
          ...(content.wide ? { extra: key } : {}),
        }));
      datasets[mutation.id] = withRows(content, [...content.rows, ...added]);
      break;
    }
    case 'remove-row': {
      const content = present(mutation.id);
      if (content === undefined || content.rows.length <= 1) break;
      const index = mutation.row % content.rows.length;
      datasets[mutation.id] = withRows(
        content,
        content.rows.filter((_, i) => i !== index),
      );
      break;
    }
    case 'schema': {
      const content = present(mutation.id);
      if (content === undefined) break;
      const wide = !content.wide;
      datasets[mutation.id] = {
        wide,
        rows: content.rows.map(({ id, n, note }) => ({ id, n, note, ...(wide ? { extra: n * 10 } : {}) })),
      };
      break;
    }
    case 'add-dataset':
      if (present(mutation.id) === undefined) datasets[mutation.id] = initialContent(mutation.offset);
      break;
    case 'remove-dataset':
      // A run needs at least one dataset to publish: the last one stays.
      if (present(mutation.id) === undefined || Object.keys(datasets).length <= 1) break;
      return {
        ...sources,
        datasets: Object.fromEntries(Object.entries(datasets).filter(([id]) => id !== mutation.id)),
      };
    case 'title':
      return { ...sources, siteTitle: TITLES[mutation.title % TITLES.length] as string };
  }
  return { ...sources, datasets };
}

/** How a mutation reads in a counterexample. */
export function describeMutation(mutation: Mutation): string {
  switch (mutation.kind) {
    case 'none':
      return 'nothing';
    case 'edit':
      return `edit(${mutation.id}, row ${mutation.row}, n=${mutation.value})`;
    case 'undo':
      return `undo(${mutation.id}, ${mutation.back} back)`;
    case 'add-rows':
      return `add-rows(${mutation.id}, ${mutation.keys.map(rowId).join(' ')})`;
    case 'remove-row':
      return `remove-row(${mutation.id}, row ${mutation.row})`;
    case 'schema':
      return `schema(${mutation.id})`;
    case 'add-dataset':
      return `add-dataset(${mutation.id}, offset ${mutation.offset})`;
    case 'remove-dataset':
      return `remove-dataset(${mutation.id})`;
    case 'title':
      return `title(${mutation.title % TITLES.length})`;
  }
}

// ---------------------------------------------------------------------------------------------
// What the catalog must say, derived from the model alone.

/** Row counts of a diff between two contents, matched by primary key. */
export function diffSummary(
  previous: TinyContent | undefined,
  next: TinyContent,
): { added: number; removed: number; changed: number } {
  const before = previous === undefined ? new Map() : rowMap(previous);
  const after = rowMap(next);
  let added = 0;
  let changed = 0;
  for (const [key, row] of after) {
    const old = before.get(key);
    if (old === undefined) added++;
    else if (JSON.stringify(old) !== JSON.stringify(row)) changed++;
  }
  const removed = [...before.keys()].filter((key) => !after.has(key)).length;
  return { added, removed, changed };
}

/** The kind of change a new content is relative to the one before it (`initial` without one). */
export function changeKind(previous: TinyContent | undefined, content: TinyContent): string {
  if (previous === undefined) return 'initial';
  if (previous.wide !== content.wide) return 'major';
  const summary = diffSummary(previous, content);
  return summary.added > 0 && summary.removed === 0 && summary.changed === 0 ? 'minor' : 'patch';
}

/**
 * The version number a change calls for after `previous`. The number actually listed may have a
 * higher patch number: a number whose folder holds another attempt's debris is skipped (SemVer
 * allows gaps), but the kind of step is never hidden.
 */
export function idealVersion(previous: string | undefined, change: string): string {
  if (previous === undefined) return '1.0.0';
  const [major, minor, patch] = previous.split('.').map(Number) as [number, number, number];
  if (change === 'major') return `${major + 1}.0.0`;
  if (change === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/** True when `actual` is `ideal` or the same `major.minor` with a higher patch number. */
function sameStep(actual: string, ideal: string): boolean {
  const [a, b] = [actual, ideal].map((version) => version.split('.').map(Number)) as [number[], number[]];
  return a[0] === b[0] && a[1] === b[1] && (a[2] ?? -1) >= (b[2] ?? 0);
}

/** The status every dataset of `sources` must report after an ordinary run, given the history before it. */
export function expectedStatuses(
  history: ReadonlyMap<string, readonly TinyContent[]>,
  sources: TinySources,
): { id: string; status: 'published' | 'unchanged' }[] {
  return Object.keys(sources.datasets)
    .sort()
    .map((id) => {
      const content = sources.datasets[id] as TinyContent;
      const last = history.get(id)?.at(-1);
      const unchanged = last !== undefined && contentKey(last) === contentKey(content);
      return { id, status: unchanged ? ('unchanged' as const) : ('published' as const) };
    });
}

/** Records what an ordinary run committed: each dataset's content, where it differs from its last. */
function commitToModel(model: HistoryModel, sources: TinySources): void {
  for (const [id, content] of Object.entries(sources.datasets)) {
    const committed = model.history.get(id) ?? [];
    const last = committed[committed.length - 1];
    if (last === undefined || contentKey(last) !== contentKey(content))
      model.history.set(id, [...committed, content]);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading the real tree.

async function text(store: ObjectStore, key: string): Promise<string | undefined> {
  const object = await store.get(key);
  return object === undefined ? undefined : new TextDecoder().decode(object.body);
}

async function readCatalogFile(store: ObjectStore): Promise<Catalog | undefined> {
  const body = await text(store, 'catalog.json');
  return body === undefined ? undefined : (JSON.parse(body) as Catalog);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The content a listed version holds, read from its canonical CSV and matched against candidates. */
async function versionCsv(store: ObjectStore, id: string, version: string): Promise<string | undefined> {
  return text(store, `datasets/${id}/${version}/${id}.csv`);
}

/** True when `version` (as text) appears in `body` as a whole version number. */
function mentionsVersion(body: string, version: string): boolean {
  return new RegExp(`(?<![0-9.])${version.replaceAll('.', '\\.')}(?![0-9])`).test(body);
}

function describeHistory(dataset: CatalogDataset | undefined): string {
  if (dataset === undefined) return '(not in the catalog)';
  return dataset.versions
    .map((version) => `${version.version}<-${version.previousVersion ?? '∅'}`)
    .join(', ');
}

/**
 * The invariants a reader may rely on at any moment, even right after a crash: a linear history per
 * dataset, every listed file present with its bytes, and no listed file ever changed. `committed`
 * is each dataset's history as the model knows it; `extra` the contents a crashed or concurrent run
 * may have added after it. Returns each dataset's contents as listed, oldest first.
 */
async function checkListedHistory(
  store: ObjectStore,
  model: HistoryModel,
  candidates: ReadonlyMap<string, readonly TinyContent[]>,
): Promise<Map<string, TinyContent[]>> {
  const catalog = await readCatalogFile(store);
  const listed = new Map<string, TinyContent[]>();
  if (catalog === undefined) {
    assert.equal(model.history.size, 0, 'catalog.json is missing although versions were committed');
    return listed;
  }
  const ids = catalog.datasets.map((dataset) => dataset.id);
  assert.deepEqual(ids, [...ids].sort(), 'catalog datasets are not sorted by id');
  for (const id of model.history.keys()) assert.ok(ids.includes(id), `catalog lost dataset ${id}`);
  for (const dataset of catalog.datasets) {
    const { id, versions } = dataset;
    const where = `${id} [${describeHistory(dataset)}]`;
    assert.ok(versions.length > 0, `${id} is listed without versions`);
    assert.equal(dataset.latest, versions[0]?.version, `${where}: latest is not the newest version`);
    versions.forEach((version, index) => {
      const older = versions[index + 1];
      if (older === undefined) {
        assert.equal(version.previousVersion, undefined, `${where}: the oldest version names a previous one`);
        assert.equal(version.change, 'initial', `${where}: the oldest version is not initial`);
        return;
      }
      const [a, b] = [version.version, older.version].map((v) => v.split('.').map(Number)) as [
        number[],
        number[],
      ];
      const newer = (a[0] ?? 0) - (b[0] ?? 0) || (a[1] ?? 0) - (b[1] ?? 0) || (a[2] ?? 0) - (b[2] ?? 0);
      assert.ok(newer > 0, `${where}: versions are not strictly decreasing by SemVer, newest first`);
      assert.equal(
        version.previousVersion,
        older.version,
        `${where}: ${version.version} must name its older neighbour ${older.version} as previous`,
      );
    });
    // Pinned bytes: what the catalog once listed is never changed, and every listed file is there.
    for (const version of versions) {
      for (const file of version.distributions) {
        assert.ok(
          file.path.startsWith(`datasets/${id}/${version.version}/`),
          `${file.path} is listed for ${id} ${version.version}`,
        );
        const pinned = model.pinned.get(file.path);
        if (pinned !== undefined)
          assert.equal(file.sha256, pinned, `${file.path}: a listed version's file changed its SHA-256`);
        const stored = await store.get(file.path);
        assert.ok(stored !== undefined, `${file.path} is listed in the catalog but missing`);
        assert.equal(
          sha256(stored.body),
          file.sha256,
          `${file.path} does not have the SHA-256 the catalog lists`,
        );
        assert.equal(
          stored.body.byteLength,
          file.bytes,
          `${file.path} does not have the size the catalog lists`,
        );
      }
    }
    // Contents, oldest first: the committed history, then contents from the candidates.
    const committed = model.history.get(id) ?? [];
    const oldestFirst = [...versions].reverse();
    assert.ok(
      oldestFirst.length >= committed.length,
      `${where}: ${committed.length} versions were committed, the catalog lists ${oldestFirst.length}`,
    );
    const contents: TinyContent[] = [];
    for (const [index, version] of oldestFirst.entries()) {
      const csv = await versionCsv(store, id, version.version);
      const known = committed[index];
      if (known !== undefined) {
        assert.equal(
          csv,
          tinyCsv(known),
          `${id} ${version.version} does not hold the content committed as version ${index + 1}`,
        );
        contents.push(known);
        continue;
      }
      const match = (candidates.get(id) ?? []).find((candidate) => tinyCsv(candidate) === csv);
      assert.ok(match !== undefined, `${id} ${version.version} holds content no run published:\n${csv}`);
      contents.push(match);
    }
    // The kind of each step, and so its version number, follows from the contents alone.
    for (const [index, version] of oldestFirst.entries()) {
      const change = changeKind(contents[index - 1], contents[index] as TinyContent);
      const ideal = idealVersion(oldestFirst[index - 1]?.version, change);
      assert.equal(version.change, change, `${where}: ${version.version} is a ${change} change`);
      assert.ok(
        sameStep(version.version, ideal),
        `${where}: version ${index + 1} should be ${ideal} (or a later patch number, if that one was taken)`,
      );
      const fresh = version.distributions.some((file) => !model.pinned.has(file.path));
      if (!fresh) continue;
      const changes = JSON.parse(
        (await text(store, `datasets/${id}/${version.version}/changes.json`)) ?? 'null',
      ) as {
        previousVersion: string | null;
        summary: unknown;
      } | null;
      assert.ok(changes !== null, `datasets/${id}/${version.version}/changes.json is missing`);
      assert.equal(
        changes.previousVersion,
        version.previousVersion ?? null,
        `${id} ${version.version}: changes.json previousVersion`,
      );
      assert.deepEqual(
        changes.summary,
        diffSummary(contents[index - 1], contents[index] as TinyContent),
        `${id} ${version.version}: changes.json is not the diff against ${version.previousVersion ?? 'nothing'}`,
      );
    }
    for (const version of versions)
      for (const file of version.distributions) model.pinned.set(file.path, file.sha256);
    listed.set(id, contents);
  }
  return listed;
}

/**
 * Everything that must hold once an ordinary run has finished: the listed history (above) equal
 * to the model's, `latest/` and the site pages up to date, and the tree verifying.
 */
export async function checkSettledTree(store: ObjectStore, model: HistoryModel): Promise<void> {
  const listed = await checkListedHistory(store, model, new Map());
  for (const [id, committed] of model.history) {
    assert.equal(
      listed.get(id)?.length,
      committed.length,
      `${id}: the catalog lists ${listed.get(id)?.length ?? 0} versions, ${committed.length} were committed`,
    );
  }
  const catalog = await readCatalogFile(store);
  if (catalog === undefined) return;
  assert.equal(
    catalog.title,
    model.sources.siteTitle,
    'catalog.json does not carry the title of data/site.json',
  );
  const { problems } = await verifyPublishedTree(store);
  assert.deepEqual(problems, [], 'verifyPublishedTree reports problems');
  const pages = {
    'index.html': await text(store, 'index.html'),
    'catalog.jsonld': await text(store, 'catalog.jsonld'),
    'feed.xml': await text(store, 'feed.xml'),
  };
  for (const [key, body] of Object.entries(pages)) assert.ok(body !== undefined, `${key} is missing`);
  assert.ok(
    pages['index.html']?.includes(model.sources.siteTitle),
    'index.html does not show the site title',
  );
  for (const dataset of catalog.datasets) {
    const page = await text(store, `datasets/${dataset.id}/index.html`);
    assert.ok(page !== undefined, `datasets/${dataset.id}/index.html is missing`);
    for (const [key, body] of [
      ...Object.entries(pages),
      [`datasets/${dataset.id}/index.html`, page] as const,
    ])
      assert.ok(
        mentionsVersion(body ?? '', dataset.latest),
        `${key} does not mention ${dataset.id} ${dataset.latest}, its latest version`,
      );
  }
}

/** Asserts a finished run reported what the model expects and no problems, then records its commit. */
async function checkOrdinaryRun(
  model: HistoryModel,
  sources: TinySources,
  result: PublishResult,
  store: ObjectStore,
  finishing: ReadonlySet<string> = new Set(),
): Promise<void> {
  // The version reported is the dataset's newest listed one; its number is checked with the history.
  const catalog = await readCatalogFile(store);
  const latest = (id: string) => catalog?.datasets.find((dataset) => dataset.id === id)?.latest;
  const expected = expectedStatuses(model.history, sources).map((entry) => ({
    ...entry,
    version: latest(entry.id),
  }));
  const actual = result.outcomes.map((outcome) => ({
    id: outcome.id,
    // A version a dead run listed may be reported by the run that finishes it either way.
    status: finishing.has(outcome.id) && outcome.status === 'published' ? 'unchanged' : outcome.status,
    version: 'version' in outcome ? outcome.version : undefined,
  }));
  assert.deepEqual(actual, expected, 'the run reported other outcomes than the model expects');
  assert.deepEqual(result.problems, [], 'the run reported problems');
  commitToModel(model, sources);
}

// ---------------------------------------------------------------------------------------------
// Running publishes.

async function publish(world: World, folder: string, store: ObjectStore, now: Date): Promise<PublishResult> {
  return publishDatasets({ source: sourceLocation(folder), store, now, scratchParent: world.scratch });
}

async function ordinaryPublish(world: World, model: HistoryModel, sources: TinySources): Promise<void> {
  await writeSources(world.sourceA, sources, DATASET_IDS);
  const result = await publish(world, world.sourceA, world.store(), world.tick());
  model.sources = sources;
  await checkOrdinaryRun(model, sources, result, world.store());
  await checkSettledTree(world.store(), model);
}

/** True when `error` is a simulated crash, or wraps one. */
function isCrash(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause)
    if (cause instanceof CrashError) return true;
  return false;
}

/**
 * After a run died: the tree must still read as a linear history, now possibly with the dead run's
 * content; then an ordinary run over the same sources must succeed, verify, and be prompt.
 */
async function recoverAfterCrash(world: World, model: HistoryModel, sources: TinySources): Promise<void> {
  const candidates = new Map(Object.entries(sources.datasets).map(([id, content]) => [id, [content]]));
  const listed = await checkListedHistory(world.store(), model, candidates);
  const finishing = new Set<string>();
  for (const [id, contents] of listed) {
    const committed = model.history.get(id) ?? [];
    assert.ok(contents.length <= committed.length + 1, `${id}: a crashed run listed more than one version`);
    if (contents.length === committed.length) continue;
    model.history.set(id, contents);
    finishing.add(id);
  }
  // Prompt, judged without a clock: the store fails any wait for a lock, and a dead run's locks have no live owner.
  const result = await publish(world, world.sourceA, world.storeThatNeverWaits(), world.tick());
  await checkOrdinaryRun(model, sources, result, world.store(), finishing);
  await checkSettledTree(world.store(), model);
}

// ---------------------------------------------------------------------------------------------
// The commands.

type HistoryCommand = fc.AsyncCommand<HistoryModel, World, false>;

/** A curator's change, then an ordinary publish. */
class PublishCommand implements HistoryCommand {
  constructor(readonly mutation: Mutation) {}
  check = () => true;
  async run(model: HistoryModel, world: World): Promise<void> {
    await ordinaryPublish(world, model, applyMutation(model, this.mutation));
  }
  toString = () => `publish after ${describeMutation(this.mutation)}`;
}

/** A file the pipeline derives from the catalog and the versions: a site-wide page, or a dataset's. */
type DerivedFile =
  'index.html' | 'feed.xml' | 'catalog.jsonld' | 'page' | 'latest-csv' | 'latest-json' | 'latest-other';

/** Damage to a derived file (`latest/`, a page, the feed, DCAT), then a publish with nothing changed. */
class TamperCommand implements HistoryCommand {
  constructor(
    readonly file: DerivedFile,
    readonly dataset: DatasetId,
    readonly how: 'delete' | 'garble',
  ) {}
  check = (model: Readonly<HistoryModel>) => model.history.size > 0;
  /** The key damaged: for a dataset's file, of `dataset` if it is listed, else of the first listed one. */
  #key(model: HistoryModel): string {
    const listed = [...model.history.keys()].sort();
    const id = listed.includes(this.dataset) ? this.dataset : (listed[0] as string);
    switch (this.file) {
      case 'index.html':
      case 'feed.xml':
      case 'catalog.jsonld':
        return this.file;
      case 'page':
        return `datasets/${id}/index.html`;
      case 'latest-csv':
        return `datasets/${id}/latest/${id}.csv`;
      case 'latest-json':
        return `datasets/${id}/latest/${id}.json`;
      case 'latest-other':
        return `datasets/${id}/latest/changes.json`;
    }
  }
  async run(model: HistoryModel, world: World): Promise<void> {
    const key = this.#key(model);
    if (this.how === 'delete') await world.remove(key);
    else await world.overwrite(key, 'tampered\n');
    await ordinaryPublish(world, model, model.sources);
  }
  toString = () =>
    `${this.how} ${this.file}${['index.html', 'feed.xml', 'catalog.jsonld'].includes(this.file) ? '' : ` of ${this.dataset}`}, then publish`;
}

/** Two curators with different changes publish at the same time, from folders A and B. */
class ForkCommand implements HistoryCommand {
  constructor(
    readonly a: Mutation,
    readonly b: Mutation,
  ) {}
  check = () => true;
  async run(model: HistoryModel, world: World): Promise<void> {
    const sourcesA = applyMutation(model, this.a);
    const sourcesB = applyMutation(model, this.b);
    await writeSources(world.sourceA, sourcesA, DATASET_IDS);
    await writeSources(world.sourceB, sourcesB, DATASET_IDS);
    const [ranA, ranB] = await Promise.allSettled([
      publish(world, world.sourceA, world.store(), world.tick()),
      publish(world, world.sourceB, world.store(), world.tick()),
    ]);
    model.sources = sourcesA;
    for (const [name, ran] of [
      ['A', ranA],
      ['B', ranB],
    ] as const) {
      if (ran?.status !== 'fulfilled')
        assert.fail(`concurrent publisher ${name} failed: ${String(ran?.reason)}`);
      assert.deepEqual(ran.value.problems, [], `concurrent publisher ${name} reported problems`);
    }
    // Each dataset's new versions must be one serial order of the two runs: nothing lost, nothing forked.
    const candidates = new Map<string, TinyContent[]>();
    for (const id of DATASET_IDS) {
      const both = [sourcesA.datasets[id], sourcesB.datasets[id]].filter(
        (c): c is TinyContent => c !== undefined,
      );
      candidates.set(id, both);
    }
    const listed = await checkListedHistory(world.store(), model, candidates);
    for (const id of DATASET_IDS) {
      const committed = model.history.get(id) ?? [];
      const contents = listed.get(id) ?? [];
      const added = contents.slice(committed.length).map(contentKey);
      const serial = (first: TinyContent | undefined, second: TinyContent | undefined) => {
        const out: string[] = [];
        let last = committed.at(-1) === undefined ? undefined : contentKey(committed.at(-1) as TinyContent);
        for (const content of [first, second]) {
          if (content === undefined || contentKey(content) === last) continue;
          out.push(contentKey(content));
          last = contentKey(content);
        }
        return JSON.stringify(out);
      };
      const [a, b] = [sourcesA.datasets[id], sourcesB.datasets[id]];
      assert.ok(
        [serial(a, b), serial(b, a)].includes(JSON.stringify(added)),
        `${id}: the versions added by two concurrent runs are no serial order of them (lost or forked change)`,
      );
      if (contents.length > 0) model.history.set(id, contents);
    }
    // Whatever a run reports as published is listed with that run's content.
    for (const [ran, sources] of [
      [ranA, sourcesA],
      [ranB, sourcesB],
    ] as const) {
      if (ran?.status !== 'fulfilled') continue;
      for (const outcome of ran.value.outcomes) {
        if (outcome.status !== 'published') continue;
        const csv = await versionCsv(world.store(), outcome.id, outcome.version);
        assert.equal(
          csv,
          tinyCsv(sources.datasets[outcome.id] as TinyContent),
          `${outcome.id} ${outcome.version} reported published with other content`,
        );
      }
    }
    // Both runs have finished: the tree must be settled (latest/ and pages follow the newest version).
    await checkSettledTree(world.store(), model);
  }
  toString = () =>
    `concurrently publish A after ${describeMutation(this.a)} and B after ${describeMutation(this.b)}`;
}

/** A run with a change dies at store operation `crashAt` (in process); an ordinary run follows. */
class CrashCommand implements HistoryCommand {
  constructor(
    readonly crashAt: number,
    readonly mode: 'before' | 'after' | 'torn',
    readonly mutation: Mutation,
  ) {}
  check = () => true;
  async run(model: HistoryModel, world: World): Promise<void> {
    const sources = applyMutation(model, this.mutation);
    await writeSources(world.sourceA, sources, DATASET_IDS);
    model.sources = sources;
    const store = new CrashingStore(world.store(), { crashAt: this.crashAt, mode: this.mode });
    let result: PublishResult | undefined;
    try {
      result = await publish(world, world.sourceA, store, world.tick());
    } catch (error) {
      if (!isCrash(error)) throw error;
    }
    if (result !== undefined && !store.crashed) {
      // The run needed fewer operations than `crashAt`: it was an ordinary run.
      await checkOrdinaryRun(model, sources, result, world.store());
      await checkSettledTree(world.store(), model);
      return;
    }
    await recoverAfterCrash(world, model, sources);
  }
  toString = () =>
    `crash (${this.mode}) at store operation ${this.crashAt} of a publish after ${describeMutation(this.mutation)}`;
}

/** A run with a change is SIGKILLed at store operation `crashAt` in a child process; an ordinary run follows. */
class KillCommand implements HistoryCommand {
  constructor(
    readonly crashAt: number,
    readonly mutation: Mutation,
  ) {}
  check = () => true;
  async run(model: HistoryModel, world: World): Promise<void> {
    if (world.killedPublish === undefined) return;
    const sources = applyMutation(model, this.mutation);
    await writeSources(world.sourceA, sources, DATASET_IDS);
    model.sources = sources;
    const ended = await world.killedPublish(this.crashAt, world.tick());
    if (ended === 'completed') {
      commitToModel(model, sources);
      await checkSettledTree(world.store(), model);
      return;
    }
    await recoverAfterCrash(world, model, sources);
  }
  toString = () =>
    `SIGKILL at store operation ${this.crashAt} of a publish after ${describeMutation(this.mutation)}`;
}

// ---------------------------------------------------------------------------------------------
// Generators.

// `beta` exists only after an add-dataset: most changes go to `alpha`, which always can take them.
const datasetId = fc.oneof(
  { arbitrary: fc.constant<DatasetId>('alpha'), weight: 3 },
  { arbitrary: fc.constant<DatasetId>('beta'), weight: 1 },
);

/** Changes to the data (no site title, no dataset added or removed): what concurrent curators make. */
export const dataMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('edit' as const), id: datasetId, row: fc.nat(9), value: fc.nat(9) }),
  fc.record({ kind: fc.constant('undo' as const), id: datasetId, back: fc.nat(5) }),
  fc.record({
    kind: fc.constant('add-rows' as const),
    id: datasetId,
    keys: fc.array(fc.integer({ min: 4, max: 30 }), { minLength: 1, maxLength: 2 }),
  }),
  fc.record({ kind: fc.constant('remove-row' as const), id: datasetId, row: fc.nat(9) }),
  fc.record({ kind: fc.constant('schema' as const), id: datasetId }),
);

/** Any change a curator makes between runs. */
export const anyMutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: dataMutation, weight: 6 },
  { arbitrary: fc.constant<Mutation>({ kind: 'none' }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant('add-dataset' as const), id: datasetId, offset: fc.nat(9) }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('remove-dataset' as const), id: datasetId }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('title' as const), title: fc.nat(2) }), weight: 1 },
);

/** Families of commands, so that an exploration can aim at one kind of defect. */
export type CommandFamily = 'edits' | 'tamper' | 'fork' | 'crash' | 'kill';
export const COMMAND_FAMILIES: readonly CommandFamily[] = ['edits', 'tamper', 'fork', 'crash', 'kill'];

/** The command generators of the chosen families (`edits` is always included: the others need a history). */
export function historyCommands(
  families: readonly CommandFamily[],
  options: { readonly maxCommands: number; readonly maxCrashAt?: number },
): fc.Arbitrary<Iterable<HistoryCommand>> {
  const crashAt = fc.integer({ min: 1, max: options.maxCrashAt ?? 45 });
  const publishes = anyMutation.map((m) => new PublishCommand(m));
  // Listed twice: ordinary edits are what every other command builds on.
  const arbitraries: fc.Arbitrary<HistoryCommand>[] = [publishes, publishes];
  if (families.includes('tamper'))
    arbitraries.push(
      fc
        .tuple(
          fc.constantFrom<DerivedFile>(
            'index.html',
            'feed.xml',
            'catalog.jsonld',
            'page',
            'latest-csv',
            'latest-json',
            'latest-other',
          ),
          datasetId,
          fc.constantFrom<'delete' | 'garble'>('delete', 'garble'),
        )
        .map(([file, dataset, how]) => new TamperCommand(file, dataset, how)),
    );
  if (families.includes('fork'))
    arbitraries.push(fc.tuple(dataMutation, dataMutation).map(([a, b]) => new ForkCommand(a, b)));
  if (families.includes('crash'))
    arbitraries.push(
      fc
        .tuple(crashAt, fc.constantFrom<'before' | 'after' | 'torn'>('before', 'after', 'torn'), dataMutation)
        .map(([k, mode, m]) => new CrashCommand(k, mode, m)),
    );
  if (families.includes('kill'))
    arbitraries.push(fc.tuple(crashAt, dataMutation).map(([k, m]) => new KillCommand(k, m)));
  return fc.commands(arbitraries, { maxCommands: options.maxCommands });
}

/** Runs one generated command sequence against a fresh world; the world is always disposed. */
export async function runHistory(
  makeWorld: () => Promise<World>,
  commands: Iterable<HistoryCommand>,
): Promise<void> {
  const world = await makeWorld();
  try {
    await fc.asyncModelRun(() => ({ model: initialModel(), real: world }), commands);
  } finally {
    await world.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// Worlds.

/** Where the bundled child publisher is, once built (see {@link directoryWorld}). */
export interface KillableChild {
  /** A bundled `crash-child.ts`, runnable with plain `node`. */
  readonly script: string;
}

/**
 * A world publishing to a local directory. With `child`, publishes can be killed for real: the
 * child runs the bundled pipeline over folder A and SIGKILLs itself at the chosen operation.
 */
export async function directoryWorld(
  options: { readonly child?: KillableChild; readonly lockTimeoutMs?: number } = {},
): Promise<World> {
  const root = await mkdtemp(path.join(tmpdir(), 'opendata-model-'));
  const out = path.join(root, 'public');
  const sourceA = path.join(root, 'a');
  const sourceB = path.join(root, 'b');
  const scratch = path.join(root, 'scratch');
  await mkdir(scratch);
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const storeOptions = options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs };
  const child = options.child;
  return {
    sourceA,
    sourceB,
    scratch,
    store: () => new LocalDirectoryStore(out, storeOptions),
    storeThatNeverWaits: () => new LocalDirectoryStore(out, { lockTimeoutMs: 0 }),
    remove: (key) => rm(path.join(out, ...key.split('/')), { force: true }),
    overwrite: (key, body) => writeFile(path.join(out, ...key.split('/')), body),
    ...(child === undefined
      ? {}
      : {
          killedPublish: (crashAt: number, now: Date) =>
            runChildPublish(child.script, {
              folder: sourceA,
              out,
              scratchParent: scratch,
              crashAt,
              now: now.toISOString(),
            }),
        }),
    tick: () => new Date((clock += 60_000)),
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}

/** Runs the child publisher; `killed` when it died by SIGKILL as planned. */
export function runChildPublish(script: string, request: ChildRequest): Promise<'killed' | 'completed'> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [script, JSON.stringify(request)],
      { timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve('completed');
          return;
        }
        if (error.signal === 'SIGKILL' && !error.killed) {
          resolve('killed');
          return;
        }
        reject(new Error(`the child publisher failed (${error.message}):\n${stdout}\n${stderr}`));
      },
    );
  });
}

/**
 * Files a crashed writer may leave in a directory store: its own `.<name>.lock` and
 * `.<name>.tmp-<pid>-<host tag>-<hex>` (`.<name>.tmp-<hex>` from older versions).
 */
export async function leftoverStoreFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && /^\..+\.(?:lock|tmp-[0-9a-f-]+)$/.test(entry.name))
    .map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)));
}

/**
 * Bundles `crash-child.ts` once into a temporary folder, so that each killed publish starts a plain
 * `node` process in a fraction of the time the TypeScript loader takes.
 */
export async function buildKillableChild(): Promise<KillableChild & { dispose(): Promise<void> }> {
  const folder = await mkdtemp(path.join(tmpdir(), 'opendata-crash-child-'));
  const script = path.join(folder, 'crash-child.mjs');
  await bundleForNode(path.join(import.meta.dirname, 'crash-child.ts'), script, { asLambda: false });
  return { script, dispose: () => rm(folder, { recursive: true, force: true }) };
}
