/**
 * `npm run bench [-- --large] [-- --runs N] [-- --sizes 1e4,1e5]`: generates trade-shaped datasets of
 * 10^4…10^6 rows (10^7 with --large), measures each operation in a fresh process running the pipeline
 * as a bundle (as Lambda runs it, without a TypeScript loader), and prints medians and ratios measured
 * side by side in this one run, then the Lambda bundles' sizes and import times. See BENCHMARKS.md.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { createTestBucket, startMotoServer } from '../test/support/moto-server.js';
import { writeSyntheticTrade } from '../test/support/synthetic-trade.js';
import { bundleForNode, measureBundles } from './bundles.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    large: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
    sizes: { type: 'string' },
    'heap-mb': { type: 'string' },
  },
});
/** Caps each measured process's JavaScript heap (`--max-old-space-size`), to tell retained memory from GC slack. */
const HEAP_MB = values['heap-mb'] === undefined ? undefined : Number(values['heap-mb']);
const RUNS = Number(values.runs);
const SIZES = values.sizes?.split(',').map(Number) ?? (values.large ? [1e4, 1e5, 1e6, 1e7] : [1e4, 1e5, 1e6]);
if (
  !(RUNS >= 1) ||
  SIZES.some((size) => !Number.isInteger(size) || size < 1) ||
  (HEAP_MB !== undefined && !(HEAP_MB >= 16))
) {
  console.error(
    'usage: npm run bench [-- --large] [-- --runs N] [-- --sizes 10000,100000] [-- --heap-mb 64]',
  );
  process.exit(2);
}
/** Sizes from here up are measured once, and their unchanged republish is not re-measured. */
const ONE_RUN_FROM = 1e6;

interface Measurement {
  seconds: number;
  rows: number;
  bytes: number;
  maxRssBytes: number;
  requests?: number;
  writes?: number;
}

/** Bundles the workload as the Lambda functions are bundled, so no TypeScript loader runs while measuring. */
async function bundleWorkload(dir: string): Promise<string> {
  const outfile = path.join(dir, 'workload.mjs');
  await bundleForNode(path.join(ROOT, 'bench/workload.ts'), outfile, { asLambda: false });
  return outfile;
}

async function measure(workload: string, args: string[]): Promise<Measurement> {
  const heap = HEAP_MB === undefined ? [] : [`--max-old-space-size=${HEAP_MB}`];
  const { stdout } = await run(process.execPath, [...heap, workload, ...args], {
    cwd: ROOT,
    maxBuffer: 1 << 20,
  });
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
const workload = await bundleWorkload(work);
const ratios: Record<string, number[]> = {};
const table: string[] = [];
const rss: Record<string, Record<number, number>> = {};
const republish: string[] = [];
try {
  console.log(
    `kz-az-open-data bench — Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(mb(totalmem()) / 1024)} GiB`,
  );
  console.log(
    `medians of ${RUNS} runs (1 from ${ONE_RUN_FROM.toLocaleString('en')} rows), each in a fresh Node process running the bundled pipeline${HEAP_MB === undefined ? '' : `, heap capped at ${HEAP_MB} MB`}\n`,
  );
  table.push(
    `${'rows'.padStart(9)} ${'operation'.padEnd(16)} ${pad('median s', 9)} ${pad('rows/s', 11)} ${pad('MB/s', 7)} ${pad('÷ parse', 8)} ${pad('peak RSS MB', 12)}`,
  );
  console.log(table[0]);
  for (const size of SIZES) {
    const dir = path.join(work, String(size));
    const { data, schemas } = await writeSyntheticTrade(dir, size);
    // Past 10^5 rows one run takes a minute or more on a 2-core machine; the small sizes carry the medians.
    const runs = size >= ONE_RUN_FROM ? 1 : RUNS;
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
        samples.push(await measure(workload, args));
        if (operation.startsWith('publish') && i === 0 && size < ONE_RUN_FROM) {
          const again = await measure(workload, ['republish', ...args.slice(1)]);
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
      else (ratios[operation] ??= []).push(rate / parseRate);
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
    const largest = mb(bySize[to] ?? 0);
    const misses = [growth < 20 ? '' : 'grows 20% or more', largest < 200 ? '' : '200 MB or more'].filter(
      Boolean,
    );
    console.log(
      `  ${operation.padEnd(12)} ${mb(bySize[from] ?? 0).toFixed(0)} MB → ${largest.toFixed(0)} MB (${growth >= 0 ? '+' : ''}${growth.toFixed(0)}%)${misses.length === 0 ? '' : `   ← ${misses.join(', ')}`}`,
    );
  }
  console.log('\nthroughput against parse alone (targets: validate ≥ 0.75, publish dir ≥ 0.40):');
  for (const [operation, target] of [
    ['validate', 0.75],
    ['publish dir', 0.4],
    ['publish s3', undefined],
  ] as const) {
    const measured = ratios[operation] ?? [];
    const range = `${Math.min(...measured).toFixed(2)}–${Math.max(...measured).toFixed(2)}`;
    const verdict =
      target === undefined
        ? ''
        : measured.every((ratio) => ratio >= target)
          ? '   met'
          : '   ← misses the target';
    console.log(`  ${operation.padEnd(12)} ${range}${verdict}`);
  }
  console.log(
    `\nLambda bundles, median import time of ${RUNS + 2} fresh processes (targets: < 1 MB, import < 300 ms):`,
  );
  console.log((await measureBundles(ROOT, RUNS + 2)).join('\n'));
} finally {
  await moto.stop();
  await rm(work, { recursive: true, force: true });
}
