import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmod,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkFile } from '../../lambda/core/distribution-check.js';
import { objectMetaFor } from '../../lambda/core/content-policy.js';
import { ObjectStoreError, type ContentDigest, type StreamedBody } from '../../lambda/core/object-store.js';
import { publishDatasets } from '../../lambda/core/pipeline.js';
import { ScratchDirectory } from '../../lambda/core/scratch.js';
import { writeCheckedFiles } from '../../lambda/store/checked-files.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { sourceLocation } from '../support/local-sources.js';
import { writeSyntheticTrade } from '../support/synthetic-trade.js';
import { makeTempDir } from '../support/temp-dir.js';

/** A published version's file (create-only) and a `latest/` mirror (replaceable). */
const VERSION_KEY = 'datasets/t/1.0.0/t.csv';
const MIRROR_KEY = 'datasets/t/latest/t.csv';
const KEYS = [VERSION_KEY, MIRROR_KEY] as const;
type Key = (typeof KEYS)[number];

function digestOf(bytes: Uint8Array): ContentDigest {
  return { bytes: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** How a streamed body holds its bytes: as chunks only, or in a file of its own (a scratch file), handed over with it or not. */
type Backing = 'chunks' | 'file' | 'file handed over';

/** A streamed body of `bytes`, backed as `backing` says. */
async function streamedBody(dir: string, bytes: Uint8Array, backing: Backing): Promise<StreamedBody> {
  const { bytes: size, sha256 } = digestOf(bytes);
  const base = {
    bytes: size,
    sha256,
    async *open() {
      yield bytes.slice();
    },
  };
  if (backing === 'chunks') return base;
  const file = path.join(dir, `scratch-${sha256.slice(0, 16)}-${Math.random().toString(16).slice(2)}`);
  await writeFile(file, bytes);
  return backing === 'file handed over' ? { ...base, file, handedOver: true } : { ...base, file };
}

/** What a test does to the tree: through the store, or to its files behind the store's back. */
type Operation =
  | {
      readonly kind: 'put streamed';
      readonly key: Key;
      readonly bytes: Uint8Array;
      readonly backing: Backing;
    }
  | { readonly kind: 'put bytes'; readonly key: Key; readonly bytes: Uint8Array }
  | { readonly kind: 'copy version to mirror' }
  | { readonly kind: 'overwrite in place'; readonly key: Key; readonly seed: number }
  | { readonly kind: 'overwrite in place, times put back'; readonly key: Key; readonly seed: number }
  | { readonly kind: 'append'; readonly key: Key }
  | { readonly kind: 'truncate'; readonly key: Key }
  | { readonly kind: 'replace by rename'; readonly key: Key; readonly bytes: Uint8Array }
  | { readonly kind: 'chmod'; readonly key: Key }
  | { readonly kind: 'touch'; readonly key: Key }
  | { readonly kind: 'remove'; readonly key: Key }
  | { readonly kind: 'read in full'; readonly key: Key }
  | { readonly kind: 'next run' }
  | { readonly kind: 'dataset folder moved out and linked' }
  | { readonly kind: 'dataset folder moved back' };

const keyArbitrary = fc.constantFrom<Key>(...KEYS);
const bytesArbitrary = fc.uint8Array({ minLength: 0, maxLength: 64 });
const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    kind: fc.constant('put streamed' as const),
    key: keyArbitrary,
    bytes: bytesArbitrary,
    backing: fc.constantFrom<Backing>('chunks', 'file', 'file handed over'),
  }),
  fc.record({ kind: fc.constant('put bytes' as const), key: keyArbitrary, bytes: bytesArbitrary }),
  fc.record({ kind: fc.constant('copy version to mirror' as const) }),
  fc.record({ kind: fc.constant('overwrite in place' as const), key: keyArbitrary, seed: fc.nat(255) }),
  fc.record({
    kind: fc.constant('overwrite in place, times put back' as const),
    key: keyArbitrary,
    seed: fc.nat(255),
  }),
  fc.record({ kind: fc.constant('append' as const), key: keyArbitrary }),
  fc.record({ kind: fc.constant('truncate' as const), key: keyArbitrary }),
  fc.record({ kind: fc.constant('replace by rename' as const), key: keyArbitrary, bytes: bytesArbitrary }),
  fc.record({ kind: fc.constant('chmod' as const), key: keyArbitrary }),
  fc.record({ kind: fc.constant('touch' as const), key: keyArbitrary }),
  fc.record({ kind: fc.constant('remove' as const), key: keyArbitrary }),
  fc.record({ kind: fc.constant('read in full' as const), key: keyArbitrary }),
  fc.record({ kind: fc.constant('next run' as const) }),
  fc.record({ kind: fc.constant('dataset folder moved out and linked' as const) }),
  fc.record({ kind: fc.constant('dataset folder moved back' as const) }),
);

