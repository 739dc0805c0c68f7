import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { objectMetaFor } from '../../lambda/core/content-policy.js';
import {
  ImmutableKeyError,
  ObjectStoreError,
  ObjectTooLargeError,
  type ObjectStore,
  type StreamedBody,
} from '../../lambda/core/object-store.js';
import { ScratchDirectory } from '../../lambda/core/scratch.js';
import { InvalidObjectKeyError, LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { S3Store } from '../../lambda/store/s3.js';
import { createTestBucket, createTestS3Client, startMotoServer } from '../support/moto-server.js';
import type { MotoServer } from '../support/moto-server.js';

const VERSIONED = 'datasets/trade/1.0.0/trade.csv';
const MUTABLE = 'catalog.json';
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const MIB = 1024 * 1024;
const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * A streamed body over bytes in memory, read in 64 KiB chunks, that counts how often it is
 * opened; `declares` makes it claim another size or hash than its bytes have.
 */
function streamedBody(
  bytes: Uint8Array,
  declares: { bytes?: number; sha256?: string } = {},
): StreamedBody & { readonly opened: number } {
  let opened = 0;
  return {
    bytes: declares.bytes ?? bytes.byteLength,
    sha256: declares.sha256 ?? sha256Hex(bytes),
    get opened() {
      return opened;
    },
    async *open() {
      opened++;
      for (let start = 0; start < bytes.byteLength; start += 64 * 1024) {
        yield bytes.subarray(start, start + 64 * 1024);
      }
    },
  };
}

/** Where {@link fileBody} writes its files: removed after all tests. */
const BODY_FILES = mkdtempSync(path.join(os.tmpdir(), 'store-body-files-'));

/**
 * A streamed body that names a file holding `bytes` (as a scratch file does), read from that file
 * by `open` too; `declares` makes it claim another size or hash than the file has.
 */
function fileBody(bytes: Uint8Array, declares: { bytes?: number; sha256?: string } = {}): StreamedBody {
  const file = path.join(BODY_FILES, randomBytes(8).toString('hex'));
  writeFileSync(file, bytes);
  return {
    bytes: declares.bytes ?? bytes.byteLength,
    sha256: declares.sha256 ?? sha256Hex(bytes),
    open: () => createReadStream(file) as AsyncIterable<Uint8Array>,
    file,
  };
}

/** Ways a streamed body can misstate itself: every one must be refused, with nothing stored. */
const LYING_BODIES: { lie: string; body: () => StreamedBody }[] = [
  {
    lie: 'another SHA-256 than its file has',
    body: () => fileBody(utf8('a,b\n1,2\n'), { sha256: sha256Hex(utf8('a,b\n1,3\n')) }),
  },
  { lie: 'more bytes than its file holds', body: () => fileBody(utf8('a,b\n1,2\n'), { bytes: 9 }) },
  {
    lie: 'fewer bytes than its file holds',
    body: () => fileBody(new Uint8Array(300_000).fill(7), { bytes: 100_000 }),
  },
  {
    lie: 'another SHA-256',
    body: () => streamedBody(utf8('a,b\n1,2\n'), { sha256: sha256Hex(utf8('a,b\n1,3\n')) }),
  },
  { lie: 'more bytes than it gives', body: () => streamedBody(utf8('a,b\n1,2\n'), { bytes: 9 }) },
  {
    lie: 'fewer bytes than it gives',
    body: () => streamedBody(new Uint8Array(200_000).fill(7), { bytes: 100_000 }),
  },
];

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of iterable) keys.push(key);
  return keys.sort();
}

