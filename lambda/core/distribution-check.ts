import type { Distribution } from './catalog.js';
import { digestStream, type ObjectStore } from './object-store.js';

/** A published file that does not match what the catalog says about it. */
export interface VerifyProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Checks that each file exists with the stated byte count and SHA-256; one
 * problem per mismatch. Files are streamed, so their size does not matter.
 */
export async function verifyDistributions(
  reader: Pick<ObjectStore, 'open'>,
  distributions: readonly Distribution[],
): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = [];
  for (const file of distributions) {
    const chunks = await reader.open(file.path);
    if (chunks === undefined) {
      problems.push({ path: file.path, message: 'is listed in the catalog but missing' });
      continue;
    }
    const { bytes, sha256: actual } = await digestStream(chunks);
    if (bytes !== file.bytes) {
      problems.push({ path: file.path, message: `has ${bytes} bytes; the catalog says ${file.bytes}` });
    }
    if (actual !== file.sha256) {
      problems.push({ path: file.path, message: `has sha256 ${actual}; the catalog says ${file.sha256}` });
    }
  }
  return problems;
}
