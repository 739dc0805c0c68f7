/**
 * Encoding a version's Parquet file on a second thread, so that a machine with two cores or more
 * encodes it while the main thread renders `<id>.json` and the statistics. The thread runs the very
 * encoder of `parquet.ts` on the rows' JSON lines, so the bytes are the same as encoding in process
 * (a property test holds the two equal).
 *
 * The thread's entry (`parquet-worker`) is looked for beside this module: as source where the code
 * runs through tsx (the CLI, the tests), as `parquet-worker.mjs` beside a bundle that ships it (the
 * bench's). The Lambda bundles do not ship it: the dataset function has one vCPU, where a thread would
 * only add its start-up. Without the entry, with one core, or for a small table, the encoder runs in
 * process.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
// Not `import { createRequire }`: the bundles' banner declares that name (see bench/bundles.ts, lib/).
import * as nodeModule from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PARQUET_ROW_GROUP_ROWS, writeParquet, type ParquetColumn, type ParquetSink } from './parquet.js';
import type { Row } from './row-schema.js';
import type { Rereadable } from './row-source.js';

/**
 * Below this many rows the encoder runs in process: starting the thread and loading the encoder there
 * (about 0.1 s) costs more than encoding a few row groups.
 */
export const PARQUET_THREAD_MIN_ROWS = 65_536;

/**
 * Batches handed to the thread and not yet answered. Two keep it busy while the main thread reads the
 * next, and bound what waits in its queue to two batches of lines.
 */
const BATCHES_IN_FLIGHT = 2;

/** What the thread starts with (`workerData`). */
export interface ParquetThreadSetup {
  readonly columns: readonly ParquetColumn[];
  readonly rowGroupRows: number;
}

/** A message to the thread: a batch of rows as JSON lines joined by `\n`, or the end of the rows. */
export type ToParquetThread = { readonly kind: 'rows'; readonly lines: string } | { readonly kind: 'end' };

/** The thread's answer to each message: the row groups it completed, and at the end the footer and the count. */
export type FromParquetThread =
  | { readonly kind: 'rows'; readonly groups: Uint8Array[] }
  | { readonly kind: 'end'; readonly groups: Uint8Array[]; readonly rows: number };

/** Options of {@link writeParquetRows}. */
export interface WriteParquetRowsOptions {
  /** @default PARQUET_ROW_GROUP_ROWS */
  readonly rowGroupRows?: number;
  /**
   * Where to encode: `auto` on the thread when it can be started, there is a second core and the table
   * has {@link PARQUET_THREAD_MIN_ROWS} rows; `thread` there whatever the size; `process` in process.
   * @default 'auto'
   */
  readonly where?: 'auto' | 'thread' | 'process';
}

/**
 * Writes a table's rows as one Parquet file to `sink`, on the encoder's thread or in process (see
 * {@link WriteParquetRowsOptions.where}); the bytes are the same either way.
 */
export async function writeParquetRows(
  columns: readonly ParquetColumn[],
  rows: Rereadable<Row>,
  sink: ParquetSink,
  options: WriteParquetRowsOptions = {},
): Promise<{ rows: number }> {
  const rowGroupRows = options.rowGroupRows ?? PARQUET_ROW_GROUP_ROWS;
  const where = options.where ?? 'auto';
  const entry = where === 'process' ? undefined : workerEntry();
  const threaded =
    entry !== undefined &&
    (where === 'thread' || (availableParallelism() > 1 && rows.count >= PARQUET_THREAD_MIN_ROWS));
  if (where === 'thread' && entry === undefined)
    throw new Error('the Parquet encoder thread was asked for, but its entry is not beside parquet-thread');
  if (!threaded) return writeParquet(columns, rows.open(), sink, { rowGroupRows });
  return encodeOnThread(entry, { columns: columns.map(plainColumn), rowGroupRows }, rows.openJson(), sink);
}

/** The thread's entry beside this module, bundled or as source; `undefined` where it is not shipped. */
function workerEntry(): URL | undefined {
  for (const name of ['./parquet-worker.mjs', './parquet-worker.ts']) {
    const url = new URL(name, import.meta.url);
    if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) return url;
  }
  return undefined;
}

/** The column as the thread gets it: a plain object, without the schema's compiled checks. */
function plainColumn({ name, type, required }: ParquetColumn): ParquetColumn {
  return { name, type, required };
}

async function encodeOnThread(
  entry: URL,
  setup: ParquetThreadSetup,
  lines: AsyncIterable<readonly string[]>,
  sink: ParquetSink,
): Promise<{ rows: number }> {
  const worker = startWorker(entry, setup);
  const inbox = new Inbox(worker);
  try {
    let inFlight = 0;
    const settle = async (): Promise<FromParquetThread> => {
      const reply = await inbox.next();
      inFlight--;
      for (const group of reply.groups) await sink.write(group);
      return reply;
    };
    for await (const batch of lines) {
      if (batch.length === 0) continue;
      if (inFlight >= BATCHES_IN_FLIGHT) await settle();
      worker.postMessage({ kind: 'rows', lines: batch.join('\n') } satisfies ToParquetThread);
      inFlight++;
    }
    while (inFlight > 0) await settle();
    worker.postMessage({ kind: 'end' } satisfies ToParquetThread);
    inFlight++;
    const end = await settle();
    if (end.kind !== 'end') throw new Error('the Parquet encoder thread answered out of turn');
    return { rows: end.rows };
  } finally {
    await worker.terminate();
  }
}

/**
 * Starts the thread with no Node options of its own (`execArgv: []`) rather than the process's: V8's
 * heap flags (the CLI's `--max-semi-space-size`, `--heap-growing-percent`) are the whole process's
 * already and a worker refuses them when they are passed on. Its entry as source is TypeScript: the
 * thread registers tsx's hooks itself before it imports it, as hooks registered in the main thread do
 * not reach a worker.
 */
function startWorker(entry: URL, workerData: ParquetThreadSetup): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData, execArgv: [] });
  // tsx's API as an ES module (its CommonJS build cannot register from an evaluated script).
  const tsx = pathToFileURL(
    nodeModule
      .createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData, execArgv: [] });
}

/** The thread's answers in order, or the reason it stopped (an error it threw, or its exit). */
class Inbox {
  readonly #replies: FromParquetThread[] = [];
  #failure: { error: unknown } | undefined;
  #wake: (() => void) | undefined;

  constructor(worker: Worker) {
    worker.on('message', (reply: FromParquetThread) => {
      this.#replies.push(reply);
      this.#notify();
    });
    worker.on('error', (error) =>
      this.#fail(new Error(`the Parquet encoder thread failed: ${error.message}`)),
    );
    worker.on('messageerror', (error) => this.#fail(error));
    worker.on('exit', (code) =>
      this.#fail(new Error(`the Parquet encoder thread stopped (exit code ${code}) before it finished`)),
    );
  }

  async next(): Promise<FromParquetThread> {
    for (;;) {
      const reply = this.#replies.shift();
      if (reply !== undefined) return reply;
      if (this.#failure !== undefined) throw this.#failure.error;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #fail(error: unknown): void {
    this.#failure ??= { error };
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