/** Reads a file's bytes, or `undefined` when there is none. */
async function bytesAt(file: string): Promise<Buffer | undefined> {
  return readFile(file).catch(() => undefined);
}

/** Does `operation`; returns true when it put a file-backed body (a scratch file's) in place through the store. */
async function apply(
  store: LocalDirectoryStore,
  root: string,
  scratch: string,
  operation: Operation,
): Promise<boolean> {
  // The store refuses to write through a link where a folder of the tree goes (a dataset's folder moved
  // out and linked): nothing is written, and nothing learnt.
  return writing(root, scratch, operation, store).catch((error: unknown) => {
    if (error instanceof ObjectStoreError && /is a symbolic link/.test(error.message)) return false;
    throw error;
  });
}

async function writing(
  root: string,
  scratch: string,
  operation: Operation,
  store: LocalDirectoryStore,
): Promise<boolean> {
  const fileOf = (key: Key) => path.join(root, ...key.split('/'));
  switch (operation.kind) {
    case 'put streamed': {
      const body = await streamedBody(scratch, operation.bytes, operation.backing);
      const fileBacked = operation.backing !== 'chunks';
      if (operation.key === VERSION_KEY)
        return (
          (await store.putIfAbsent(VERSION_KEY, body, objectMetaFor(VERSION_KEY))) === 'created' && fileBacked
        );
      await store.put(operation.key, body, objectMetaFor(operation.key));
      return fileBacked;
    }
    case 'put bytes':
      if (operation.key === VERSION_KEY)
        await store.putIfAbsent(VERSION_KEY, operation.bytes, objectMetaFor(VERSION_KEY));
      else await store.put(operation.key, operation.bytes, objectMetaFor(operation.key));
      return false;
    case 'copy version to mirror':
      await store.copy(VERSION_KEY, MIRROR_KEY, objectMetaFor(MIRROR_KEY));
      return false;
    case 'read in full':
      // Read through the store as a check of the catalog's files reads it: known from then on, unless it
      // is no file the store reads.
      return (await store.digestOf(operation.key, 1 << 20)) !== undefined;
    case 'next run':
      return false;
    case 'dataset folder moved out and linked': {
      // Renaming a folder moves no file's change time: the files keep their identities, out of the tree.
      const folder = path.join(root, 'datasets', 't');
      const moved = path.join(scratch, 'moved-dataset');
      if (
        !(await stat(folder).then(
          (found) => found.isDirectory(),
          () => false,
        ))
      )
        return false;
      if (
        await stat(moved).then(
          () => true,
          () => false,
        )
      )
        return false;
      await rename(folder, moved);
      await symlink(moved, folder);
      return false;
    }
    case 'dataset folder moved back': {
      const folder = path.join(root, 'datasets', 't');
      const moved = path.join(scratch, 'moved-dataset');
      if (
        !(await stat(moved).then(
          () => true,
          () => false,
        ))
      )
        return false;
      await rm(folder, { force: true });
      await rename(moved, folder);
      return false;
    }
    default:
      break;
  }
  const file = fileOf(operation.key);
  const before = await bytesAt(file);
  if (before === undefined && operation.kind !== 'replace by rename') return false;
  switch (operation.kind) {
    case 'overwrite in place':
    case 'overwrite in place, times put back': {
      const { mtimeNs } = await stat(file, { bigint: true });
      // The same length, other bytes: only the times (and the bytes) tell.
      const other = Buffer.from(
        (before ?? Buffer.alloc(0)).map((byte, index) => (byte + 1 + operation.seed + index) % 256),
      );
      await writeFile(file, other, { flag: 'r+' });
      // Back to the very nanosecond (utimes takes milliseconds): only the change time still tells.
      if (operation.kind === 'overwrite in place, times put back')
        execFileSync('touch', [
          '-m',
          '-d',
          `@${mtimeNs / 1_000_000_000n}.${String(mtimeNs % 1_000_000_000n).padStart(9, '0')}`,
          file,
        ]);
      break;
    }
    case 'append':
      await writeFile(file, 'x', { flag: 'a' });
      break;
    case 'truncate':
      await truncate(file, Math.floor((before?.byteLength ?? 0) / 2));
      break;
    case 'replace by rename': {
      const temp = path.join(scratch, 'replacement');
      await writeFile(temp, operation.bytes);
      await rename(temp, file).catch(() => undefined);
      break;
    }
    case 'chmod':
      await chmod(file, 0o600);
      break;
    case 'touch': {
      const now = new Date();
      await utimes(file, now, now);
      break;
    }
    case 'remove':
      await rm(file);
      break;
  }
  return false;
}

