import { sha256Hex } from './canonical.js';
import type { Catalog } from './catalog.js';
import { verifyDistributions, type VerifyProblem } from './distribution-check.js';
import type { ObjectStore } from './object-store.js';
import { CATALOG_KEY, readCatalog } from './publish.js';

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
export async function verifyPublishedTree(reader: Pick<ObjectStore, 'get' | 'open'>): Promise<VerifyResult> {
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

export { verifyDistributions, type VerifyProblem };
