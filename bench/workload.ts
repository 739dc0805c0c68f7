/**
 * One benchmark measurement, run in its own Node process so that its peak RSS is its own:
 *   node --import tsx bench/workload.ts <operation> <data dir> <schemas dir> <out dir> [endpoint bucket]
 * Prints one JSON line: { seconds, rows, bytes, maxRssBytes, requests?, writes? }.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readCsvRecords } from '../lambda/core/csv-records.js';
import type { ObjectMeta, ObjectStore, PutBody } from '../lambda/core/object-store.js';
import { publishDatasets } from '../lambda/core/pipeline.js';
import { loadDatasetSource } from '../lambda/core/sources.js';
import { validateDataset } from '../lambda/core/validate.js';
import { decodeUtf8Strict } from '../lambda/core/utf8.js';
import { LocalDirectoryStore } from '../lambda/store/local-directory.js';
import { createS3Client, S3Store } from '../lambda/store/s3.js';

const [operation, dataDir = '', schemasDir = '', outDir = '', endpoint, bucket] = process.argv.slice(2);
const ID = 'trade';
const NOW = new Date('2026-01-01T00:00:00Z');

/** Counts requests and writes on the way to a store. */
class CountingStore implements ObjectStore {
  requests = 0;
  writes = 0;
  constructor(private readonly inner: ObjectStore) {}
  get(key: string) {
    this.requests++;
    return this.inner.get(key);
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
    return this.inner.putIfAbsent(key, body, meta);
  }
  putIfMatch(key: string, body: PutBody, meta: ObjectMeta, etag: string | undefined) {
    this.requests++;
    this.writes++;
    return this.inner.putIfMatch(key, body, meta, etag);
  }
  put(key: string, body: PutBody, meta: ObjectMeta) {
    this.requests++;
    this.writes++;
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

function store(): ObjectStore {
  if (endpoint !== undefined && bucket !== undefined) {
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
      const counting = new CountingStore(store());
      const result = await publishDatasets({ source, store: counting, ids: [ID], now: NOW });
      const outcome = result.outcomes[0];
      if (outcome?.status === 'rejected') throw new Error('rejected');
      return { rows: outcome?.report.rows ?? 0, requests: counting.requests, writes: counting.writes };
    }
    default:
      throw new Error(`unknown operation ${operation}`);
  }
}

const started = process.hrtime.bigint();
const measured = await run();
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const bytes = (await stat(path.join(dataDir, `${ID}.csv`))).size;
process.stdout.write(
  `${JSON.stringify({ ...measured, seconds, bytes, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
);
