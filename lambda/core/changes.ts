import type { Row } from './row-schema.js';

/** The kind of version bump a change calls for. `initial` is the first version, 1.0.0. */
export type ChangeKind = 'initial' | 'major' | 'minor' | 'patch';

/** A row that kept its primary key but changed some values. */
export interface ChangedRow {
  readonly key: Readonly<Record<string, string | number | boolean | undefined>>;
  /** Per changed column: the old and new value (`null` where the cell is empty). */
  readonly changes: Readonly<Record<string, { readonly old: unknown; readonly new: unknown }>>;
}

/** What changed between two versions' rows, matched by primary key. */
export interface RowChanges {
  readonly added: readonly Row[];
  readonly removed: readonly Row[];
  readonly changed: readonly ChangedRow[];
}

/** `changes.json`: what a version changed compared with the one before it. */
export interface ChangesDocument {
  readonly id: string;
  readonly version: string;
  readonly previousVersion: string | null;
  readonly change: ChangeKind;
  readonly schemaChanged: boolean;
  readonly summary: { readonly added: number; readonly removed: number; readonly changed: number };
  readonly added: readonly Row[];
  readonly removed: readonly Row[];
  readonly changed: readonly ChangedRow[];
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
    const columns = new Set([...Object.keys(old), ...Object.keys(row)]);
    const changes: Record<string, { old: unknown; new: unknown }> = {};
    for (const column of columns) {
      if (old[column] !== row[column])
        changes[column] = { old: old[column] ?? null, new: row[column] ?? null };
    }
    if (Object.keys(changes).length > 0) {
      changed.push({ key: Object.fromEntries(primaryKey.map((name) => [name, row[name]])), changes });
    }
  }
  return { added, removed: [...before.values()], changed };
}

/**
 * The SemVer bump for a change: a schema change is major; rows only added is
 * minor; anything else (rows removed or changed, descriptor edits) is patch.
 */
export function classifyChange(schemaChanged: boolean, rows: RowChanges): Exclude<ChangeKind, 'initial'> {
  if (schemaChanged) return 'major';
  if (rows.added.length > 0 && rows.removed.length === 0 && rows.changed.length === 0) return 'minor';
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
