import * as fs from 'node:fs/promises';
import type { ScratchDirectory, ScratchFile } from './scratch.js';

/** Numbers held in memory before a log writes them to its file: 64 KiB of them. */
const LOG_BUFFER_NUMBERS = 8192;

/**
 * Numbers appended one at a time and read back once, in order, exactly: what a second pass over a table
 * would otherwise have to parse the rows again for (a histogram's values, binned once the range is known).
 * They are kept as 64-bit floats, in memory while there are few, then in a scratch file of the directory's
 * (created on the first write), which the directory closes and removes with the rest should the log never
 * be read: memory stays at a buffer whatever the count.
 */
export class NumberLog {
  #buffer: Float64Array;
  #used = 0;
  #file: Promise<ScratchFile> | undefined;
  /** The writes so far, one after another; the first failure is kept and thrown by {@link replay}. */
  #writing: Promise<void> = Promise.resolve();
  #written = 0;

  /**
   * @param scratch where the numbers go once they outgrow memory; nothing is created before that.
   * @param hint makes the file's name readable
   * @param bufferNumbers how many numbers are held before a write
   */
  constructor(
    private readonly scratch: ScratchDirectory,
    private readonly hint: string,
    private readonly bufferNumbers = LOG_BUFFER_NUMBERS,
  ) {
    this.#buffer = new Float64Array(bufferNumbers);
  }

  /** Appends `value`. */
  push(value: number): void {
    this.#buffer[this.#used++] = value;
    if (this.#used === this.#buffer.length) this.#flush();
  }

  /** Calls `each` with every number appended, in order. */
  async replay(each: (value: number) => void): Promise<void> {
    const last = this.#buffer.subarray(0, this.#used);
    if (this.#file !== undefined) {
      await this.#writing;
      const written = await this.#file;
      await written.end();
      const file = await fs.open(written.path, 'r');
      try {
        const chunk = new Float64Array(Math.max(this.bufferNumbers, LOG_BUFFER_NUMBERS));
        const bytes = new Uint8Array(chunk.buffer);
        for (let position = 0; position < this.#written;) {
          const want = Math.min(bytes.byteLength, this.#written - position);
          for (let filled = 0; filled < want;) {
            const { bytesRead } = await file.read(bytes, filled, want - filled, position + filled);
            if (bytesRead === 0)
              throw new Error(
                `the number log ${written.path} ends at byte ${position + filled}, not ${this.#written}`,
              );
            filled += bytesRead;
          }
          position += want;
          for (let i = 0; i < want / 8; i++) each(chunk[i] ?? 0);
        }
      } finally {
        await file.close();
      }
    }
    for (const value of last) each(value);
  }

  /** Writes the full buffer behind the writes before it, and takes a fresh one. */
  #flush(): void {
    const full = new Uint8Array(this.#buffer.buffer, 0, this.#used * 8);
    this.#buffer = new Float64Array(this.bufferNumbers);
    this.#used = 0;
    this.#written += full.byteLength;
    if (this.#file === undefined) {
      this.#file = this.scratch.createFile(this.hint, { digest: false });
      // Its failure is thrown by replay, which awaits it; until then it must not end the process as unhandled.
      this.#file.catch(() => undefined);
    }
    const file = this.#file;
    this.#writing = this.#writing.then(async () => (await file).write(full));
    this.#writing.catch(() => undefined);
  }
}
