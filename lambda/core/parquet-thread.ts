/**
 * Encoding a version's Parquet file on a second thread while the main thread validates the rows, so
 * that a machine with two cores or more does both at once. The thread runs the very encoder of
 * `parquet.ts` on the rows' JSON lines (the text the sorter spills anyway, so the main thread makes
 * nothing new for it), and the bytes are the same as encoding in process: a property test holds the
 * two equal.
 *
 * The thread's entry (`parquet-worker`) is looked for beside this module: as source where the code
 * runs through tsx (the CLI, the tests), as `parquet-worker.mjs` beside a bundle that ships it (the
 * bench's). The Lambda bundles do not ship it: the dataset function has one vCPU, where a thread would
 * only add its start-up. Without the entry, or with one core, the encoder runs in process.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
// Not `import { createRequire }`: the bundles' banner declares that name (see bench/bundles.ts, lib/).
import * as nodeModule from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  PARQUET_ROW_GROUP_ROWS,
  type ParquetColumn,
  type ParquetSink,
  type WriteParquetOptions,
} from './parquet.js';

/**
 * From this size of CSV (about 75,000 rows of the trade table) the encoder runs on its thread: below it,
 * starting the thread and loading the encoder there (about 0.1 s) costs more than a few row groups.
 */
export const PARQUET_THREAD_MIN_BYTES = 8 * 1024 * 1024;

/**
 * Batches handed to the thread and not yet answered. Two keep it busy while the main thread validates
 * the next, and bound what waits in its queue to two batches of lines.
 */
const BATCHES_IN_FLIGHT = 2;

/** What the thread starts with (`workerData`). */
export interface ParquetThreadSetup {
  readonly columns: readonly ParquetColumn[];
  readonly rowGroupRows: number;
}

/** A message to the thread: a batch of rows as JSON lines, each ending with `\n`, or the end of the rows. */
export type ToParquetThread = { readonly kind: 'rows'; readonly lines: string } | { readonly kind: 'end' };

/** The thread's answer to each message: the row groups it completed, and at the end the footer and the count. */
export type FromParquetThread =
  | { readonly kind: 'rows'; readonly groups: Uint8Array[] }
  | { readonly kind: 'end'; readonly groups: Uint8Array[]; readonly rows: number };

/** True where {@link ParquetThreadWriter.start} can start the thread: its entry is shipped and there is a second core. */
export function parquetThreadAvailable(): boolean {
  return availableParallelism() > 1 && workerEntry() !== undefined;
}

/**
 * A Parquet file encoded on the thread from rows handed over as JSON lines, a batch at a time, and
 * written to `sink` a row group at a time as the thread answers: the bytes {@link writeParquet}
 * writes for the same rows.
 */
export class ParquetThreadWriter {
  readonly #worker: Worker;
  readonly #inbox: Inbox;
  #inFlight = 0;
  #ended = false;

  private constructor(
    entry: URL,
    setup: ParquetThreadSetup,
    private readonly sink: ParquetSink,
  ) {
    this.#worker = startWorker(entry, setup);
    this.#inbox = new Inbox(this.#worker);
  }

  /** Starts the thread; `undefined` where its entry is not shipped (a Lambda bundle). */
  static start(
    columns: readonly ParquetColumn[],
    sink: ParquetSink,
    options: WriteParquetOptions = {},
  ): ParquetThreadWriter | undefined {
    const entry = workerEntry();
    if (entry === undefined) return undefined;
    const setup = {
      columns: columns.map(plainColumn),
      rowGroupRows: options.rowGroupRows ?? PARQUET_ROW_GROUP_ROWS,
    };
    return new ParquetThreadWriter(entry, setup, sink);
  }

  /** Hands over the next rows, as JSON lines each ending with `\n`; waits while two batches are in flight. */
  async add(lines: string): Promise<void> {
    if (lines.length === 0) return;
    if (this.#inFlight >= BATCHES_IN_FLIGHT) await this.#settle();
    this.#worker.postMessage({ kind: 'rows', lines } satisfies ToParquetThread);
    this.#inFlight++;
  }

  /** Writes the last row groups and the footer, and ends the thread. */
  async finish(): Promise<{ rows: number }> {
    try {
      while (this.#inFlight > 0) await this.#settle();
      this.#worker.postMessage({ kind: 'end' } satisfies ToParquetThread);
      this.#inFlight++;
      const end = await this.#settle();
      if (end.kind !== 'end') throw new Error('the Parquet encoder thread answered out of turn');
      return { rows: end.rows };
    } finally {
      await this.abandon();
    }
  }

  /** Ends the thread without finishing the file (the rows turned out of order, or the run failed). */
  async abandon(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    await this.#worker.terminate();
  }

  async #settle(): Promise<FromParquetThread> {
    const reply = await this.#inbox.next();
    this.#inFlight--;
    for (const group of reply.groups) await this.sink.write(group);
    return reply;
  }
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
