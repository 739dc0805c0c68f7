/**
 * The Parquet worker thread's side (see `ParquetBesideValidation` in parquet-worker.ts, which starts
 * it): loaded as a thread's entry, it reads the spill as the main thread writes it, writes the Parquet
 * file, takes the text and boolean columns' statistics, and says so in messages. A module of its own, so
 * that the bundles that start the thread do not carry its code.
 */
import { read, write } from 'node:fs';
import { promisify } from 'node:util';
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { UnorderedColumnStats } from './column-stats.js';
import { messageOf } from './errors.js';
import { writeParquet } from './parquet.js';
import { PARQUET_WORKER_ROLE, type FromWorker, type ToWorker, type WorkerInput } from './parquet-worker.js';
import { LineCutter, needsNoPrototype, rowsOfLines, SPILL_READ_BYTES } from './row-source.js';
import type { Column, Row } from './row-schema.js';
import { ScratchFile, type ScratchFileHandle } from './scratch.js';

/** The descriptor reads and writes of `node:fs`, as promises: the worker reads and writes through descriptors it is lent. */
const readAt = promisify(read);
const writeAt = promisify(write);

/** How far the spill is written, as the main thread says, and a wait for it to say more. */
class SpillProgress {
  written = 0;
  complete = false;
  /** Whoever waits for word (the spill's reader). */
  #wake: (() => void)[] = [];

  constructor(port: MessagePort) {
    port.on('message', (message: ToWorker) => {
      if ('complete' in message) this.complete = true;
      else this.written = Math.max(this.written, message.written);
      for (const wake of this.#wake.splice(0)) wake();
    });
  }

  /** Resolves at the next word from the main thread. */
  next(): Promise<void> {
    return new Promise((resolve) => this.#wake.push(resolve));
  }
}

/**
 * The bytes of the spill the main thread is writing, read through `descriptor` as far as it says the
 * spill is written, and once it has said the spill is complete, to its end. Each chunk is a view of one
 * buffer read into again and again: it is valid until the next is asked for.
 */
async function* followFile(descriptor: number, progress: SpillProgress): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafe(SPILL_READ_BYTES);
  let position = 0;
  for (;;) {
    const end = progress.complete ? Infinity : progress.written;
    if (position < end) {
      const length = Math.min(buffer.byteLength, end - position);
      const { bytesRead } = await readAt(descriptor, buffer, 0, length, position);
      if (bytesRead > 0) {
        position += bytesRead;
        yield buffer.subarray(0, bytesRead);
        continue;
      }
    }
    if (progress.complete) return;
    await progress.next();
  }
}

/**
 * The rows of a spill being written, read as far as it is and parsed (prototype-free where the columns'
 * names need it, see `rowParserFor`), until it is complete and read to its end: whole lines only (a line
 * cut by a read waits for the next one).
 */
async function* followSpill(
  spill: number,
  progress: SpillProgress,
  prototypeFree: boolean,
): AsyncGenerator<readonly Row[]> {
  // Each read's lines are parsed before the next read, and the line a read cuts is copied out of it.
  const cutter = new LineCutter({ reusedChunks: true });
  for await (const chunk of followFile(spill, progress)) {
    const lines = cutter.wholeLines(chunk);
    if (lines.length > 0) yield rowsOfLines(lines, prototypeFree);
  }
  // A spill ends with a line break; a last line without one is read all the same.
  const rest = cutter.rest();
  if (rest !== undefined) yield rowsOfLines([rest], prototypeFree);
}

/** A descriptor the main thread opened for writing, lent to a scratch file: its owner closes it. */
function lentForWriting(descriptor: number): ScratchFileHandle {
  const writeAll = async (buffer: Buffer, from: number): Promise<void> => {
    const { bytesWritten } = await writeAt(descriptor, buffer, from, buffer.byteLength - from, null);
    if (from + bytesWritten < buffer.byteLength) await writeAll(buffer, from + bytesWritten);
  };
  return { write: (buffer) => writeAll(buffer, 0), close: () => Promise.resolve() };
}

/**
 * The rows of `batches`, each batch added to the text and boolean columns' statistics before it is passed
 * on; once they are all passed, the statistics go to the main thread, before the Parquet file's last row
 * group is written.
 */
async function* alsoCounted(
  batches: AsyncIterable<readonly Row[]>,
  columns: readonly Column[],
  port: MessagePort,
): AsyncGenerator<readonly Row[]> {
  const stats = new UnorderedColumnStats(columns);
  for await (const batch of batches) {
    stats.add(batch);
    yield batch;
  }
  port.postMessage({ stats: stats.result() } satisfies FromWorker);
}

/**
 * The worker: writes the rows of `input.spill`, as it grows, to `input.file` as Parquet, through the
 * descriptors the main thread opened (and closes once the worker has exited): the worker opens no file.
 */
async function runWorker(input: WorkerInput, port: MessagePort): Promise<void> {
  const progress = new SpillProgress(port);
  try {
    const file = new ScratchFile(input.file, lentForWriting(input.fileDescriptor));
    // The encoder and the statistics look up each row's columns by name and nothing else.
    const spilled = followSpill(input.spillDescriptor, progress, needsNoPrototype(input.columns));
    const rows = input.unorderedStats === true ? alsoCounted(spilled, input.columns, port) : spilled;
    await writeParquet(input.columns, rows, file, {
      ...(input.rowGroupRows === undefined ? {} : { rowGroupRows: input.rowGroupRows }),
    });
    const { bytes, sha256 } = await file.close();
    port.postMessage({ done: { bytes, sha256 } } satisfies FromWorker);
  } catch (error) {
    port.postMessage({ failed: messageOf(error) } satisfies FromWorker);
  }
}

if (
  !isMainThread &&
  parentPort !== null &&
  (workerData as Partial<WorkerInput> | null)?.role === PARQUET_WORKER_ROLE
) {
  void runWorker(workerData as WorkerInput, parentPort);
}