describe('a directory store knows what it wrote, until the file changes', () => {
  it('never states content a file does not hold, whatever is done to the file, in this run or a later one; it knows each file it just copied or moved from a scratch file and read back, or read in full', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operationArbitrary, { minLength: 1, maxLength: 14 }), async (operations) => {
        const root = await makeTempDir('opendata-known-');
        const scratch = await makeTempDir('opendata-known-scratch-');
        const checkedRecord = path.join(scratch, 'record', 'checked.json');
        let store = new LocalDirectoryStore(root, { checkedRecord });
        for (const operation of operations) {
          const knownBefore = new Map<Key, ContentDigest | undefined>();
          for (const key of KEYS) knownBefore.set(key, await store.knownContent(key));
          if (operation.kind === 'next run') {
            await store.saveCheckedFiles();
            store = new LocalDirectoryStore(root, { checkedRecord });
          }
          const learnt = await apply(store, root, scratch, operation);
          for (const key of KEYS) {
            const known = await store.knownContent(key);
            if (known === undefined) continue;
            // What the store would read there itself (through the links it follows, no others), and what
            // the path holds for any reader: both what the store knows.
            const read = await store.get(key);
            expect(read === undefined ? undefined : digestOf(read.body)).toEqual(known);
            const actual = await bytesAt(path.join(root, ...key.split('/')));
            expect(actual === undefined ? undefined : digestOf(actual)).toEqual(known);
          }
          if (learnt && 'key' in operation) expect(await store.knownContent(operation.key)).toBeDefined();
          // A later run knows what this one knew of its files, unchanged since.
          if (operation.kind === 'next run')
            for (const key of KEYS) expect(await store.knownContent(key)).toEqual(knownBefore.get(key));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('keeps no record of another tree, nor one it cannot read as a record', async () => {
    const root = await makeTempDir('opendata-known-');
    const other = await makeTempDir('opendata-known-');
    const scratch = await makeTempDir('opendata-known-scratch-');
    const checkedRecord = path.join(scratch, 'checked.json');
    const body = await streamedBody(scratch, new TextEncoder().encode('c,d\n'), 'file');
    for (const tree of [root, other]) {
      const store = new LocalDirectoryStore(tree, {
        checkedRecord: path.join(scratch, `${path.basename(tree)}.json`),
      });
      await store.putIfAbsent(VERSION_KEY, body, objectMetaFor(VERSION_KEY));
      await store.saveCheckedFiles();
    }
    const recordOf = (tree: string) => path.join(scratch, `${path.basename(tree)}.json`);
    const expected = { bytes: body.bytes, sha256: body.sha256 };
    expect(
      await new LocalDirectoryStore(root, { checkedRecord: recordOf(root) }).knownContent(VERSION_KEY),
    ).toEqual(expected);
    // The other tree's record, though its file has the same key and bytes (not its identity).
    expect(
      await new LocalDirectoryStore(root, { checkedRecord: recordOf(other) }).knownContent(VERSION_KEY),
    ).toBeUndefined();
    const record = JSON.parse(await readFile(recordOf(root), 'utf8')) as { files: Record<string, unknown> };
    for (const text of [
      'not json',
      JSON.stringify({ ...record, format: 'something else' }),
      JSON.stringify({ ...record, files: { '../outside.csv': Object.values(record.files)[0] } }),
      JSON.stringify({
        ...record,
        files: { [VERSION_KEY]: { identity: 'x', bytes: 4, sha256: body.sha256 } },
      }),
    ]) {
      await writeFile(checkedRecord, text);
      const store = new LocalDirectoryStore(root, { checkedRecord });
      expect(await store.knownContent(VERSION_KEY)).toBeUndefined();
      expect(await store.knownContent('../outside.csv').catch(() => undefined)).toBeUndefined();
    }
  });

  it("keeps in its record only the files a run wrote, read or found unchanged: an earlier run's other entries go", async () => {
    const root = await makeTempDir('opendata-known-');
    const scratch = await makeTempDir('opendata-known-scratch-');
    const checkedRecord = path.join(scratch, 'checked.json');
    const first = new LocalDirectoryStore(root, { checkedRecord });
    for (const key of KEYS) {
      const body = await streamedBody(scratch, new TextEncoder().encode(`${key}\n`), 'file');
      if (key === VERSION_KEY) await first.putIfAbsent(key, body, objectMetaFor(key));
      else await first.put(key, body, objectMetaFor(key));
    }
    await first.saveCheckedFiles();
    // A run that looks at the version's file alone: the mirror, no longer listed say, is not kept.
    const second = new LocalDirectoryStore(root, { checkedRecord });
    expect(await second.knownContent(VERSION_KEY)).toBeDefined();
    await second.saveCheckedFiles();
    const third = new LocalDirectoryStore(root, { checkedRecord });
    expect(await third.knownContent(VERSION_KEY)).toBeDefined();
    expect(await third.knownContent(MIRROR_KEY)).toBeUndefined();
    expect(
      Object.keys((JSON.parse(await readFile(checkedRecord, 'utf8')) as { files: object }).files),
    ).toEqual([VERSION_KEY]);
  });

  it('keeps the 64 most recently saved records of a folder, so that records of trees gone do not pile up', async () => {
    const folder = await makeTempDir('opendata-known-records-');
    for (let i = 0; i < 66; i++) {
      const file = path.join(folder, `tree-${String(i).padStart(2, '0')}.json`);
      await writeCheckedFiles(file, `/trees/${i}`, new Map());
      // Saved a second apart, oldest first, whatever the file system's clock resolution.
      const when = new Date(Date.UTC(2026, 0, 1, 0, 0, i));
      await utimes(file, when, when);
    }
    const names = (await readdir(folder)).sort();
    expect(names).toHaveLength(64);
    expect(names[0]).toBe('tree-02.json');
  });

  it('fails to save a record where none can be written, and the tree is as it was', async () => {
    const root = await makeTempDir('opendata-known-');
    const scratch = await makeTempDir('opendata-known-scratch-');
    await writeFile(path.join(scratch, 'a-file'), '');
    const store = new LocalDirectoryStore(root, {
      checkedRecord: path.join(scratch, 'a-file', 'checked.json'),
    });
    await store.put(MIRROR_KEY, new TextEncoder().encode('a,b\n'), objectMetaFor(MIRROR_KEY));
    await expect(store.saveCheckedFiles()).rejects.toThrow(/EEXIST|ENOTDIR/);
    expect(await readdir(root, { recursive: true })).toEqual([
      'datasets',
      'datasets/t',
      'datasets/t/latest',
      'datasets/t/latest/t.csv',
    ]);
  });

  it('knows nothing in a new store, and nothing of bytes put from memory', async () => {
    const root = await makeTempDir('opendata-known-');
    const store = new LocalDirectoryStore(root);
    await store.put(MIRROR_KEY, new TextEncoder().encode('a,b\n'), objectMetaFor(MIRROR_KEY));
    expect(await store.knownContent(MIRROR_KEY)).toBeUndefined();
    const body = await streamedBody(root, new TextEncoder().encode('c,d\n'), 'file');
    await store.put(MIRROR_KEY, body, objectMetaFor(MIRROR_KEY));
    expect(await store.knownContent(MIRROR_KEY)).toEqual({ bytes: body.bytes, sha256: body.sha256 });
    expect(await new LocalDirectoryStore(root).knownContent(MIRROR_KEY)).toBeUndefined();
  });
});

describe('checking a file against the catalog', () => {
  const expected = digestOf(new TextEncoder().encode('a,b\n'));

  it('takes what the store knows without reading the file', async () => {
    const opened: string[] = [];
    const reader = {
      open: async (key: string) => {
        opened.push(key);
        return undefined;
      },
      knownContent: async () => ({ bytes: 5, sha256: expected.sha256 }),
    };
    expect(await checkFile(reader, VERSION_KEY, expected)).toEqual(['has 5 bytes; the catalog says 4']);
    expect(opened).toEqual([]);
  });

  it('reads the file when the store does not know it', async () => {
    const reader = {
      open: async () =>
        (async function* () {
          yield new TextEncoder().encode('a,c\n');
        })(),
      knownContent: async () => undefined,
    };
    const problems = await checkFile(reader, VERSION_KEY, expected);
    expect(problems).toEqual([expect.stringMatching(/^has sha256 [0-9a-f]{64}; the catalog says /)]);
  });
});

describe('a publish to a directory', () => {
  it('reads back none of the files it has just written and checked, and still finds the tree whole', async () => {
    const folder = await makeTempDir('opendata-known-publish-');
    await writeSyntheticTrade(folder, 500);
    const store = new LocalDirectoryStore(await makeTempDir('opendata-known-out-'));
    const opened: string[] = [];
    const open = store.open.bind(store);
    store.open = async (key) => {
      opened.push(key);
      return open(key);
    };
    const result = await publishDatasets({
      source: sourceLocation(folder),
      store,
      now: new Date('2026-01-01T00:00:00Z'),
    });
    expect(result.problems).toEqual([]);
    expect(result.outcomes.map((outcome) => outcome.status)).toEqual(['published']);
    const versionFiles = opened.filter((key) =>
      /^datasets\/trade\/1\.0\.0\/trade\.(csv|parquet|xlsx)$/.test(key),
    );
    expect(versionFiles).toEqual([]);
  });
});

describe('what the store read back is all it knows', () => {
  it('does not know a body written chunk by chunk, so a write into its temporary file meanwhile is found', async () => {
    const root = await makeTempDir('opendata-known-');
    const store = new LocalDirectoryStore(root);
    const folder = path.join(root, 'datasets', 't', '1.0.0');
    const chunk = Buffer.from('a,b\n'.repeat(1 << 14));
    const whole = Buffer.concat([chunk, chunk, chunk]);
    const body: StreamedBody = {
      ...digestOf(whole),
      async *open() {
        yield chunk.slice();
        yield chunk.slice();
        // The store holds back one chunk till the next is read: the first is in the temporary file by now,
        // and someone else writes there.
        await new Promise((resolve) => setTimeout(resolve, 50));
        const temp = (await readdir(folder)).find((name) => name.includes('.tmp-'));
        expect(temp).toBeDefined();
        await writeFile(path.join(folder, temp as string), 'X', { flag: 'r+' });
        yield chunk.slice();
      },
    };
    expect(await store.putIfAbsent(VERSION_KEY, body, objectMetaFor(VERSION_KEY))).toBe('created');
    expect(await store.knownContent(VERSION_KEY)).toBeUndefined();
    expect(await checkFile(store, VERSION_KEY, digestOf(whole))).toEqual([
      expect.stringMatching(/^has sha256 [0-9a-f]{64}; the catalog says /),
    ]);
  });

  it('reads the copy of a scratch file that someone else wrote to before it was closed, and refuses it', async () => {
    const scratch = await ScratchDirectory.create(await makeTempDir('opendata-known-scratch-'));
    try {
      const file = await scratch.createFile('t.csv');
      // More than a buffer's worth, so the first bytes are on disk before the file is closed.
      for (let index = 0; index < 64; index++) await file.write('3,4\n'.repeat(16_384));
      await writeFile(file.path, 'X', { flag: 'r+' });
      const body = await file.close();
      const store = new LocalDirectoryStore(await makeTempDir('opendata-known-'));
      await expect(store.putIfAbsent(VERSION_KEY, body, objectMetaFor(VERSION_KEY))).rejects.toThrow(
        /SHA-256/,
      );
      expect(await store.knownContent(VERSION_KEY)).toBeUndefined();
    } finally {
      await scratch.dispose();
    }
  });
});
