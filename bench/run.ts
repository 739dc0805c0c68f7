/**
 * `npm run bench [-- --large] [-- --runs N]`: generates trade-shaped datasets of 10^4…10^6 rows
 * (10^7 with --large), measures each operation in a fresh process, and prints medians and ratios
 * measured side by side in this one run, then the Lambda bundles' sizes and import times.
 * See BENCHMARKS.md.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { createTestBucket, startMotoServer } from '../test/support/moto-server.js';
import { measureBundles } from './bundles.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { large: { type: 'boolean', default: false }, runs: { type: 'string', default: '3' } },
});
const RUNS = Number(values.runs);
const SIZES = values.large ? [1e4, 1e5, 1e6, 1e7] : [1e4, 1e5, 1e6];

interface Measurement {
  seconds: number;
  rows: number;
  bytes: number;
  maxRssBytes: number;
  requests?: number;
  writes?: number;
}

/** Writes a CSV shaped like data/trade.csv with `rows` rows, streaming, in primary-key order. */
async function generate(dir: string, rows: number): Promise<void> {
  const out = createWriteStream(path.join(dir, 'trade.csv'));
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', resolve));
  await write(
    'id,year,flow,measure,value_musd,change_pct,compared_to_year,flagged,conflict,note,source_quote\n',
  );
  const flows = ['turnover', 'az-export-to-kz', 'az-import-from-kz'];
  let batch = '';
  for (let i = 0; i < rows; i++) {
    const value = ((i * 7919) % 100000) / 100;
    batch += `row-${String(i).padStart(8, '0')},${2001 + (i % 19)},${flows[i % 3]},value,${value},,,false,,Synthetic row ${i},"in ${2001 + (i % 19)} - ${value} million dollars"\n`;
    if (batch.length > 1 << 16) {
      await write(batch);
      batch = '';
    }
  }
  await write(batch);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

async function measure(args: string[]): Promise<Measurement> {
  const { stdout } = await run(
    process.execPath,
    ['--max-old-space-size=16384', '--import', 'tsx', path.join(ROOT, 'bench/workload.ts'), ...args],
    { cwd: ROOT, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Measurement;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const mb = (bytes: number) => bytes / 1024 / 1024;
const pad = (text: string | number, width: number) => String(text).padStart(width);

const moto = await startMotoServer();
const work = await mkdtemp(path.join(tmpdir(), 'opendata-bench-'));
const table: string[] = [];
const rss: Record<string, Record<number, number>> = {};
const republish: string[] = [];
try {
  console.log(
    `kz-az-open-data bench — Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(mb(totalmem()) / 1024)} GiB`,
  );
  console.log(`medians of ${RUNS} runs (1 from 10^6 rows), each in a fresh process\n`);
  table.push(
    `${'rows'.padStart(9)} ${'operation'.padEnd(16)} ${pad('median s', 9)} ${pad('rows/s', 11)} ${pad('MB/s', 7)} ${pad('÷ parse', 8)} ${pad('peak RSS MB', 12)}`,
  );
  console.log(table[0]);
  for (const size of SIZES) {
    const dir = path.join(work, String(size));
    const data = path.join(dir, 'data');
    const schemas = path.join(dir, 'schemas');
    await mkdir(data, { recursive: true });
    await mkdir(schemas, { recursive: true });
    await generate(data, size);
    await copyFile(path.join(ROOT, 'data/trade.dataset.json'), path.join(data, 'trade.dataset.json'));
    await copyFile(path.join(ROOT, 'data/site.json'), path.join(data, 'site.json'));
    await copyFile(path.join(ROOT, 'schemas/trade.schema.json'), path.join(schemas, 'trade.schema.json'));
    // Past 10^5 rows one run already takes minutes on a 2-core machine; the small sizes carry the medians.
    const runs = size >= 1e6 ? 1 : RUNS;
    let parseRate = 0;
    for (const operation of ['parse', 'validate', 'publish dir', 'publish s3'] as const) {
      const samples: Measurement[] = [];
      for (let i = 0; i < runs; i++) {
        const out = path.join(dir, `out-${operation.replace(' ', '-')}-${i}`);
        const bucket = `bench-${size}-${operation.replace(' ', '-')}-${i}`;
        if (operation === 'publish s3') await createTestBucket(moto.endpoint, bucket, { versioning: true });
        const args = [
          operation.startsWith('publish') ? 'publish' : operation,
          data,
          schemas,
          out,
          ...(operation === 'publish s3' ? [moto.endpoint, bucket] : []),
        ];
        samples.push(await measure(args));
        if (operation.startsWith('publish') && i === 0) {
          const again = await measure(['republish', ...args.slice(1)]);
          republish.push(
            `${pad(size, 9)} ${operation.padEnd(12)} writes ${again.writes ?? '?'}, requests ${again.requests ?? '?'}${again.writes === 0 ? '' : '   ← target: 0 writes'}`,
          );
        }
        await rm(out, { recursive: true, force: true });
      }
      const seconds = median(samples.map((sample) => sample.seconds));
      const peak = median(samples.map((sample) => sample.maxRssBytes));
      const bytes = samples[0]?.bytes ?? 0;
      const rate = size / seconds;
      if (operation === 'parse') parseRate = rate;
      (rss[operation] ??= {})[size] = peak;
      const line = `${pad(size, 9)} ${operation.padEnd(16)} ${pad(seconds.toFixed(3), 9)} ${pad(Math.round(rate).toLocaleString('en'), 11)} ${pad((mb(bytes) / seconds).toFixed(1), 7)} ${pad((rate / parseRate).toFixed(2), 8)} ${pad(mb(peak).toFixed(0), 12)}${runs === 1 ? '  (1 run)' : ''}`;
      table.push(line);
      console.log(line);
    }
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`\n${table.join('\n')}`);
  console.log('\nunchanged republish (targets: 0 writes):');
  console.log(republish.join('\n'));
  const [from, to] = [SIZES[1] ?? 0, SIZES.at(-1) ?? 0];
  console.log(
    `\npeak RSS growth from ${from.toLocaleString('en')} to ${to.toLocaleString('en')} rows (target: < 20%, and < 200 MB at 10^7):`,
  );
  for (const [operation, bySize] of Object.entries(rss)) {
    const growth = ((bySize[to] ?? 0) / (bySize[from] ?? 1) - 1) * 100;
    console.log(
      `  ${operation.padEnd(12)} ${mb(bySize[from] ?? 0).toFixed(0)} MB → ${mb(bySize[to] ?? 0).toFixed(0)} MB (${growth >= 0 ? '+' : ''}${growth.toFixed(0)}%)${growth < 20 ? '' : '   ← misses the target'}`,
    );
  }
  console.log(
    '\nthroughput targets: validate ≥ 0.75 × parse, publish dir ≥ 0.40 × parse (ratios in the ÷ parse column)',
  );
  console.log(
    `\nLambda bundles, median import time of ${RUNS + 2} fresh processes (targets: < 1 MB, import < 300 ms):`,
  );
  console.log((await measureBundles(ROOT, RUNS + 2)).join('\n'));
} finally {
  await moto.stop();
  await rm(work, { recursive: true, force: true });
}