/** Every file under `dir`, relative, `/`-separated, including dot-files. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

let moto: MotoServer | undefined;
let s3Client: S3Client | undefined;
let bucketCounter = 0;

beforeAll(async () => {
  moto = await startMotoServer();
  s3Client = createTestS3Client(moto.endpoint);
});

afterAll(async () => {
  s3Client?.destroy();
  await moto?.stop();
  rmSync(BODY_FILES, { recursive: true, force: true });
});

async function freshBucket(): Promise<string> {
  if (moto === undefined) throw new Error('moto is not running');
  const bucket = `contract-${process.pid}-${++bucketCounter}`;
  await createTestBucket(moto.endpoint, bucket);
  return bucket;
}

interface Fixture {
  readonly store: ObjectStore;
  readonly cleanup: () => Promise<void>;
}

const adapters: { name: string; create: () => Promise<Fixture> }[] = [
  {
    name: 'LocalDirectoryStore',
    create: async () => {
      const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'object-store-'));
      const root = path.join(parent, 'root');
      return {
        store: new LocalDirectoryStore(root),
        cleanup: () => fs.rm(parent, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'S3Store',
    create: async () => {
      if (s3Client === undefined) throw new Error('moto is not running');
      return {
        store: new S3Store({ client: s3Client, bucket: await freshBucket() }),
        cleanup: async () => {},
      };
    },
  },
  {
    name: 'S3Store with prefix site/',
    create: async () => {
      if (s3Client === undefined) throw new Error('moto is not running');
      return {
        store: new S3Store({ client: s3Client, bucket: await freshBucket(), prefix: 'site/' }),
        cleanup: async () => {},
      };
    },
  },
];

describe.each(adapters)('ObjectStore contract: $name', ({ create }) => {
  let fixture: Fixture;
  let store: ObjectStore;

  beforeEach(async () => {
    fixture = await create();
    store = fixture.store;
  });

  afterEach(async () => {
    await fixture.cleanup();
  });

  it('reports a missing key as undefined from get and head', async () => {
    expect(await store.get(VERSIONED)).toBeUndefined();
    expect(await store.head(MUTABLE)).toBeUndefined();
  });

  it("copies an object onto a mutable key, replacing it, with the target key's metadata", async () => {
    const latest = 'datasets/trade/latest/trade.csv';
    await store.putIfAbsent(VERSIONED, utf8('year,value\n2001,1\n'), objectMetaFor(VERSIONED));
    await store.put(latest, utf8('stale'), objectMetaFor(latest));

    expect(await store.copy?.(VERSIONED, latest, objectMetaFor(latest))).toBe('copied');

    const copied = await store.get(latest);
    expect(new TextDecoder().decode(copied?.body)).toBe('year,value\n2001,1\n');
    expect(copied?.cacheControl).toBe(objectMetaFor(latest).cacheControl);
    expect(new TextDecoder().decode((await store.get(VERSIONED))?.body)).toBe('year,value\n2001,1\n');
    // Replacing the copy later leaves the source as it was.
    await store.put(latest, utf8('newer'), objectMetaFor(latest));
    expect(new TextDecoder().decode((await store.get(VERSIONED))?.body)).toBe('year,value\n2001,1\n');
  });

  it('copies nothing from a missing key, and never onto a version folder', async () => {
    const latest = 'datasets/trade/latest/trade.csv';
    expect(await store.copy?.('datasets/trade/9.9.9/trade.csv', latest, objectMetaFor(latest))).toBe(
      'missing',
    );
    expect(await store.get(latest)).toBeUndefined();
    await store.put(MUTABLE, utf8('{}'), objectMetaFor(MUTABLE));
    await expect(store.copy?.(MUTABLE, VERSIONED, objectMetaFor(VERSIONED))).rejects.toThrow(
      ImmutableKeyError,
    );
    expect(await store.get(VERSIONED)).toBeUndefined();
  });

  it('lists nothing when nothing was written', async () => {
    expect(await collect(store.list(''))).toEqual([]);
    expect(await collect(store.list('datasets/'))).toEqual([]);
  });

  it('creates with putIfAbsent and round-trips UTF-8 bytes and metadata', async () => {
    const body = utf8('country,partner\nҚазақстан,Azərbaycan — ✓ 🇰🇿\n');

    const result = await store.putIfAbsent(VERSIONED, body, objectMetaFor(VERSIONED));

    expect(result).toBe('created');
    const stored = await store.get(VERSIONED);
    expect(stored?.body).toEqual(body);
    expect(stored?.bytes).toBe(body.byteLength);
    expect(stored?.contentType).toBe(objectMetaFor(VERSIONED).contentType);
    expect(stored?.cacheControl).toBe(objectMetaFor(VERSIONED).cacheControl);
    const info = await store.head(VERSIONED);
    expect(info).toEqual({
      ...objectMetaFor(VERSIONED),
      bytes: body.byteLength,
      etag: stored?.etag,
      lastModified: expect.any(Date),
    });
    expect(info?.lastModified?.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('keeps mutable and immutable cache policies apart', async () => {
    await store.putIfAbsent(MUTABLE, utf8('{}'), objectMetaFor(MUTABLE));
    await store.putIfAbsent(VERSIONED, utf8('a\n'), objectMetaFor(VERSIONED));

    const mutable = await store.head(MUTABLE);
    const versioned = await store.head(VERSIONED);

    expect(mutable).toMatchObject(objectMetaFor(MUTABLE));
    expect(versioned).toMatchObject(objectMetaFor(VERSIONED));
    expect(mutable?.cacheControl).not.toBe(versioned?.cacheControl);
  });

  it('round-trips a ~5 MB binary body byte for byte', async () => {
    const key = 'datasets/trade/1.0.0/trade.parquet';
    const body = new Uint8Array(randomBytes(5 * 1024 * 1024 + 17));

    await store.putIfAbsent(key, body, objectMetaFor(key));

    const stored = await store.get(key);
    expect(stored?.bytes).toBe(body.byteLength);
    expect(Buffer.compare(Buffer.from(stored?.body ?? []), Buffer.from(body))).toBe(0);
  });

  it('reads an object of at most maxBytes whole, and refuses a larger one naming its size', async () => {
    const key = 'datasets/trade/1.0.0/limited.csv';
    const body = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
    await store.putIfAbsent(key, body, objectMetaFor(key));

    const within = await store.get(key, { maxBytes: body.byteLength });
    expect(Buffer.compare(Buffer.from(within?.body ?? []), Buffer.from(body))).toBe(0);
    expect(within?.etag).toBe((await store.get(key))?.etag);
    const refused = await store.get(key, { maxBytes: body.byteLength - 1 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ObjectTooLargeError);
    expect(refused).toMatchObject({ key, bytes: body.byteLength, maxBytes: body.byteLength - 1 });
    expect(await store.get('datasets/trade/1.0.0/none.csv', { maxBytes: 1 })).toBeUndefined();
  });

  it('streams a body with open, the same bytes as get, and undefined for a missing key', async () => {
    const key = 'datasets/trade/1.0.0/big.csv';
    const body = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) % 251);
    await store.putIfAbsent(key, body, objectMetaFor(key));

    const stream = await store.open(key);
    const chunks: Uint8Array[] = [];
    for await (const chunk of stream ?? []) chunks.push(chunk);

    // Compared as bytes, not with toEqual: a deep comparison of 3 MB element by element took over a minute on a
    // loaded machine and timed the test out.
    const streamed = Buffer.concat(chunks);
    expect(streamed.byteLength).toBe(body.byteLength);
    expect(Buffer.compare(streamed, Buffer.from(body))).toBe(0);
    expect(await store.open('datasets/trade/1.0.0/none.csv')).toBeUndefined();
  });

  it('refuses a second putIfAbsent and keeps the original bytes', async () => {
    await store.putIfAbsent(VERSIONED, utf8('original'), objectMetaFor(VERSIONED));
    const before = await store.head(VERSIONED);

    const result = await store.putIfAbsent(VERSIONED, utf8('replacement'), objectMetaFor(VERSIONED));

    expect(result).toBe('exists');
    const after = await store.get(VERSIONED);
    expect(after?.body).toEqual(utf8('original'));
    expect(after?.etag).toBe(before?.etag);
  });

  it('replaces with putIfMatch given the current etag and returns the new etag', async () => {
    await store.putIfAbsent(MUTABLE, utf8('{"v":1}'), objectMetaFor(MUTABLE));
    const current = await store.head(MUTABLE);

    const result = await store.putIfMatch(MUTABLE, utf8('{"v":2}'), objectMetaFor(MUTABLE), current?.etag);

    expect(result.status).toBe('written');
    const stored = await store.get(MUTABLE);
    expect(stored?.body).toEqual(utf8('{"v":2}'));
    expect(result).toEqual({ status: 'written', etag: stored?.etag });
    expect(stored?.etag).not.toBe(current?.etag);
  });

  it('rejects putIfMatch with a stale etag and leaves the body unchanged', async () => {
    await store.putIfAbsent(MUTABLE, utf8('{"v":1}'), objectMetaFor(MUTABLE));
    const stale = (await store.head(MUTABLE))?.etag;
    await store.putIfMatch(MUTABLE, utf8('{"v":2}'), objectMetaFor(MUTABLE), stale);

    const result = await store.putIfMatch(MUTABLE, utf8('{"v":3}'), objectMetaFor(MUTABLE), stale);

    expect(result).toEqual({ status: 'conflict' });
    expect((await store.get(MUTABLE))?.body).toEqual(utf8('{"v":2}'));
  });

  it('rejects putIfMatch with an etag when the key has gone missing', async () => {
    await store.putIfAbsent(MUTABLE, utf8('{"v":1}'), objectMetaFor(MUTABLE));
    const etag = (await store.head(MUTABLE))?.etag;
    const other = 'other.json';

    const result = await store.putIfMatch(other, utf8('{}'), objectMetaFor(other), etag);

    expect(result).toEqual({ status: 'conflict' });
    expect(await store.head(other)).toBeUndefined();
  });

  it('treats putIfMatch with undefined etag as create-only', async () => {
    await store.putIfAbsent(MUTABLE, utf8('{"v":1}'), objectMetaFor(MUTABLE));

    const onExisting = await store.putIfMatch(MUTABLE, utf8('{"v":2}'), objectMetaFor(MUTABLE), undefined);
    const onMissing = await store.putIfMatch(
      'index.html',
      utf8('<p>hi</p>'),
      objectMetaFor('index.html'),
      undefined,
    );

    expect(onExisting).toEqual({ status: 'conflict' });
    expect((await store.get(MUTABLE))?.body).toEqual(utf8('{"v":1}'));
    expect(onMissing.status).toBe('written');
    const created = await store.get('index.html');
    expect(created?.body).toEqual(utf8('<p>hi</p>'));
    expect(created?.contentType).toBe(objectMetaFor('index.html').contentType);
    expect(onMissing).toEqual({ status: 'written', etag: created?.etag });
  });

  it('refuses to replace or overwrite a file inside a version folder, whatever the write', async () => {
    await store.putIfAbsent(VERSIONED, utf8('original'), objectMetaFor(VERSIONED));
    const { etag } = (await store.head(VERSIONED)) ?? { etag: '' };

    await expect(store.put(VERSIONED, utf8('x'), objectMetaFor(VERSIONED))).rejects.toThrow(
      ImmutableKeyError,
    );
    await expect(store.putIfMatch(VERSIONED, utf8('x'), objectMetaFor(VERSIONED), etag)).rejects.toThrow(
      ImmutableKeyError,
    );
    await expect(
      store.put('datasets/trade/9.9.9/new.csv', utf8('x'), objectMetaFor(VERSIONED)),
    ).rejects.toThrow('can only be created once, never replaced');

    expect((await store.get(VERSIONED))?.body).toEqual(utf8('original'));
    expect(await store.head('datasets/trade/9.9.9/new.csv')).toBeUndefined();
  });

  it('overwrites unconditionally with put, creating parents as needed', async () => {
    const key = 'datasets/trade/latest/trade.csv';
    await store.put(key, utf8('old'), objectMetaFor(key));

    await store.put(key, utf8('new'), objectMetaFor(key));

    const stored = await store.get(key);
    expect(stored?.body).toEqual(utf8('new'));
    expect(stored).toMatchObject(objectMetaFor(key));
  });

  it('gives equal bodies equal etags and different bodies different etags', async () => {
    await store.put('a.json', utf8('same'), objectMetaFor('a.json'));
    await store.put('b.json', utf8('same'), objectMetaFor('b.json'));
    await store.put('c.json', utf8('different'), objectMetaFor('c.json'));

    const [a, b, c] = await Promise.all(['a.json', 'b.json', 'c.json'].map((key) => store.head(key)));

    expect(a?.etag).toBe(b?.etag);
    expect(a?.etag).not.toBe(c?.etag);
  });

  it('lists exactly the keys under a prefix', async () => {
    const keys = [
      'catalog.json',
      'datasets/trade/index.html',
      'datasets/trade/1.0.0/trade.csv',
      'datasets/trade/1.1.0/trade.csv',
      'datasets/trade/latest/trade.csv',
      'datasets/transport/1.0.0/transport.csv',
      'datasets/culture/1.0.0/заметки.txt',
    ];
    for (const key of keys) await store.putIfAbsent(key, utf8(key), objectMetaFor(key));
    // Exercise the paths that use temp and lock files too.
    await store.put('datasets/trade/latest/trade.csv', utf8('x'), objectMetaFor('catalog.json'));
    const etag = (await store.head('catalog.json'))?.etag;
    await store.putIfMatch('catalog.json', utf8('{}'), objectMetaFor('catalog.json'), etag);

    expect(await collect(store.list(''))).toEqual([...keys].sort());
    expect(await collect(store.list('datasets/trade/'))).toEqual([
      'datasets/trade/1.0.0/trade.csv',
      'datasets/trade/1.1.0/trade.csv',
      'datasets/trade/index.html',
      'datasets/trade/latest/trade.csv',
    ]);
    expect(await collect(store.list('datasets/tra'))).toEqual(
      keys.filter((key) => key.startsWith('datasets/tra')).sort(),
    );
    expect(await collect(store.list('datasets/culture/'))).toEqual(['datasets/culture/1.0.0/заметки.txt']);
    expect(await collect(store.list('nothing/'))).toEqual([]);
  });

  it('creates from a streamed body the same bytes and etag as from bytes in memory, and only once', async () => {
    const bytes = utf8('country,partner\nҚазақстан,Azərbaycan\n'.repeat(5_000));
    const other = 'datasets/trade/1.0.0/trade.json';
    await store.putIfAbsent(other, bytes, objectMetaFor(other));

    const result = await store.putIfAbsent(VERSIONED, streamedBody(bytes), objectMetaFor(VERSIONED));
    const again = await store.putIfAbsent(
      VERSIONED,
      streamedBody(utf8('replacement')),
      objectMetaFor(VERSIONED),
    );

    expect([result, again]).toEqual(['created', 'exists']);
    const stored = await store.get(VERSIONED);
    expect(Buffer.compare(Buffer.from(stored?.body ?? []), Buffer.from(bytes))).toBe(0);
    expect(stored).toMatchObject({ ...objectMetaFor(VERSIONED), bytes: bytes.byteLength });
    expect(stored?.etag).toBe((await store.head(other))?.etag);
  });

  it('overwrites with a streamed put, giving the etag the same bytes give', async () => {
    const key = 'datasets/trade/latest/trade.csv';
    await store.put(key, utf8('old'), objectMetaFor(key));
    await store.put('a.json', utf8('new\n'), objectMetaFor('a.json'));

    await store.put(key, streamedBody(utf8('new\n')), objectMetaFor(key));

    const stored = await store.get(key);
    expect(stored?.body).toEqual(utf8('new\n'));
    expect(stored).toMatchObject(objectMetaFor(key));
    expect(stored?.etag).toBe((await store.head('a.json'))?.etag);
  });

  it('replaces with a streamed putIfMatch given the current etag, and refuses a stale or missing one', async () => {
    await store.putIfAbsent(MUTABLE, utf8('{"v":1}'), objectMetaFor(MUTABLE));
    const first = (await store.head(MUTABLE))?.etag;

    const written = await store.putIfMatch(
      MUTABLE,
      streamedBody(utf8('{"v":2}')),
      objectMetaFor(MUTABLE),
      first,
    );
    const stale = await store.putIfMatch(
      MUTABLE,
      streamedBody(utf8('{"v":3}')),
      objectMetaFor(MUTABLE),
      first,
    );
    const absent = await store.putIfMatch(
      MUTABLE,
      streamedBody(utf8('{"v":4}')),
      objectMetaFor(MUTABLE),
      undefined,
    );
    const created = await store.putIfMatch(
      'index.html',
      streamedBody(utf8('<p>hi</p>')),
      objectMetaFor('index.html'),
      undefined,
    );

    const stored = await store.get(MUTABLE);
    expect(stored?.body).toEqual(utf8('{"v":2}'));
    expect(written).toEqual({ status: 'written', etag: stored?.etag });
    expect([stale, absent]).toEqual([{ status: 'conflict' }, { status: 'conflict' }]);
    expect(created).toEqual({ status: 'written', etag: (await store.head('index.html'))?.etag });
  });

  it.each(LYING_BODIES)(
    'refuses a streamed body declaring $lie, whatever the write, storing nothing',
    async ({ body }) => {
      await store.put(MUTABLE, utf8('{"v":1}'), objectMetaFor(MUTABLE));
      const etag = (await store.head(MUTABLE))?.etag;

      await expect(store.putIfAbsent(VERSIONED, body(), objectMetaFor(VERSIONED))).rejects.toThrow(
        ObjectStoreError,
      );
      await expect(store.put('index.html', body(), objectMetaFor('index.html'))).rejects.toThrow(
        ObjectStoreError,
      );
      await expect(store.putIfMatch(MUTABLE, body(), objectMetaFor(MUTABLE), etag)).rejects.toThrow(
        /the body streamed for "catalog.json" .*declares/,
      );

      expect(await store.head(VERSIONED)).toBeUndefined();
      expect(await store.head('index.html')).toBeUndefined();
      expect((await store.get(MUTABLE))?.body).toEqual(utf8('{"v":1}'));
      expect(await collect(store.list(''))).toEqual([MUTABLE]);
    },
  );

  it('lets exactly one of 5 concurrent putIfMatch with the same etag win', async () => {
    await store.putIfAbsent(MUTABLE, utf8('{"v":0}'), objectMetaFor(MUTABLE));
    const etag = (await store.head(MUTABLE))?.etag;
    const bodies = [1, 2, 3, 4, 5].map((n) => utf8(`{"v":${n}}`));

    const results = await Promise.all(
      bodies.map((body) => store.putIfMatch(MUTABLE, body, objectMetaFor(MUTABLE), etag)),
    );

    const winners = results.flatMap((result, index) =>
      result.status === 'written' ? [{ result, index }] : [],
    );
    expect(winners).toHaveLength(1);
    const stored = await store.get(MUTABLE);
    expect(stored?.body).toEqual(bodies[winners[0]?.index ?? -1]);
    expect(stored?.etag).toBe(winners[0]?.result.status === 'written' ? winners[0].result.etag : undefined);
  });

  it('lets exactly one of 5 concurrent putIfAbsent create the object', async () => {
    const bodies = [1, 2, 3, 4, 5].map((n) => utf8(`row ${n}\n`));

    const results = await Promise.all(
      bodies.map((body) => store.putIfAbsent(VERSIONED, body, objectMetaFor(VERSIONED))),
    );

    expect(results.filter((result) => result === 'created')).toHaveLength(1);
    expect(results.filter((result) => result === 'exists')).toHaveLength(4);
    const stored = await store.get(VERSIONED);
    expect(stored?.body).toEqual(bodies[results.indexOf('created')]);
  });
});

describe('LocalDirectoryStore specifics', () => {
  let parent: string;
  let root: string;
  let store: LocalDirectoryStore;

  beforeEach(async () => {
    parent = await fs.mkdtemp(path.join(os.tmpdir(), 'object-store-'));
    root = path.join(parent, 'root');
    store = new LocalDirectoryStore(root);
  });

  afterEach(async () => {
    await fs.rm(parent, { recursive: true, force: true });
  });

  it.each(['../x', '/etc/passwd', 'a//b', 'a\\b', 'a/../../b', '', 'a/', './a', 'a\0b', 'a/.b.json.lock'])(
    'rejects the key %j without touching the file system',
    async (key) => {
      const body = utf8('evil');
      const meta = objectMetaFor('x.txt');

      await expect(store.putIfAbsent(key, body, meta)).rejects.toThrow(InvalidObjectKeyError);
      await expect(store.putIfMatch(key, body, meta, undefined)).rejects.toThrow(InvalidObjectKeyError);
      await expect(store.put(key, body, meta)).rejects.toThrow(InvalidObjectKeyError);
      await expect(store.get(key)).rejects.toThrow(InvalidObjectKeyError);
      await expect(store.head(key)).rejects.toThrow(InvalidObjectKeyError);
      await expect(store.exists(key)).rejects.toThrow(InvalidObjectKeyError);

      expect(await fs.readdir(parent)).toEqual([]);
      await expect(store.putIfAbsent(key, body, meta)).rejects.toThrow(JSON.stringify(key));
    },
  );

  it('rejects list prefixes that climb out of the root', async () => {
    await expect(collect(store.list('../'))).rejects.toThrow(InvalidObjectKeyError);
    await expect(collect(store.list('a/../../'))).rejects.toThrow(InvalidObjectKeyError);
  });

  it('answers exists as head finds objects: a file is there, a missing key or a directory is not', async () => {
    await store.putIfAbsent(VERSIONED, utf8('abc'), objectMetaFor(VERSIONED));
    await store.put(MUTABLE, new Uint8Array(0), objectMetaFor(MUTABLE));

    for (const key of [VERSIONED, MUTABLE, 'datasets/trade', 'datasets', 'missing.csv', 'catalog.json/x']) {
      expect({ key, exists: await store.exists(key) }).toEqual({
        key,
        exists: (await store.head(key)) !== undefined,
      });
    }
    expect(await store.exists(VERSIONED)).toBe(true);
    expect(await store.exists('datasets/trade')).toBe(false);
  });

  it('reports objectMetaFor metadata and a quoted sha256 etag', async () => {
    await store.putIfAbsent(VERSIONED, utf8('abc'), objectMetaFor(VERSIONED));

    const info = await store.head(VERSIONED);

    expect(info).toEqual({
      ...objectMetaFor(VERSIONED),
      bytes: 3,
      etag: '"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"',
      lastModified: expect.any(Date),
    });
  });

  it('stores keys as plain files and leaves no temp or lock files behind', async () => {
    await store.putIfAbsent(VERSIONED, utf8('a'), objectMetaFor(VERSIONED));
    await store.putIfAbsent(VERSIONED, utf8('b'), objectMetaFor(VERSIONED));
    await store.put(MUTABLE, utf8('1'), objectMetaFor(MUTABLE));
    const etag = (await store.head(MUTABLE))?.etag;
    await store.putIfMatch(MUTABLE, utf8('2'), objectMetaFor(MUTABLE), etag);
    await store.putIfMatch(MUTABLE, utf8('3'), objectMetaFor(MUTABLE), etag);

    expect(await filesUnder(root)).toEqual([MUTABLE, VERSIONED]);
    expect(await fs.readFile(path.join(root, ...VERSIONED.split('/')), 'utf8')).toBe('a');
    expect(await fs.readFile(path.join(root, MUTABLE), 'utf8')).toBe('2');
  });

  it('copies into a file of its own: editing the mirror in place never changes the version file', async () => {
    const latest = 'datasets/trade/latest/trade.csv';
    await store.putIfAbsent(VERSIONED, utf8('a'), objectMetaFor(VERSIONED));
    await store.copy(VERSIONED, latest, objectMetaFor(latest));
    const file = (key: string) => path.join(root, ...key.split('/'));

    expect((await fs.stat(file(latest))).ino).not.toBe((await fs.stat(file(VERSIONED))).ino);
    await fs.appendFile(file(latest), 'tampered');
    expect(await fs.readFile(file(VERSIONED), 'utf8')).toBe('a');
    expect(await filesUnder(root)).toEqual([VERSIONED, latest]);
  });

  it('hides stray temp and lock files from list', async () => {
    await store.put(MUTABLE, utf8('{}'), objectMetaFor(MUTABLE));
    await fs.writeFile(path.join(root, '.catalog.json.tmp-0123456789abcdef'), 'partial');
    await fs.writeFile(path.join(root, '.catalog.json.tmp-4242-0a1b2c3d-0123456789abcdef'), 'partial');
    await fs.writeFile(path.join(root, '.catalog.json.lock'), '1');

    expect(await collect(store.list(''))).toEqual([MUTABLE]);
  });

  it('gives up on a held lock after the timeout, naming the lock file', async () => {
    const impatient = new LocalDirectoryStore(root, { lockTimeoutMs: 100 });
    await impatient.put(MUTABLE, utf8('{}'), objectMetaFor(MUTABLE));
    const lock = path.join(root, '.catalog.json.lock');
    await fs.writeFile(lock, '1');

    await expect(impatient.putIfMatch(MUTABLE, utf8('x'), objectMetaFor(MUTABLE), undefined)).rejects.toThrow(
      lock,
    );
    expect(await fs.readFile(path.join(root, MUTABLE), 'utf8')).toBe('{}');
  });

  // A lease is renewed with the clock of whoever holds it: a lock dated a day ahead (a clock set back since,
  // or a forged time) held every writer off until the timeout, and then failed the publish.
  it('takes over a lock dated further ahead than a lease, rather than waiting for it', async () => {
    const store = new LocalDirectoryStore(root, { lockLeaseMs: 200, lockTimeoutMs: 60_000 });
    await store.put(MUTABLE, utf8('{}'), objectMetaFor(MUTABLE));
    const lock = path.join(root, '.catalog.json.lock');
    await fs.writeFile(lock, `${JSON.stringify({ token: 'forged', pid: 1, host: 'elsewhere.example' })}\n`);
    const tomorrow = new Date(Date.now() + 86_400_000);
    await fs.utimes(lock, tomorrow, tomorrow);

    // Waiting out the lock instead would outlast the test's timeout, and then fail naming the lock.
    const etag = (await store.head(MUTABLE))?.etag;
    const result = await store.putIfMatch(MUTABLE, utf8('x'), objectMetaFor(MUTABLE), etag);

    expect(result.status).toBe('written');
    expect(await fs.readFile(path.join(root, MUTABLE), 'utf8')).toBe('x');
    expect(await filesUnder(root)).toEqual([MUTABLE]);
  });

  it('treats a missing root as an empty store', async () => {
    const missing = new LocalDirectoryStore(path.join(parent, 'does-not-exist'));

    expect(await missing.get(MUTABLE)).toBeUndefined();
    expect(await missing.head(MUTABLE)).toBeUndefined();
    expect(await collect(missing.list(''))).toEqual([]);
    expect(await fs.readdir(parent)).toEqual([]);
  });

  it('leaves no temp file behind when the target cannot be written', async () => {
    await store.put('datasets/trade/1.0.0', utf8('a file where a folder should be'), objectMetaFor('x'));
    await fs.mkdir(path.join(root, 'catalog.json'));

    await expect(store.put(VERSIONED, utf8('x'), objectMetaFor(VERSIONED))).rejects.toThrow(VERSIONED);
    await expect(store.put(MUTABLE, utf8('x'), objectMetaFor(MUTABLE))).rejects.toThrow(MUTABLE);
    await expect(store.putIfAbsent(MUTABLE, utf8('x'), objectMetaFor(MUTABLE))).rejects.toThrow(MUTABLE);

    expect(await filesUnder(root)).toEqual(['datasets/trade/1.0.0']);
  });

  it('writes a streamed scratch file under its declared sha256, leaving no temp file behind', async () => {
    const scratch = await ScratchDirectory.create(parent);
    const file = await scratch.createFile('trade.csv');
    await file.write('year,value\n');
    for (let year = 1995; year < 2025; year++) await file.write(`${year},${year * 3}\n`);
    const body = await file.close();

    const created = await store.putIfAbsent(VERSIONED, body, objectMetaFor(VERSIONED));
    const replaced = await store.putIfMatch(MUTABLE, body, objectMetaFor(MUTABLE), undefined);
    await scratch.dispose();

    expect(created).toBe('created');
    expect(replaced).toEqual({ status: 'written', etag: `"${body.sha256}"` });
    expect((await store.head(VERSIONED))?.etag).toBe(`"${body.sha256}"`);
    expect(await filesUnder(root)).toEqual([MUTABLE, VERSIONED]);
  });

  it('copies a body that is a file into a file of its own: the source changing later changes nothing stored', async () => {
    const bytes = new Uint8Array(randomBytes(3 * MIB + 5));
    const body = fileBody(bytes);
    const opened = { count: 0 };
    const counted: StreamedBody = {
      ...body,
      open: () => {
        opened.count++;
        return body.open();
      },
    };

    expect(await store.putIfAbsent(VERSIONED, counted, objectMetaFor(VERSIONED))).toBe('created');
    await store.put(MUTABLE, counted, objectMetaFor(MUTABLE));
    await fs.writeFile(body.file ?? '', 'changed afterwards');

    expect(opened.count).toBe(0); // copied by the file system, not read through
    for (const key of [VERSIONED, MUTABLE]) {
      const stored = await store.get(key);
      expect(sha256Hex(stored?.body ?? new Uint8Array())).toBe(body.sha256);
      expect(stored?.etag).toBe(`"${body.sha256}"`);
    }
    expect(await filesUnder(root)).toEqual([MUTABLE, VERSIONED]);
  });

  it('gives a file copied from a body the permissions of any file it writes, not those of its source', async () => {
    const body = fileBody(utf8('a,b\n1,2\n'));
    await fs.chmod(body.file ?? '', 0o600);

    await store.putIfAbsent(VERSIONED, body, objectMetaFor(VERSIONED));
    await store.put(MUTABLE, utf8('{}'), objectMetaFor(MUTABLE));

    const mode = async (key: string) => (await fs.stat(path.join(root, key))).mode & 0o777;
    expect(await mode(VERSIONED)).toBe(await mode(MUTABLE));
    expect(await mode(VERSIONED)).not.toBe(0o600);
  });

  it('refuses a body whose file is gone, storing nothing and naming the key', async () => {
    const body = fileBody(utf8('a,b\n1,2\n'));
    await fs.rm(body.file ?? '');

    await expect(store.putIfAbsent(VERSIONED, body, objectMetaFor(VERSIONED))).rejects.toThrow(
      /could not write a temporary file for "datasets\/trade\/1.0.0\/trade.csv": .*ENOENT/,
    );
    expect(await filesUnder(root)).toEqual([]);
  });

  it.each(LYING_BODIES)('leaves no temp or lock file behind for a body declaring $lie', async ({ body }) => {
    await expect(store.putIfAbsent(VERSIONED, body(), objectMetaFor(VERSIONED))).rejects.toThrow(VERSIONED);
    await expect(store.put(MUTABLE, body(), objectMetaFor(MUTABLE))).rejects.toThrow(MUTABLE);
    await expect(store.putIfMatch(MUTABLE, body(), objectMetaFor(MUTABLE), undefined)).rejects.toThrow(
      MUTABLE,
    );

    expect(await filesUnder(root)).toEqual([]);
  });
});

describe('S3Store with a prefix', () => {
  it('stores objects under the prefix and lists keys without it', async () => {
    if (s3Client === undefined) throw new Error('moto is not running');
    const bucket = await freshBucket();
    const store = new S3Store({ client: s3Client, bucket, prefix: 'site' });
    const outside = new S3Store({ client: s3Client, bucket });
    await outside.put('elsewhere.json', utf8('{}'), objectMetaFor('elsewhere.json'));

    await store.putIfAbsent(VERSIONED, utf8('inside'), objectMetaFor(VERSIONED));

    const raw = await s3Client.send(new GetObjectCommand({ Bucket: bucket, Key: `site/${VERSIONED}` }));
    expect(await raw.Body?.transformToString()).toBe('inside');
    expect(raw.CacheControl).toBe(objectMetaFor(VERSIONED).cacheControl);
    expect(await collect(store.list(''))).toEqual([VERSIONED]);
    expect(await collect(outside.list(''))).toEqual(['elsewhere.json', `site/${VERSIONED}`]);
    expect(await store.get('elsewhere.json')).toBeUndefined();
  });

  it('wraps other failures in ObjectStoreError naming the key', async () => {
    if (s3Client === undefined) throw new Error('moto is not running');
    const store = new S3Store({ client: s3Client, bucket: 'no-such-bucket-here' });

    await expect(store.putIfAbsent(MUTABLE, utf8('{}'), objectMetaFor(MUTABLE))).rejects.toMatchObject({
      name: 'ObjectStoreError',
      key: MUTABLE,
    });
  });
});

describe('S3Store multipart uploads', () => {
  const options = { multipartThresholdBytes: 5 * MIB, partSizeBytes: 5 * MIB };
  let client: S3Client;
  let scratch: ScratchDirectory;
  /** `<command> <HTTP status or error>` for every request the store's client made. */
  let requests: string[];
  /** Makes the next PutObject fail with a 503 after the server has stored it, as a lost response would. */
  let failNextPut = false;
  let bucket: string;
  let store: S3Store;

  beforeAll(async () => {
    if (moto === undefined) throw new Error('moto is not running');
    client = createTestS3Client(moto.endpoint);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        try {
          const result = await next(args);
          requests.push(`${context.commandName} ok`);
          return result;
        } catch (error) {
          requests.push(`${context.commandName} ${error instanceof Error ? error.name : String(error)}`);
          throw error;
        }
      },
      { step: 'initialize', name: 'recordRequests' },
    );
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'PutObjectCommand' && failNextPut) {
          failNextPut = false;
          throw Object.assign(new Error('injected after the write'), {
            name: 'ServiceUnavailable',
            $fault: 'server',
            $metadata: { httpStatusCode: 503 },
          });
        }
        return result;
      },
      { step: 'deserialize', name: 'injectLostResponse' },
    );
    scratch = await ScratchDirectory.create();
  });

  afterAll(async () => {
    client.destroy();
    await scratch.dispose();
  });

  beforeEach(async () => {
    bucket = await freshBucket();
    store = new S3Store({ client, bucket, prefix: 'site', ...options });
    requests = [];
  });

  /** A scratch file of `bytes` random bytes. */
  async function scratchBody(bytes: number): Promise<StreamedBody & { readonly data: Uint8Array }> {
    const data = new Uint8Array(randomBytes(bytes));
    const file = await scratch.createFile('body');
    for (let start = 0; start < bytes; start += MIB) await file.write(data.subarray(start, start + MIB));
    return { ...(await file.close()), data };
  }

  async function openUploads(): Promise<unknown[]> {
    return (await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
  }

  const uploadRequests = (): string[] => requests.filter((request) => /Multipart|UploadPart/.test(request));

  it('creates a body above the threshold in parts, and a second putIfAbsent is refused at completion', async () => {
    const first = await scratchBody(11 * MIB + 3);
    const second = await scratchBody(11 * MIB + 3);

    const created = await store.putIfAbsent(VERSIONED, first, objectMetaFor(VERSIONED));
    const createdWith = uploadRequests();
    requests = [];
    const again = await store.putIfAbsent(VERSIONED, second, objectMetaFor(VERSIONED));

    expect([created, again]).toEqual(['created', 'exists']);
    expect(createdWith).toEqual([
      'CreateMultipartUploadCommand ok',
      'UploadPartCommand ok',
      'UploadPartCommand ok',
      'UploadPartCommand ok',
      'CompleteMultipartUploadCommand ok',
    ]);
    // The refusal came from S3 evaluating If-None-Match when joining the parts, and the upload was aborted.
    expect(uploadRequests().slice(-2)).toEqual([
      'CompleteMultipartUploadCommand PreconditionFailed',
      'AbortMultipartUploadCommand ok',
    ]);
    const stored = await store.get(VERSIONED);
    expect(Buffer.compare(Buffer.from(stored?.body ?? []), Buffer.from(first.data))).toBe(0);
    expect(stored).toMatchObject({ ...objectMetaFor(VERSIONED), bytes: first.bytes });
    expect(stored?.etag).toMatch(/^"[0-9a-f]{32}-3"$/);
    const checksums = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: `site/${VERSIONED}`, ChecksumMode: 'ENABLED' }),
    );
    expect(checksums.ChecksumSHA256, 'parts sent with SHA-256 checksums').toBeDefined();
    expect(await openUploads()).toEqual([]);
  });

  /** A store that copies a source above 6 MiB in parts of 5 MiB, S3's smallest, to test multipart copies. */
  const partCopier = (): S3Store =>
    new S3Store({
      client,
      bucket,
      prefix: 'site',
      ...options,
      maxCopyObjectBytes: 6 * MIB,
      copyPartSizeBytes: 5 * MIB,
    });

  it('copies a source above maxCopyObjectBytes in parts on the server: nothing is uploaded', async () => {
    const copier = partCopier();
    const latest = 'datasets/trade/latest/trade.csv';
    const body = await scratchBody(16 * MIB + 7);
    await copier.putIfAbsent(VERSIONED, body, objectMetaFor(VERSIONED));
    requests = [];

    const outcome = await copier.copy(VERSIONED, latest, objectMetaFor(latest));

    expect(outcome).toBe('copied');
    // Four ranges of the source (5, 5, 5 MiB and the rest), copied by S3; no UploadPart, no PutObject.
    expect(requests.filter((request) => !request.startsWith('HeadObject'))).toEqual([
      'CreateMultipartUploadCommand ok',
      'UploadPartCopyCommand ok',
      'UploadPartCopyCommand ok',
      'UploadPartCopyCommand ok',
      'UploadPartCopyCommand ok',
      'CompleteMultipartUploadCommand ok',
    ]);
    const copied = await copier.get(latest);
    expect(Buffer.compare(Buffer.from(copied?.body ?? []), Buffer.from(body.data))).toBe(0);
    expect(copied).toMatchObject({ ...objectMetaFor(latest), bytes: body.bytes });
    expect(copied?.etag).toMatch(/-4"$/);
    expect(await openUploads()).toEqual([]);
  });

  it('aborts a multipart copy whose part fails, leaving the previous copy and no parts behind', async () => {
    const copier = partCopier();
    const latest = 'datasets/trade/latest/trade.csv';
    await copier.put(latest, utf8('the previous copy'), objectMetaFor(latest));
    await copier.putIfAbsent(VERSIONED, await scratchBody(16 * MIB), objectMetaFor(VERSIONED));
    let partCopies = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCopyCommand' && ++partCopies === 2)
          throw Object.assign(new Error('injected part failure'), {
            name: 'InternalError',
            $fault: 'server',
          });
        return next(args);
      },
      { step: 'initialize', name: 'failSecondPartCopy' },
    );
    try {
      await expect(copier.copy(VERSIONED, latest, objectMetaFor(latest))).rejects.toThrow(
        /injected part failure/,
      );
    } finally {
      client.middlewareStack.remove('failSecondPartCopy');
    }

    expect(requests.at(-1)).toBe('AbortMultipartUploadCommand ok');
    expect(await openUploads()).toEqual([]);
    expect(Buffer.from((await copier.get(latest))?.body ?? []).toString()).toBe('the previous copy');
  });

  it('copies a source up to maxCopyObjectBytes with one CopyObject', async () => {
    const copier = new S3Store({ client, bucket, prefix: 'site', ...options, maxCopyObjectBytes: 6 * MIB });
    const latest = 'datasets/trade/latest/trade.csv';
    const body = await scratchBody(6 * MIB);
    await copier.putIfAbsent(VERSIONED, body, objectMetaFor(VERSIONED));
    requests = [];

    expect(await copier.copy(VERSIONED, latest, objectMetaFor(latest))).toBe('copied');

    expect(requests.filter((request) => !request.startsWith('HeadObject'))).toEqual(['CopyObjectCommand ok']);
    expect(sha256Hex((await copier.get(latest))?.body ?? new Uint8Array())).toBe(body.sha256);
  });

  it('refuses a copy part size S3 would refuse', () => {
    expect(() => new S3Store({ client, bucket, copyPartSizeBytes: 4 * MIB })).toThrow(
      /copyPartSizeBytes must be/,
    );
    expect(() => new S3Store({ client, bucket, maxCopyObjectBytes: 6 * 1024 * MIB })).toThrow(
      /maxCopyObjectBytes must be/,
    );
  });

  it('overwrites with put in parts, from a stream or from bytes in memory', async () => {
    const key = 'datasets/trade/latest/trade.parquet';
    const streamed = await scratchBody(6 * MIB);
    const inMemory = new Uint8Array(randomBytes(10 * MIB));

    await store.put(key, streamed, objectMetaFor(key));
    const fromStream = await store.get(key);
    await store.put(key, inMemory, objectMetaFor(key));
    const fromMemory = await store.get(key);

    expect(sha256Hex(fromStream?.body ?? new Uint8Array())).toBe(streamed.sha256);
    expect(fromStream?.etag).toMatch(/-2"$/);
    expect(Buffer.compare(Buffer.from(fromMemory?.body ?? []), Buffer.from(inMemory))).toBe(0);
    expect(fromMemory).toMatchObject({ ...objectMetaFor(key), bytes: inMemory.byteLength });
    expect(uploadRequests().filter((request) => request.startsWith('Complete'))).toHaveLength(2);
    expect(await openUploads()).toEqual([]);
  });

  it('aborts the upload of a streamed body that is not what it declares, before its last part', async () => {
    const honest = await scratchBody(11 * MIB);
    const lying = { ...(await scratchBody(11 * MIB)), sha256: honest.sha256 };

    await expect(store.putIfAbsent(VERSIONED, lying, objectMetaFor(VERSIONED))).rejects.toThrow(
      /the body streamed for .* declares/,
    );

    expect(uploadRequests()).toEqual([
      'CreateMultipartUploadCommand ok',
      'UploadPartCommand ok',
      'UploadPartCommand ok',
      'AbortMultipartUploadCommand ok',
    ]);
    expect(await store.head(VERSIONED)).toBeUndefined();
    expect(await openUploads()).toEqual([]);
  });

  it('sends putIfMatch in one PutObject whatever the size, keeping compare-and-swap', async () => {
    await store.put(MUTABLE, utf8('{}'), objectMetaFor(MUTABLE));
    const etag = (await store.head(MUTABLE))?.etag;
    const large = await scratchBody(6 * MIB);

    const written = await store.putIfMatch(MUTABLE, large, objectMetaFor(MUTABLE), etag);
    const stale = await store.putIfMatch(MUTABLE, await scratchBody(6 * MIB), objectMetaFor(MUTABLE), etag);

    expect(stale).toEqual({ status: 'conflict' });
    const stored = await store.get(MUTABLE);
    expect(sha256Hex(stored?.body ?? new Uint8Array())).toBe(large.sha256);
    expect(written).toEqual({ status: 'written', etag: stored?.etag });
    expect(uploadRequests()).toEqual([]);
  });

  it('reads a streamed body afresh when the SDK retries its PutObject', async () => {
    const key = 'datasets/trade/latest/trade.csv';
    const bytes = new Uint8Array(randomBytes(3 * MIB));
    const body = streamedBody(bytes);
    failNextPut = true;

    await store.put(key, body, objectMetaFor(key));

    expect(body.opened).toBe(2);
    expect(requests).toEqual(['PutObjectCommand ok']);
    expect(Buffer.compare(Buffer.from((await store.get(key))?.body ?? []), Buffer.from(bytes))).toBe(0);
  });

  it.each([
    [{ partSizeBytes: 5 * MIB - 1 }, /partSizeBytes must be .* at least 5242880/],
    [
      { partSizeBytes: 8 * MIB, multipartThresholdBytes: 6 * MIB },
      /multipartThresholdBytes must be .* from partSizeBytes/,
    ],
    [{ multipartThresholdBytes: 6 * 1024 * MIB }, /multipartThresholdBytes must be/],
  ])('rejects the options %j', (bad, message) => {
    expect(() => new S3Store({ client, bucket: 'any', ...bad })).toThrow(message);
  });
});
