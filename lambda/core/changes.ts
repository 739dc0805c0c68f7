import { compareKeys } from './canonical.js';
import type { PublishedColumn } from './dataset-document.js';
import { RowCursor, Spill, type Rereadable, type RowBatches } from './row-source.js';
import type { Row } from './row-schema.js';
import type { ScratchDirectory } from './scratch.js';

/** The kind of version bump a change calls for. `initial` is the first version, 1.0.0. */
export type ChangeKind = 'initial' | 'major' | 'minor' | 'patch';

/** A row that kept its primary key but changed some values. */
export interface ChangedRow {
  readonly key: RowKey;
  /** Per changed column: the old and new value (`null` where the cell is empty). */
  readonly changes: Readonly<Record<string, { readonly old: unknown; readonly new: unknown }>>;
}

/** What changed between two versions' rows, matched by primary key. */
export interface RowChanges {
  readonly added: readonly Row[];
  readonly removed: readonly Row[];
  readonly changed: readonly ChangedRow[];
}

/** How the columns changed between two versions (empty lists when the schema is the same). */
export interface SchemaChanges {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Columns whose type, required flag or constraints changed, with both definitions. */
  readonly changed: readonly {
    readonly column: string;
    readonly old: PublishedColumn;
    readonly new: PublishedColumn;
  }[];
  /**
   * The primary key before and after, when it changed: the rows are then
   * ordered and compared by the new key. Absent when the key stayed.
   */
  readonly primaryKey?: { readonly old: readonly string[]; readonly new: readonly string[] };
  /**
   * Every column in order before and after, when the columns both versions have are in another order:
   * the CSV's and Parquet's layout changed, which a reader by position sees. Absent when the order stayed.
   */
  readonly order?: { readonly old: readonly string[]; readonly new: readonly string[] };
}

/** Compares two versions' published columns by name, and the order of those both have. */
export function diffColumns(
  previous: readonly PublishedColumn[],
  next: readonly PublishedColumn[],
): SchemaChanges {
  const before = new Map(previous.map((column) => [column.name, column]));
  const after = new Map(next.map((column) => [column.name, column]));
  const definition = (column: PublishedColumn) =>
    JSON.stringify({ type: column.type, required: column.required, constraints: column.constraints ?? {} });
  const kept = (columns: readonly PublishedColumn[]): string =>
    JSON.stringify(
      columns.map((column) => column.name).filter((name) => before.has(name) && after.has(name)),
    );
  return {
    ...(kept(previous) === kept(next)
      ? {}
      : { order: { old: previous.map((column) => column.name), new: next.map((column) => column.name) } }),
    added: next.filter((column) => !before.has(column.name)).map((column) => column.name),
    removed: previous.filter((column) => !after.has(column.name)).map((column) => column.name),
    changed: next.flatMap((column) => {
      const old = before.get(column.name);
      return old !== undefined && definition(old) !== definition(column)
        ? [{ column: column.name, old, new: column }]
        : [];
    }),
  };
}

/** `changes.json`: what a version changed compared with the one before it. */
export interface ChangesDocument {
  readonly id: string;
  readonly version: string;
  readonly previousVersion: string | null;
  readonly change: ChangeKind;
  /** The curator's reason for the change, when one was given. */
  readonly message?: string;
  readonly schemaChanged: boolean;
  /** Column-level detail of a schema change (a change to other schema keywords shows only in `schemaChanged`). */
  readonly schemaChanges: SchemaChanges;
  readonly summary: { readonly added: number; readonly removed: number; readonly changed: number };
  /**
   * False for an initial version, whose row lists are empty rather than
   * repeating every row (the summary still counts them); true otherwise.
   */
  readonly rowsListed?: boolean;
  readonly added: readonly Row[];
  readonly removed: readonly Row[];
  readonly changed: readonly ChangedRow[];
}

/** How many rows a version added, removed and changed. */
export interface ChangeSummary {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
}

/** A version's row changes, spilled to scratch files: counts, and the lists to stream into `changes.json`. */
export interface SpilledRowChanges {
  readonly summary: ChangeSummary;
  readonly added: Rereadable<Row>;
  readonly removed: Rereadable<Row>;
  readonly changed: Rereadable<ChangedRow>;
}

/**
 * The same comparison as {@link diffRows}, for tables too large to hold:
 * both inputs must be sorted by `primaryKey` (as canonical rows are), and are
 * merged in one pass. Rows added, removed and changed go to scratch files in
 * the order {@link diffRows} lists them.
 */
