import { closeSync, constants as fsConstants, existsSync, openSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ColumnStats } from './column-stats.js';
import type { StreamedBody } from './object-store.js';
import { PARQUET_WORKER_BUNDLING } from './parquet-worker-bundling.js';
import type { SpillWritten } from './row-source.js';
import type { Column } from './row-schema.js';
import { scratchBody, type ScratchDirectory } from './scratch.js';
import { messageOf } from './errors.js';

/**
 * A table with at least this many rows in key order has its Parquet file written by a worker thread
 * while the rows are validated; a smaller one is written with the other files, where a thread's start
 * would cost more than it saves.
 */
export const PARQUET_WORKER_ROWS = 65_536;

/** Tells the worker's module (parquet-worker-thread.ts), loaded as a thread's entry, that it is the Parquet worker. */
export const PARQUET_WORKER_ROLE = 'kz-az-open-data/parquet-worker';

/** What the worker is started with. */
export interface WorkerInput {
  readonly role: typeof PARQUET_WORKER_ROLE;
  readonly columns: readonly Column[];
  readonly rowGroupRows: number | undefined;
  /** The spill of the rows in key order, which the worker reads as it grows: its path, and a descriptor open on it. */
  readonly spill: string;
  readonly spillDescriptor: number;
  /** The file to write, created empty by the main thread: its path, and a descriptor open on it for writing. */
  readonly file: string;
  readonly fileDescriptor: number;
  /** Whether to take the statistics of the text and boolean columns from the rows read (see `UnorderedColumnStats`). */
  readonly unorderedStats?: boolean;
}

/** Sent to the worker: how far the spill is written, or that it is complete. */
export type ToWorker = { readonly written: number } | { readonly complete: true };

/** A file the worker wrote: its size and SHA-256. */
interface WrittenFile {
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * Sent by the worker: the text and boolean columns' statistics, once it has read every row (the Parquet
 * file may still have rows to encode); the Parquet file, or why it could not be written.
 */
export type FromWorker =
  { readonly stats: readonly ColumnStats[] } | { readonly done: WrittenFile } | { readonly failed: string };

/** Options of {@link ParquetBesideValidation}. */
export interface ParquetBesideValidationOptions {
  /** Rows per row group, as `writeParquet` takes them. */
  readonly rowGroupRows?: number | undefined;
  /**
   * Rows in key order before a worker is started.
   * @default PARQUET_WORKER_ROWS
   */
  readonly startRows?: number | undefined;
  /**
   * Whether the worker also takes the statistics of the text and boolean columns from the rows it reads
   * (those need no log of their values, see `UnorderedColumnStats`).
   */
  readonly unorderedStats?: boolean | undefined;
}

/**
 * Writes a table's Parquet file on a second thread while the rows are still being validated, using the
 * other core. While the rows arrive in key order (the usual case) they are spilled to a file, which the
 * worker reads as it grows (told how far it is written), and encodes with the same `writeParquet`
 * the main thread would use on the same spill: the same bytes. Nothing waits on the worker until the
 * file is needed, and it holds one read and one row group, never a queue. Asked to
 * ({@link ParquetBesideValidationOptions.unorderedStats}), it also counts the text and boolean columns
 * of the rows it reads. (It does not hash the canonical CSV: the main thread hashes the bytes as it
 * writes them, with no second read of the file; six alternating pairs at 10^6 rows, Node 24, gave a
 * median time ratio of 0.90 against the worker's reading the CSV back to hash it.) A table with fewer than
 * {@link ParquetBesideValidationOptions.startRows} rows gets no worker. {@link finish} gives the file, or
 * `undefined` when there is none (too few rows, or the worker failed): it is then written with the other
 * files, as without this.
 */
export class ParquetBesideValidation {
  #rows = 0;
  #worker: Worker | undefined;
  #outcome: Promise<StreamedBody | undefined> | undefined;
  #statsOutcome: Promise<readonly ColumnStats[] | undefined> | undefined;
  #completed = false;
  #stopped = false;
  #failure: string | undefined;
  #exited = false;
  readonly #startRows: number;

  constructor(
    private readonly columns: readonly Column[],
    private readonly scratch: ScratchDirectory,
    private readonly hint: string,
    private readonly options: ParquetBesideValidationOptions = {},
  ) {
    this.#startRows = options.startRows ?? PARQUET_WORKER_ROWS;
  }

