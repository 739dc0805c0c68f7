/**
 * One benchmark measurement, run in its own Node process so that its peak RSS is its own:
 *   node --import tsx bench/workload.ts <operation> <data dir> <schemas dir> <out dir> [endpoint bucket]
 * Prints one JSON line: { seconds, rows, bytes, maxRssBytes, requests?, writes?, bytesSent?, versionBytes?,
 * treeBytes?, latestBytes?, diskBytes? }.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, stat, statfs } from 'node:fs/promises';
import * as nodeModule from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { readCsvRecords } from '../lambda/core/csv-records.js';
import {
  bodyBytes,
  type GetOptions,
  type ObjectMeta,
  type ObjectStore,
  type PutBody,
} from '../lambda/core/object-store.js';
import { publishDatasets } from '../lambda/core/pipeline.js';
import type * as DuckDB from '@duckdb/node-api';
import { compileRowSchema } from '../lambda/core/row-schema.js';
import { isVersionedKey } from '../lambda/core/site-keys.js';
import { loadDatasetSource } from '../lambda/core/sources.js';
import { validateDataset } from '../lambda/core/validate.js';
import { decodeUtf8Strict } from '../lambda/core/utf8.js';
import { LocalDirectoryStore } from '../lambda/store/local-directory.js';

const [operation, dataDir = '', schemasDir = '', outDir = '', endpoint, bucket] = process.argv.slice(2);
const ID = 'trade';
const NOW = new Date('2026-01-01T00:00:00Z');

/**
 * Counts requests, writes and bytes on the way to a store: `bytesSent` are the bodies this process hands
 * to the store (what S3 receives as uploads); copies the store makes itself (`latest/`) send none.
 */
class CountingStore implements ObjectStore {
  requests = 0;
  writes = 0;
  bytesSent = 0;
  /** Of `bytesSent`, those written into version folders: the new version itself. */
  versionBytes = 0;
  readonly copy?: ObjectStore['copy'];
  /** Asks the store what it knows without a request (a local store's `stat`; S3's has none): not counted. */
  readonly knownContent?: ObjectStore['knownContent'];
  constructor(private readonly inner: ObjectStore) {
    this.knownContent = inner.knownContent?.bind(inner);
    const copy = inner.copy?.bind(inner);
    if (copy !== undefined)
      this.copy = async (from, to, meta) => {
        this.requests++;
        this.writes++;
        return copy(from, to, meta);
      };
  }
  get(key: string, options?: GetOptions) {
    this.requests++;
    return this.inner.get(key, options);
  }
  open(key: string) {
    this.requests++;
    return this.inner.open(key);
  }
  head(key: string) {
    this.requests++;
    return this.inner.head(key);
  }
  putIfAbsent(key: string, body: PutBody, meta: ObjectMeta) {
    this.requests++;
    this.writes++;
    this.bytesSent += bodyBytes(body);
    if (isVersionedKey(key)) this.versionBytes += bodyBytes(body);
    return this.inner.putIfAbsent(key, body, meta);
  }
  putIfMatch(key: string, body: PutBody, meta: ObjectMeta, etag: string | undefined) {
    this.requests++;
    this.writes++;
    this.bytesSent += bodyBytes(body);
    return this.inner.putIfMatch(key, body, meta, etag);
  }
  put(key: string, body: PutBody, meta: ObjectMeta) {
    this.requests++;
    this.writes++;
    this.bytesSent += bodyBytes(body);
    return this.inner.put(key, body, meta);
  }
  list(prefix: string) {
    this.requests++;
    return this.inner.list(prefix);
  }
}

const source = {
  data: new LocalDirectoryStore(dataDir),
  schemas: new LocalDirectoryStore(schemasDir),
  dataLabel: dataDir,
  schemasLabel: schemasDir,
};

/** As the CLI does, the S3 client is loaded only to publish to a bucket. */
async function store(): Promise<ObjectStore> {
  if (endpoint !== undefined && bucket !== undefined) {
    const { createS3Client, S3Store } = await import('../lambda/store/s3.js');
    return new S3Store({
      client: createS3Client({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
      }),
      bucket,
    });
  }
  return new LocalDirectoryStore(outDir);
}

