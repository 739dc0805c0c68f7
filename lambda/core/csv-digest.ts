import { createHash, type Hash } from 'node:crypto';

/** A canonical CSV's size and hashes: its SHA-256 (lowercase hex) and its content hash (`sha256:<hex>`). */
export interface CsvHashes {
  readonly bytes: number;
  readonly sha256: string;
  readonly contentHash: string;
}

/**
 * The two hashes of a canonical CSV, taken as its bytes pass: the file's own, and the content hash, which
 * covers `prefix` (the schema and descriptor, see `contentHashPrefix` in canonical.ts) before the same bytes.
 * Taken by the thread that writes the CSV, as it writes it (see `CanonicalCsvWriter`).
 */
export class CsvDigest {
  readonly #content: Hash;
  readonly #file = createHash('sha256');
  #bytes = 0;

  constructor(prefix: string) {
    this.#content = createHash('sha256').update(prefix);
  }

  update(bytes: Uint8Array): void {
    this.#content.update(bytes);
    this.#file.update(bytes);
    this.#bytes += bytes.byteLength;
  }

  /** The hashes of every byte given; the digest cannot be updated after. */
  digest(): CsvHashes {
    return {
      bytes: this.#bytes,
      sha256: this.#file.digest('hex'),
      contentHash: `sha256:${this.#content.digest('hex')}`,
    };
  }
}