export async function diffSortedRows(
  previous: RowBatches,
  next: RowBatches,
  primaryKey: readonly string[],
  scratch: ScratchDirectory,
): Promise<SpilledRowChanges> {
  const added = await Spill.rows(scratch, 'added');
  const removed = await Spill.rows(scratch, 'removed');
  const changed = await Spill.values<ChangedRow>(scratch, 'changed');
  const keyOf = (row: Row) => primaryKey.map((name) => row[name]);
  const before = new RowCursor(previous);
  const after = new RowCursor(next);
  try {
    let old = await before.next();
    let row = await after.next();
    while (old !== undefined || row !== undefined) {
      const order = old === undefined ? 1 : row === undefined ? -1 : compareKeys(keyOf(old), keyOf(row));
      if (order < 0 && old !== undefined) {
        await removed.add([old]);
        old = await before.next();
      } else if (order > 0 && row !== undefined) {
        await added.add([row]);
        row = await after.next();
      } else if (old !== undefined && row !== undefined) {
        const changes = changedCells(old, row);
        if (changes !== undefined)
          await changed.add([
            { key: Object.fromEntries(primaryKey.map((name) => [name, row?.[name]])), changes },
          ]);
        old = await before.next();
        row = await after.next();
      }
    }
  } finally {
    // A comparison stopped by a failure (a scratch write on a full disk) lets go of both files it reads.
    await Promise.allSettled([before.close(), after.close()]);
  }
  return {
    summary: { added: added.count, removed: removed.count, changed: changed.count },
    added: await added.close(),
    removed: await removed.close(),
    changed: await changed.close(),
  };
}

/** Old and new value of every cell that differs between two rows with the same key, or `undefined`. */
function changedCells(old: Row, row: Row): ChangedRow['changes'] | undefined {
  const columns = new Set([...Object.keys(old), ...Object.keys(row)]);
  const changes: Record<string, { old: unknown; new: unknown }> = {};
  for (const column of columns) {
    if (old[column] !== row[column]) changes[column] = { old: old[column] ?? null, new: row[column] ?? null };
  }
  return Object.keys(changes).length > 0 ? changes : undefined;
}

/** Matches rows by primary key and lists rows added, removed and changed (with old and new values). */
export function diffRows(
  previous: readonly Row[],
  next: readonly Row[],
  primaryKey: readonly string[],
): RowChanges {
  const keyOf = (row: Row): string => JSON.stringify(primaryKey.map((name) => row[name]));
  const before = new Map(previous.map((row) => [keyOf(row), row]));
  const added: Row[] = [];
  const changed: ChangedRow[] = [];
  for (const row of next) {
    const key = keyOf(row);
    const old = before.get(key);
    if (old === undefined) {
      added.push(row);
      continue;
    }
    before.delete(key);
    const changes = changedCells(old, row);
    if (changes !== undefined)
      changed.push({ key: Object.fromEntries(primaryKey.map((name) => [name, row[name]])), changes });
  }
  return { added, removed: [...before.values()], changed };
}

/**
 * The SemVer bump for a change: a schema change is major; rows only added is
 * minor; anything else (rows removed or changed, descriptor edits) is patch.
 */
export function classifyChange(schemaChanged: boolean, rows: ChangeSummary): Exclude<ChangeKind, 'initial'> {
  if (schemaChanged) return 'major';
  if (rows.added > 0 && rows.removed === 0 && rows.changed === 0) return 'minor';
  return 'patch';
}

/** Applies a bump to `major.minor.patch`. */
export function nextVersion(current: string, change: Exclude<ChangeKind, 'initial'>): string {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(current);
  if (match === null) throw new Error(`"${current}" is not a major.minor.patch version`);
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (change === 'major') return `${major + 1}.0.0`;
  if (change === 'minor') return `${major}.${minor + 1}.0`;
  return `${major}.${minor}.${patch + 1}`;
}

/** The first version of every dataset. */
export const FIRST_VERSION = '1.0.0';

/** A primary key's values, by column. */
export type RowKey = Readonly<Record<string, string | number | boolean | undefined>>;

/** What a run tells a curator about a new version's rows: the counts, and the keys of the first few rows of each kind. */
export interface ChangePreview {
  readonly summary: ChangeSummary;
  readonly keys: {
    readonly added: readonly RowKey[];
    readonly removed: readonly RowKey[];
    readonly changed: readonly RowKey[];
  };
}

/** How many keys of each kind a {@link ChangePreview} names. */
export const PREVIEW_KEYS = 3;

/**
 * The counts of a version's row changes and the primary keys of the first
 * `limit` rows added, removed and changed, in key order. Reads no further
 * than the first batch of each list.
 */
export async function previewChanges(
  changes: SpilledRowChanges,
  primaryKey: readonly string[],
  limit = PREVIEW_KEYS,
  previousKey: readonly string[] = primaryKey,
): Promise<ChangePreview> {
  const keyIn =
    (names: readonly string[]) =>
    (row: Row): RowKey =>
      Object.fromEntries(names.map((name) => [name, row[name]]));
  const keyOf = keyIn(primaryKey);
  const first = async <T>(values: Rereadable<T>, key: (value: T) => RowKey): Promise<RowKey[]> => {
    const keys: RowKey[] = [];
    if (limit <= 0 || values.count === 0) return keys;
    for await (const batch of values.open()) {
      for (const value of batch.slice(0, limit - keys.length)) keys.push(key(value));
      if (keys.length >= limit) break;
    }
    return keys;
  };
  return {
    summary: changes.summary,
    keys: {
      added: await first(changes.added, keyOf),
      // A removed row is one of the previous version's: named by its key there (a new key may be other columns).
      removed: await first(changes.removed, keyIn(previousKey)),
      changed: await first(changes.changed, (row) => row.key),
    },
  };
}
