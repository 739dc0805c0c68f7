import type { CatalogVersion } from '../catalog.js';
import type { ChangesDocument } from '../changes.js';
import type { DatasetDocument } from '../dataset-document.js';
import { readJsonExcerpt } from './json-excerpt.js';

// Written as records so that a member added to either document type fails to compile until it
// is listed here, instead of silently going unread.
type OptionalDatasetMember = 'charts' | 'themes' | 'accrualPeriodicity';

// Written before `rows` when the descriptor has them; older versions' files do not.
const OPTIONAL_DATASET_MEMBERS: Record<OptionalDatasetMember, true> = {
  charts: true,
  themes: true,
  accrualPeriodicity: true,
};

const DATASET_MEMBERS: Record<Exclude<keyof DatasetDocument, 'rows' | OptionalDatasetMember>, true> = {
  id: true,
  version: true,
  title: true,
  description: true,
  license: true,
  publisher: true,
  source: true,
  keywords: true,
  temporalCoverage: true,
  spatialCoverage: true,
  conflicts: true,
  primaryKey: true,
  columns: true,
};

type ChangeList = 'added' | 'removed' | 'changed';

// Kept when read: older versions' files do not have `rowsListed`, and `message` is there only when a curator gave one.
const OPTIONAL_CHANGES_MEMBERS: Record<'rowsListed' | 'message', true> = { rowsListed: true, message: true };

const CHANGES_MEMBERS: Record<Exclude<keyof ChangesDocument, ChangeList | 'rowsListed' | 'message'>, true> = {
  id: true,
  version: true,
  previousVersion: true,
  change: true,
  schemaChanged: true,
  schemaChanges: true,
  summary: true,
};

const CHANGE_LISTS: readonly ChangeList[] = ['added', 'removed', 'changed'];

/**
 * Reads a version's `<id>.json` with every member but `rows`, of which only
 * the first `rowLimit` are kept. The `rows` array is written last, so reading
 * stops once the limit is reached and the rest of the file is never fetched.
 */
export async function readDatasetExcerpt(
  chunks: AsyncIterable<Uint8Array>,
  rowLimit: number,
): Promise<DatasetDocument> {
  const { value } = await readJsonExcerpt(chunks, {
    members: Object.keys(DATASET_MEMBERS),
    optionalMembers: Object.keys(OPTIONAL_DATASET_MEMBERS),
    lists: { rows: rowLimit },
  });
  // Every member was checked present; their shapes are trusted, as the pipeline wrote the file from this type.
  return value as unknown as DatasetDocument;
}

/**
 * Reads a version's `changes.json` with its summary and only the first
 * `items` rows of each of `added`, `removed` and `changed` (their totals are in
 * `summary`). A list the summary says is already complete is not waited for, so
 * a version that added millions of rows is read no further than its first ones.
 */
export async function readChangesExcerpt(
  chunks: AsyncIterable<Uint8Array>,
  items: number,
): Promise<ChangesDocument> {
  const { value } = await readJsonExcerpt(chunks, {
    members: Object.keys(CHANGES_MEMBERS),
    optionalMembers: Object.keys(OPTIONAL_CHANGES_MEMBERS),
    lists: Object.fromEntries(CHANGE_LISTS.map((list) => [list, items])),
    listLength: (members, list) => {
      const summary = members.summary as Partial<Record<string, unknown>> | undefined;
      const count = summary?.[list];
      return typeof count === 'number' ? count : undefined;
    },
  });
  // As above: members checked present, shapes as the pipeline wrote them.
  return value as unknown as ChangesDocument;
}

/**
 * What the site needs of an `initial` version's `changes.json`, from its
 * catalog entry alone: that file lists every row as added, so it is as large as
 * the dataset, and the changelog only prints how many rows the first version had.
 * The row lists are left empty.
 */
export function initialChanges(id: string, version: CatalogVersion): ChangesDocument {
  return {
    id,
    version: version.version,
    previousVersion: null,
    change: 'initial',
    ...(version.message === undefined ? {} : { message: version.message }),
    schemaChanged: false,
    schemaChanges: { added: [], removed: [], changed: [] },
    summary: { added: version.rows, removed: 0, changed: 0 },
    added: [],
    removed: [],
    changed: [],
  };
}
