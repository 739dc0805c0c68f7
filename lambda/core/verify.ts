import { sha256Hex } from './canonical.js';
import type { Catalog, Distribution } from './catalog.js';
import type { ObjectStore } from './object-store.js';
import { CATALOG_KEY, readCatalog } from './publish.js';

/** A published file that does not match what the catalog says about it. */
export interface VerifyProblem {
  readonly path: string;
  readonly message: string;
}

export interface VerifyResult {
  /** Files checked (every distribution of every version, and the `latest/` mirrors). */
  readonly checked: number;
  readonly problems: readonly VerifyProblem[];
}

/**
 * Checks a published tree against its catalog: every distribution of every
 * version must exist with the stated byte count and SHA-256, and each
 * dataset's `latest/` files must equal its latest version's.
 */
export async function verifyPublishedTree(reader: Pick<ObjectStore, 'get'>): Promise<VerifyResult> {
  let catalog: Catalog | undefined;
  try {
    catalog = (await readCatalog(reader)).catalog;
  } catch (error) {
    return {
      checked: 0,
      problems: [{ path: CATALOG_KEY, message: error instanceof Error ? error.message : String(error) }],
    };
  }
  if (catalog === undefined)
    return {
      checked: 0,
      problems: [{ path: CATALOG_KEY, message: 'is missing: nothing has been published here' }],
    };
  if (!Array.isArray(catalog.datasets))
    return { checked: 0, problems: [{ path: CATALOG_KEY, message: 'has no "datasets" list' }] };

  const problems: VerifyProblem[] = [];
  let checked = 0;
  for (const dataset of catalog.datasets) {
    for (const version of dataset.versions) {
      checked += version.distributions.length;
      problems.push(...(await verifyDistributions(reader, version.distributions)));
      if (version.version !== dataset.latest) continue;
      for (const file of version.distributions) {
        checked++;
        const mirrorPath = file.path.replace(`/${version.version}/`, '/latest/');
        const mirror = await reader.get(mirrorPath);
        if (mirror === undefined)
          problems.push({ path: mirrorPath, message: `is missing (should mirror ${file.path})` });
        else if (sha256Hex(mirror.body) !== file.sha256) {
          problems.push({ path: mirrorPath, message: `differs from ${file.path}, the latest version` });
        }
      }
    }
  }
  return { checked, problems };
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
