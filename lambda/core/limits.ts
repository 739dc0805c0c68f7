/** Per-dataset safety limits on the CSV, set in the descriptor's `limits`. */
export interface DatasetLimits {
  /** Largest CSV file, in bytes. */
  readonly maxFileBytes: number;
  /** Most data rows (header excluded). */
  readonly maxRows: number;
  /** Longest cell, in UTF-16 code units. */
  readonly maxFieldLength: number;
  /** Most fields in one record. */
  readonly maxColumns: number;
}

/** Safe defaults: far above the curated datasets, well below what would exhaust a Lambda's memory. */
export const DEFAULT_LIMITS: DatasetLimits = {
  maxFileBytes: 2 * 1024 ** 3,
  maxRows: 50_000_000,
  maxFieldLength: 1024 ** 2,
  maxColumns: 1000,
};

/** The limits in force for a dataset: the descriptor's overrides on top of the defaults. */
export function resolveLimits(overrides: Partial<DatasetLimits> | undefined): DatasetLimits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/** The byte stream passed a limit; `line` is where reading had got to. */
export class FileTooLargeError extends Error {
  override readonly name = 'FileTooLargeError';
  constructor(readonly maxFileBytes: number) {
    super(
      `the file is larger than the limit of ${maxFileBytes} bytes (raise limits.maxFileBytes in the descriptor if this is intended)`,
    );
  }
}

/** Passes bytes through, throwing {@link FileTooLargeError} as soon as more than `maxBytes` have gone by. */
export async function* limitBytes(
  chunks: AsyncIterable<Uint8Array>,
  maxBytes: number,
): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new FileTooLargeError(maxBytes);
    yield chunk;
  }
}