  /** `rows` more rows in key order are in the spill, which is written up to `spilled.bytes`. */
  spilled(rows: number, spilled: SpillWritten): void {
    if (this.#stopped) return;
    this.#rows += rows;
    if (this.#worker === undefined && (this.#rows < this.#startRows || !this.#start(spilled.path))) return;
    this.#worker?.postMessage({ written: spilled.bytes } satisfies ToWorker);
  }

  /** The Parquet file of every row spilled, once the spill is complete and the worker has written it. */
  finish(): Promise<StreamedBody | undefined> {
    return this.#complete(this.#outcome);
  }

  /**
   * Whether the worker was started taking the text and boolean columns' statistics
   * ({@link ParquetBesideValidationOptions.unorderedStats}): it counts them from the first row, and the main
   * thread need not.
   */
  get countsUnordered(): boolean {
    return this.#statsOutcome !== undefined;
  }

  /**
   * The text and boolean columns' statistics of every row spilled, once the spill is complete and the
   * worker has read it to its end; `undefined` when the worker does not take them, or failed.
   */
  finishUnorderedStats(): Promise<readonly ColumnStats[] | undefined> {
    return this.#complete(this.#statsOutcome);
  }

  /** Tells the worker, once, that the spill is complete, and gives `outcome` (or `undefined` when stopped). */
  #complete<T>(outcome: Promise<T | undefined> | undefined): Promise<T | undefined> {
    if (this.#stopped || this.#worker === undefined || outcome === undefined)
      return Promise.resolve(undefined);
    if (!this.#completed) this.#worker.postMessage({ complete: true } satisfies ToWorker);
    this.#completed = true;
    return outcome;
  }

  /** Whether a worker was started and has not exited yet (it keeps the process alive while it runs). */
  get running(): boolean {
    return this.#worker !== undefined && !this.#exited;
  }

  /** Why the worker gave no file, when it was started and failed (the main thread then writes it). */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** Stops the worker, if any, without its file (the rows were out of order, invalid, or unchanged). */
  async abandon(): Promise<void> {
    this.#stopped = true;
    await this.#worker?.terminate();
  }

  #start(spill: string): boolean {
    // On one core the thread would share the CPU the rest of the publish needs, and add its memory.
    const entry = availableParallelism() > 1 ? workerEntry() : undefined;
    if (entry === undefined) {
      this.#stopped = true;
      return false;
    }
    const file = this.scratch.reservePath(this.hint);
    // The worker's two files are opened here, and closed here once the worker has exited: an open begun by
    // a worker that is stopped meanwhile completes after its thread is gone, and nothing could close it.
    // (Opened at once, as the first rows in order are spilled, so that `spilled` stays synchronous; the
    // spill is a regular file this process wrote, and O_NONBLOCK keeps anything else from holding it up.)
    const descriptors: number[] = [];
    const closeDescriptors = (): void => {
      // Each closed on its own, and a failure only noted: this runs in the worker's 'exit' listener,
      // where a throw is the main process's uncaught exception and stops terminate() from resolving.
      for (const descriptor of descriptors.splice(0)) {
        try {
          closeSync(descriptor);
        } catch (error) {
          this.#failure ??= `closing a descriptor lent to the worker: ${messageOf(error)}`;
        }
      }
    };
    let worker: Worker;
    try {
      const spillDescriptor = openSync(spill, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
      descriptors.push(spillDescriptor);
      const fileDescriptor = openSync(file, 'wx');
      descriptors.push(fileDescriptor);
      const input: WorkerInput = {
        role: PARQUET_WORKER_ROLE,
        columns: this.columns,
        rowGroupRows: this.options.rowGroupRows,
        spill,
        spillDescriptor,
        file,
        fileDescriptor,
        ...(this.options.unorderedStats === true ? { unorderedStats: true } : {}),
      };
      // No `execArgv` of the parent's: V8's flags are the process's anyway, and a loader is the entry's to set.
      worker = this.#worker = new Worker(entry.code, { workerData: input, eval: entry.eval, execArgv: [] });
    } catch (error) {
      // Files that cannot be opened, or a thread the system would not start (out of memory, of threads),
      // leave the file to the main thread.
      closeDescriptors();
      this.#stopped = true;
      this.#failure = messageOf(error);
      return false;
    }
    let resolveStats: (stats: readonly ColumnStats[] | undefined) => void = () => undefined;
    if (this.options.unorderedStats === true)
      this.#statsOutcome = new Promise((resolve) => (resolveStats = resolve));
    this.#outcome = new Promise<StreamedBody | undefined>((resolve) => {
      // Whether the file was given: the thread is then stopped, and its exit is no failure.
      let given = false;
      // Settles what is still to come with nothing: the main thread then writes it. A settled promise
      // ignores a second settling, so statistics already given stay given.
      const fail = (reason: string): void => {
        if (!given) this.#failure ??= reason;
        resolve(undefined);
        resolveStats(undefined);
      };
      worker.on('message', (message: FromWorker) => {
        if ('stats' in message) {
          resolveStats(message.stats);
          return;
        }
        if ('done' in message) {
          given = true;
          resolve(scratchBody(file, message.done.bytes, message.done.sha256));
          // The Parquet file is the worker's last word, after the statistics.
          resolveStats(undefined);
        } else fail(message.failed);
        void worker.terminate();
      });
      // A worker that cannot start or dies leaves the files to the main thread.
      worker.on('error', (error) => fail(error.message));
      worker.on('exit', (code) => {
        this.#exited = true;
        closeDescriptors();
        fail(`the worker stopped (exit code ${code}) before writing the file`);
      });
    });
    return true;
  }
}

/**
 * Where the worker's code is: its bundle beside a bundle (see {@link PARQUET_WORKER_BUNDLING}), or
 * parquet-worker-thread.ts beside this module run from source, loaded through tsx's loader (a worker does
 * not take it from the parent's `--import tsx` on Node 20). A bundle without the worker's gets no worker.
 */
function workerEntry(): { readonly code: URL | string; readonly eval: boolean } | undefined {
  const here = new URL(import.meta.url);
  if (here.pathname.endsWith('.ts')) {
    let tsx: string;
    try {
      tsx = import.meta.resolve('tsx/esm/api');
    } catch {
      return undefined;
    }
    const thread = new URL('./parquet-worker-thread.ts', here);
    const load = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(thread.href)}); })`;
    return { code: load, eval: true };
  }
  const bundled = new URL(`./${PARQUET_WORKER_BUNDLING.file}`, here);
  return existsSync(bundled) ? { code: bundled, eval: false } : undefined;
}
