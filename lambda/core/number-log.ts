import * as fs from 'node:fs/promises';

/** Numbers held in memory before a log writes them to its file: 64 KiB of them. */
const LOG_BUFFER_NUMBERS = 8192;

/**
 * Numbers appended one at a time and read back once, in order, exactly: what a second pass over a table
 * would otherwise have to parse the rows again for (a histogram's values, binned once the range is known).
 * They are kept as 64-bit floats, in memory while there are few, then in a file of their own (created on
 * the first write, left for its scratch directory to remove), so memory stays at two buffers whatever
 * the count.
 */
export class NumberLog {
  #buffer: Float64Array;
  #used = 0;
  #file: Promise<fs.FileHandle> | undefined;
  /** The writes so far, one after another; the first failure is kept and thrown by {@link replay}. */
  #writing: Promise<void> = Promise.resolve();
  #written = 0;

  /**
   * @param path where the numbers go once they outgrow memory; nothing is created before that.
   * @param bufferNumbers how many numbers are held before a write
   */
  constructor(
    private readonly path: string,
    private readonly bufferNumbers = LOG_BUFFER_NUMBERS,
  ) {
    this.#buffer = new Float64Array(bufferNumbers);
  }

  /** Appends `value`. */
  push(value: number): void {
    this.#buffer[this.#used++] = value;
    if (this.#used === this.#buffer.length) this.#flush();
  }

  /** Calls `each` with every number appended, in order, then closes the file. */
  async replay(each: (value: number) => void): Promise<void> {
    const last = this.#buffer.subarray(0, this.#used);
    if (this.#file !== undefined) {
      const file = await this.#file;
      try {
        await this.#writing;
        const chunk = new Float64Array(Math.max(this.bufferNumbers, LOG_BUFFER_NUMBERS));
        const bytes = new Uint8Array(chunk.buffer);
        for (let position = 0; position < this.#written;) {
          const want = Math.min(bytes.byteLength, this.#written - position);
          for (let filled = 0; filled < want;) {
            const { bytesRead } = await file.read(bytes, filled, want - filled, position + filled);
            if (bytesRead === 0)
              throw new Error(
                `the number log ${this.path} ends at byte ${position + filled}, not ${this.#written}`,
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
    if (this.#file === undefined) {
      this.#file = fs.open(this.path, 'wx+');
      // Its failure is thrown by the write that awaits it, or by replay: never left unhandled meanwhile.
      this.#file.catch(() => undefined);
    }
    const file = this.#file;
    const at = this.#written;
    this.#written += full.byteLength;
    this.#writing = this.#writing.then(async () => {
      const handle = await file;
      for (let done = 0; done < full.byteLength;) {
        const { bytesWritten } = await handle.write(full, done, full.byteLength - done, at + done);
        done += bytesWritten;
      }
    });
    this.#writing.catch(() => undefined);
  }
}
