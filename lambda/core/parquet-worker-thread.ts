/**
 * The Parquet worker thread's side (see `ParquetBesideValidation` in parquet-worker.ts, which starts
 * it): loaded as a thread's entry, it reads the spill and the canonical CSV as the main thread writes them,
 * writes the Parquet file, takes the CSV's hashes and the text and boolean columns' statistics, and says
 * so in messages. A module of its own, so that the bundles that start the thread do not carry its code.
 */
import { read, write } from 'node:fs';
import { promisify } from 'node:util';
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { UnorderedColumnStats } from './column-stats.js';
import { CsvDigest, type CsvHashes } from './csv-digest.js';
import { messageOf } from './errors.js';
import { writeParquet } from './parquet.js';
import { PARQUET_WORKER_ROLE, type FromWorker, type ToWorker, type WorkerInput } from './parquet-worker.js';
import { rowParserFor, rowsOfLines, SPILL_READ_BYTES, wholeLines } from './row-source.js';
import type { Column, Row } from './row-schema.js';
import { ScratchFile, type ScratchFileHandle } from './scratch.js';

/** The descriptor reads and writes of `node:fs`, as promises: the worker reads and writes through descriptors it is lent. */
const readAt = promisify(read);
const writeAt = promisify(write);

/** How far the spill is written, as the main thread says, and a wait for it to say more. */
class SpillProgress {
  written = 0;
  csvWritten = 0;
  complete = false;
  /** The CSV's size, once complete, when the main thread gave it. */
  csvBytes: number | undefined;
  /** Everyone waiting for word: the spill's reader and the CSV's. */
  #wake: (() => void)[] = [];

  constructor(port: MessagePort) {
    port.on('message', (message: ToWorker) => {
      if ('complete' in message) {
        this.complete = true;
        this.csvBytes = message.csvBytes;
      } else {
        this.written = Math.max(this.written, message.written);
        this.csvWritten = Math.max(this.csvWritten, message.csvWritten ?? 0);
      }
      for (const wake of this.#wake.splice(0)) wake();
    });
  }

  /** Resolves at the next word from the main thread. */
  next(): Promise<void> {
    return new Promise((resolve) => this.#wake.push(resolve));
  }
}

/**
 * The bytes of a file the main thread is writing, read through `descriptor` as far as `written()` says
 * it is written, and once the main thread has said it is complete, to `endOnceComplete()` (`Infinity`:
 * to its end). Each chunk is a view of one buffer read into again and again: it is valid until the next
 * is asked for.
 */
async function* followFile(
  descriptor: number,
  progress: SpillProgress,
  written: () => number,
  endOnceComplete: () => number,
): AsyncGenerator<Buffer> {
  const buffer = Buffer.allocUnsafe(SPILL_READ_BYTES);
  let position = 0;
  for (;;) {
    const end = progress.complete ? endOnceComplete() : written();
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
 * The rows of a spill being written, read as far as it is and parsed, until it is complete and read to
 * its end: whole lines only (a line cut by a read waits for the next one).
 */
async function* followSpill(
  spill: number,
  progress: SpillProgress,
  parse: (line: string) => Row,
): AsyncGenerator<readonly Row[]> {
  let carry: Buffer = Buffer.alloc(0);
  // Each read's lines are parsed before the next read, and the line a read cuts is copied out of it.
  for await (const chunk of followFile(
    spill,
    progress,
    () => progress.written,
    () => Infinity,
  )) {
    const cut = wholeLines(carry, chunk);
    carry = Buffer.from(cut.carry);
    if (cut.lines.length > 0) yield rowsOfLines(cut.lines, parse);
  }
  // A spill ends with a line break; a last line without one is read all the same.
  if (carry.length > 0) yield rowsOfLines([Buffer.concat([carry, Buffer.from('\n')])], parse);
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
 * The SHA-256 of the CSV file the main thread is writing, and its content hash (`prefix` first), read as
 * far as the file is written as it grows, and to its end (or the size given) once it is complete.
 */
async function hashFollowing(
  descriptor: number,
  progress: SpillProgress,
  prefix: string,
): Promise<CsvHashes> {
  const digest = new CsvDigest(prefix);
  const chunks = followFile(
    descriptor,
    progress,
    () => progress.csvWritten,
    () => progress.csvBytes ?? Infinity,
  );
  for await (const chunk of chunks) digest.update(chunk);
  return digest.digest();
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
    // Its hashes are sent on their own, as soon as they are taken; should they fail, the main thread
    // reads the CSV back to take them, and the Parquet file is still written.
    const { csv } = input;
    const hashing =
      csv === undefined
        ? Promise.resolve()
        : hashFollowing(csv.descriptor, progress, csv.contentPrefix).then(
            (hashes) => port.postMessage({ csv: hashes } satisfies FromWorker),
            (error: unknown) => port.postMessage({ csvFailed: messageOf(error) } satisfies FromWorker),
          );
    // The encoder and the statistics look up each row's columns by name and nothing else.
    const spilled = followSpill(input.spillDescriptor, progress, rowParserFor(input.columns));
    const rows = input.unorderedStats === true ? alsoCounted(spilled, input.columns, port) : spilled;
    await writeParquet(input.columns, rows, file, {
      ...(input.rowGroupRows === undefined ? {} : { rowGroupRows: input.rowGroupRows }),
    });
    const { bytes, sha256 } = await file.close();
    // The CSV's word first: the main thread stops the worker once it has the Parquet file. (The hashing
    // ends: the spill was said complete, and the CSV with it, before the Parquet file could be.)
    await hashing;
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
