import { sha256Hex } from './canonical.js';
import type { Distribution } from './catalog.js';
import type { ObjectStore } from './object-store.js';

/** A published file that does not match what the catalog says about it. */
export interface VerifyProblem {
  readonly path: string;
  readonly message: string;
}

/** Checks that each file exists with the stated byte count and SHA-256; one problem per mismatch. */
export async function verifyDistributions(
  reader: Pick<ObjectStore, 'get'>,
  distributions: readonly Distribution[],
): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = [];
  for (const file of distributions) {
    const object = await reader.get(file.path);
    if (object === undefined) {
      problems.push({ path: file.path, message: 'is listed in the catalog but missing' });
      continue;
    }
    if (object.body.byteLength !== file.bytes) {
      problems.push({
        path: file.path,
        message: `has ${object.body.byteLength} bytes; the catalog says ${file.bytes}`,
      });
    }
    const actual = sha256Hex(object.body);
    if (actual !== file.sha256) {
      problems.push({ path: file.path, message: `has sha256 ${actual}; the catalog says ${file.sha256}` });
    }
  }
  return problems;
}