async function run(): Promise<Record<string, number>> {
  switch (operation) {
    case 'parse': {
      let rows = -1; // the header is not a row
      const stream = createReadStream(path.join(dataDir, `${ID}.csv`)) as AsyncIterable<Uint8Array>;
      for await (const record of readCsvRecords(decodeUtf8Strict(stream)))
        if (record.fields.length > 0) rows++;
      return { rows };
    }
    case 'validate': {
      const loaded = await loadDatasetSource(source, ID);
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
      const { report } = await validateDataset(loaded.value, undefined, { keepRows: false });
      if (!report.valid) throw new Error(JSON.stringify(report.issues.slice(0, 3)));
      return { rows: report.rows };
    }
    case 'publish':
    case 'republish': {
      const counting = new CountingStore(await store());
      const result = await publishDatasets({ source, store: counting, ids: [ID], now: NOW });
      const outcome = result.outcomes[0];
      if (outcome?.status === 'rejected') throw new Error('rejected');
      if (result.problems.length > 0) throw new Error(JSON.stringify(result.problems.slice(0, 3)));
      return {
        rows: outcome?.report.rows ?? 0,
        requests: counting.requests,
        writes: counting.writes,
        bytesSent: counting.bytesSent,
        versionBytes: counting.versionBytes,
      };
    }
    case 'duckdb':
      return { rows: await duckdbToParquet() };
    default:
      throw new Error(`unknown operation ${operation}`);
  }
}

/**
 * The yardstick: what a user might do instead of publishing, DuckDB reading the same CSV with the
 * schema's declared column types and writing it sorted by the primary key to one Snappy Parquet file.
 */
async function duckdbToParquet(): Promise<number> {
  // Resolved from the project at run time, so the bundled workload loads DuckDB's native binding in place.
  const entry = nodeModule
    .createRequire(path.join(process.cwd(), 'package.json'))
    .resolve('@duckdb/node-api');
  const { DuckDBInstance } = (await import(pathToFileURL(entry).href)) as typeof DuckDB;
  const schema: unknown = JSON.parse(await readFile(path.join(schemasDir, `${ID}.schema.json`), 'utf8'));
  const descriptor = JSON.parse(await readFile(path.join(dataDir, `${ID}.dataset.json`), 'utf8')) as {
    primaryKey: string[];
  };
  const compiled = compileRowSchema(schema, `${ID}.schema.json`);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
  const sqlTypes = {
    string: 'VARCHAR',
    integer: 'BIGINT',
    number: 'DOUBLE',
    boolean: 'BOOLEAN',
    date: 'DATE',
  };
  const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
  const columns = compiled.value.columns.map((column) => `${quote(column.name)}: '${sqlTypes[column.type]}'`);
  const orderBy = descriptor.primaryKey.map((name) => `"${name.replaceAll('"', '""')}"`).join(', ');
  await mkdir(outDir, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(
    `COPY (SELECT * FROM read_csv(${quote(path.join(dataDir, `${ID}.csv`))}, header = true, auto_detect = false, columns = {${columns.join(', ')}}) ORDER BY ${orderBy}) TO ${quote(path.join(outDir, `${ID}.parquet`))} (FORMAT parquet, COMPRESSION snappy)`,
  );
  const reader = await connection.runAndReadAll(
    `SELECT count(*) FROM ${quote(path.join(outDir, `${ID}.parquet`))}`,
  );
  const count = Number(reader.getRows()[0]?.[0]);
  connection.closeSync();
  instance.closeSync();
  return count;
}

/**
 * What a publish left in a directory tree, in bytes: every file once (a hard link is not counted twice),
 * and of those the `latest/` mirrors. Measured after the clock stops.
 */
async function treeBytes(root: string): Promise<{ treeBytes: number; latestBytes: number }> {
  const seen = new Set<string>();
  let total = 0;
  let latest = 0;
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const info = await stat(file);
    const inode = `${info.dev}:${info.ino}`;
    if (seen.has(inode)) continue;
    seen.add(inode);
    total += info.size;
    if (path.relative(root, file).split(path.sep).includes('latest')) latest += info.size;
  }
  return { treeBytes: total, latestBytes: latest };
}

/**
 * Blocks in use on the file system holding `dir`, in bytes, after flushing it (`sync -f`): the difference
 * across a publish is what it took on disk, where a cloned file (reflink) shares its blocks and costs none.
 */
async function usedBytes(dir: string): Promise<number> {
  execFileSync('sync', ['-f', dir]);
  const info = await statfs(dir);
  return (info.blocks - info.bfree) * info.bsize;
}

const onDirectory = operation === 'publish' && endpoint === undefined;
if (onDirectory) await mkdir(outDir, { recursive: true });
const usedBefore = onDirectory ? await usedBytes(outDir) : 0;
const started = process.hrtime.bigint();
const measured = await run();
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
if (onDirectory)
  Object.assign(measured, await treeBytes(outDir), { diskBytes: (await usedBytes(outDir)) - usedBefore });
const bytes = (await stat(path.join(dataDir, `${ID}.csv`))).size;
process.stdout.write(
  `${JSON.stringify({ ...measured, seconds, bytes, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
);
