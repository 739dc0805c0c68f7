import type { Catalog, CatalogVersion, VersionForeignKey, VersionRule } from './catalog.js';
import { equalsFailure } from './checks/rules.js';
import { checkDescriptor } from './descriptor.js';
import type { CellValue, ColumnType } from './coerce.js';
import type { PublishedColumn } from './dataset-document.js';
import { messageOf } from './errors.js';
import { headOf, readCatalog, type BetweenDatasets } from './history.js';
import type { ContentDigest, ObjectStore } from './object-store.js';
import { crossDatasetRules, readJsonValues, readPublishedRows } from './publish.js';
import { indexedOnce, indexRow, keyOf, type DatasetResolver, type KeyIndex } from './referenced-datasets.js';
import type { Row } from './row-schema.js';
import { rowParserFor } from './row-source.js';
import { versionFileKey } from './site-keys.js';
import { loadDatasetSource, type SourceLocation } from './sources.js';

/**
 * Datasets as readers see them: the rows of each one's latest published version, read from its
 * `<id>.json` in `store` and checked against the catalog's size and SHA-256 as they are read. A run
 * that publishes some datasets only checks their references to the others here, not in the others'
 * sources: a source may have changed since it was published, and a reference that holds only there
 * would be published pointing at rows no published version has. Indexed as
 * {@link referencedDatasets} indexes a source, each index once per run.
 */
export function publishedDatasets(store: ObjectStore): DatasetResolver {
  // The catalog is read once for the run's references, as the run reads it once to stage against.
  let catalog: Promise<Catalog | undefined> | undefined;
  return indexedOnce(async (id, fields, columns) => {
    catalog ??= readCatalog(store).then((snapshot) => snapshot.catalog);
    return readPublished(store, headOf(await catalog, id), id, fields, columns);
  });
}

async function readPublished(
  store: ObjectStore,
  latest: CatalogVersion | undefined,
  id: string,
  fields: readonly string[],
  columns: readonly string[],
): Promise<KeyIndex> {
  const rows = new Map<string, Row>();
  const repeated = new Map<string, number>();
  const read = await readPublishedTable(
    store,
    latest,
    id,
    [...fields, ...columns],
    (row) => indexRow(rows, repeated, row, fields, columns),
    () => {
      rows.clear();
      repeated.clear();
    },
  );
  if (!read.ok) return read;
  const fieldTypes = fields.map((name): ColumnType => read.types.get(name) ?? 'string');
  return { ok: true, file: read.file, rows, repeated, fieldTypes };
}

/**
 * Reads the rows of `id`'s `latest` published version from its `<id>.json`, each handed to `visit` (and
 * `restart` called where the reading starts over), checked against the catalog's size and SHA-256 as they
 * are read, and against `names`, columns the version must have: its columns' types, or why it cannot be read.
 */
async function readPublishedTable(
  store: ObjectStore,
  latest: CatalogVersion | undefined,
  id: string,
  names: readonly string[],
  visit: (row: Row) => void,
  restart: () => void,
): Promise<
  | { readonly ok: true; readonly file: string; readonly types: ReadonlyMap<string, ColumnType> }
  | (KeyIndex & { readonly ok: false })
> {
  if (latest === undefined)
    return {
      ok: false,
      why: `the dataset "${id}" is not published, and its source is not in this run: publish the two together`,
    };
  const key = versionFileKey(id, latest.version, `${id}.json`);
  const listed = latest.distributions.find((file) => file.path === key);
  const where = `as published: ${key}; its source is not in this run`;
  let published: readonly PublishedColumn[] | undefined;
  let digest: ContentDigest;
  if (listed === undefined)
    return {
      ok: false,
      why: `the catalog lists no ${key} for ${latest.version}, the published version of "${id}": run verify`,
    };
  try {
    // Opened only once it is known to be wanted: the stream's handle is closed as the read stops.
    const first = await store.open(key);
    if (first === undefined)
      return { ok: false, why: `${key}, the published version of "${id}", is missing` };
    // `columns` comes before the rows in the file: this read stops there.
    await readJsonValues(key, first, ['$.columns'], (value) => {
      published = value as PublishedColumn[];
      return 'stop';
    });
    // A row's key is its values' JSON text, as a source's is. (A file gone since is read as empty: no JSON.)
    const open = async () => (await store.open(key)) ?? (async function* () {})();
    digest = await readPublishedRows(
      open,
      key,
      rowParserFor(published ?? []),
      (batch) => {
        for (const row of batch) visit(row);
      },
      restart,
    );
  } catch (error) {
    return {
      ok: false,
      why: `${key}, the published version of "${id}", cannot be read (${messageOf(error)})`,
    };
  }
  if (digest.sha256 !== listed.sha256 || digest.bytes !== listed.bytes)
    return {
      ok: false,
      why: `${key}, the published version of "${id}", is not the file the catalog lists (its size or SHA-256 differ): restore it, or run verify`,
    };
  const types = new Map((published ?? []).map((column) => [column.name, column.type]));
  const unknown = names.find((name) => !types.has(name));
  if (unknown !== undefined)
    return {
      ok: false,
      why: `"${unknown}" is not a column of the dataset "${id}" (${where})`,
      noSuchColumn: true,
    };
  return { ok: true, file: where, types };
}

/** A foreign key of a published dataset that a run leaves as it is (see {@link foreignKeysOutside}). */
export interface PublishedForeignKey {
  /** The dataset declaring it, and its latest published version. */
  readonly id: string;
  readonly latest: string;
  /** Its place in the dataset's `foreignKeys`. */
  readonly index: number;
  readonly fields: readonly string[];
  readonly resource: string;
  readonly referenced: readonly string[];
}

/**
 * The foreign keys of the published datasets a run does not publish: as the catalog records them for
 * each one's latest version, or, for a version published before they were recorded, as its source
 * descriptor declares them (none where that cannot be read).
 */
export async function foreignKeysOutside(
  published: readonly {
    readonly id: string;
    readonly latest: string;
    /** The keys the catalog records for the latest version (see {@link CatalogVersion.foreignKeys}). */
    readonly keys?: readonly VersionForeignKey[] | undefined;
  }[],
  inRun: ReadonlySet<string>,
  declarations: SourceDeclarations,
): Promise<PublishedForeignKey[]> {
  const keys: PublishedForeignKey[] = [];
  for (const { id, latest, keys: recorded } of published) {
    if (inRun.has(id)) continue;
    const declared = recorded?.map(asDeclared) ?? (await declarations(id)).keys;
    for (const [index, key] of declared.entries()) keys.push({ id, latest, index, ...key });
  }
  return keys;
}

/** A recorded foreign key as {@link declaredForeignKeys} gives a descriptor's. */
function asDeclared(key: VersionForeignKey): DeclaredKey {
  return { fields: key.fields, resource: key.reference.resource, referenced: key.reference.fields };
}

/** A foreign key as a descriptor declares it, each list of fields an array. */
type DeclaredKey = {
  readonly fields: readonly string[];
  readonly resource: string;
  readonly referenced: readonly string[];
};

/**
 * What a dataset's source descriptor declares between datasets (see {@link sourceDeclarations}): its
 * foreign keys, and its `equals` rules naming another dataset.
 */
export type SourceDeclarations = (
  id: string,
) => Promise<{ readonly keys: readonly DeclaredKey[]; readonly rules: readonly VersionRule[] }>;

/**
 * Reads each dataset's source descriptor once, for whoever asks: the keys and rules of a version published
 * before the catalog recorded them. Its foreign keys are read loosely, its rules only from a valid
 * descriptor; none where it cannot be read.
 */
export function sourceDeclarations(source: SourceLocation): SourceDeclarations {
  const read = new Map<string, ReturnType<SourceDeclarations>>();
  return (id) => {
    let found = read.get(id);
    if (found === undefined) read.set(id, (found = readDeclarations(source, id)));
    return found;
  };
}

async function readDeclarations(source: SourceLocation, id: string): ReturnType<SourceDeclarations> {
  const loaded = await loadDatasetSource(source, id);
  if (!loaded.ok) return { keys: [], rules: [] };
  const { text, file } = loaded.value.descriptor;
  return { keys: declaredForeignKeys(text), rules: declaredRules(id, text, file) };
}

/** The rules between datasets a descriptor's text declares; none where it does not parse or is not valid. */
function declaredRules(id: string, text: string, file: string): VersionRule[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const checked = checkDescriptor(parsed, id, undefined, file);
  return checked.ok ? crossDatasetRules(id, checked.value.rules ?? []) : [];
}

/**
 * What publishing `id` from its source would break in the datasets published beside it: those of
 * `keys` (see {@link foreignKeysOutside}) that its new rows would leave without a row. Read through
 * `datasets`, the run's resolver, which gives `id` from its source and the others as published (see
 * `runContextOf` in `pipeline.ts`).
 */
export async function referencesBrokenBy(
  id: string,
  keys: readonly PublishedForeignKey[],
  datasets: DatasetResolver,
): Promise<string[]> {
  const broken: string[] = [];
  for (const key of keys) {
    if (key.resource !== id || key.id === id) continue;
    const [mine, theirs] = await Promise.all([
      datasets.index(id, key.referenced, []),
      datasets.index(key.id, key.fields, []),
    ]);
    // Its new rows have no such column (renamed, removed): no published row can refer to one of them.
    if (!mine.ok && mine.noSuchColumn === true && theirs.ok && theirs.rows.size > 0) {
      broken.push(
        `publishing it would leave the published ${key.id} ${key.latest} referring to its ${key.referenced.join(', ')} (foreignKeys/${key.index} of ${key.id}), which it would no longer have a column of: publish the two together, ${key.id} changed to match`,
      );
      continue;
    }
    // Either unreadable: the dataset's own validation, or the published tree's check, says why.
    if (!mine.ok || !theirs.ok) continue;
    const missing = [...theirs.rows.keys()].filter((value) => !mine.rows.has(value));
    if (missing.length === 0) continue;
    const shown = missing
      .slice(0, 3)
      .map((value) => describeKeyText(key.fields, value))
      .join('; ');
    broken.push(
      `publishing it would leave the published ${key.id} ${key.latest} referring to ${missing.length === 1 ? 'a row' : `${missing.length} rows`} it no longer has (${shown}${missing.length > 3 ? '; …' : ''}; foreignKeys/${key.index} of ${key.id}): publish the two together, ${key.id} changed to match`,
    );
  }
  return broken;
}

/** An `equals` rule between datasets of a published dataset that a run leaves as it is (see {@link rulesOutside}). */
export interface PublishedRule {
  /** The dataset declaring it, and its latest published version. */
  readonly id: string;
  readonly latest: string;
  readonly rule: VersionRule;
}

/**
 * The rules between datasets of the published datasets a run does not publish: as the catalog records them
 * for each one's latest version, or, for a version published before they were recorded, as its source
 * descriptor declares them (none where that cannot be read).
 */
export async function rulesOutside(
  published: readonly {
    readonly id: string;
    readonly latest: string;
    /** The rules the catalog records for the latest version (see {@link CatalogVersion.crossDatasetRules}). */
    readonly rules?: readonly VersionRule[] | undefined;
  }[],
  inRun: ReadonlySet<string>,
  declarations: SourceDeclarations,
): Promise<PublishedRule[]> {
  const rules: PublishedRule[] = [];
  for (const { id, latest, rules: recorded } of published) {
    if (inRun.has(id)) continue;
    for (const rule of recorded ?? (await declarations(id)).rules) rules.push({ id, latest, rule });
  }
  return rules;
}

/**
 * What publishing `id` from its source would break in the datasets published beside it: those of `rules`
 * (see {@link rulesOutside}) that its new rows would fail, said as validation says a failed rule. Read
 * through `datasets`, the run's resolver, which gives `id` from its source and the others as published
 * (the first row of each key of theirs: the commit checks every row again, {@link referenceCheck}).
 */
export async function rulesBrokenBy(
  id: string,
  rules: readonly PublishedRule[],
  datasets: DatasetResolver,
): Promise<string[]> {
  const broken: string[] = [];
  for (const { id: owner, latest, rule } of rules) {
    if (rule.reference.resource !== id || owner === id) continue;
    const [mine, theirs] = await Promise.all([
      datasets.index(id, rule.reference.fields, [rule.reference.column]),
      datasets.index(owner, rule.fields, [rule.column]),
    ]);
    const where = `the rule ${rule.id} of the published ${owner} ${latest}`;
    // Its new rows have no such column (renamed, removed): no row of theirs can be compared with one.
    if (!mine.ok && mine.noSuchColumn === true && theirs.ok && theirs.rows.size > 0) {
      broken.push(
        `publishing it would break ${where}, which compares its rows with ${id}'s ${[...rule.reference.fields, rule.reference.column].join(', ')}, a column it would no longer have: publish the two together, ${owner} changed to match`,
      );
      continue;
    }
    // Either unreadable: the dataset's own validation, or the published tree's check, says why.
    if (!mine.ok || !theirs.ok) continue;
    const failures = ruleFailures(
      rule,
      [...theirs.rows].map(([key, row]) => ({ key, value: row[rule.column] })),
      mine,
      `${id} (${mine.file})`,
    );
    if (failures.length === 0) continue;
    broken.push(
      `publishing it would break ${where} (${failures.length === 1 ? '1 row' : `${failures.length} rows`}: ${failures.slice(0, 3).join('; ')}${failures.length > 3 ? '; …' : ''}): publish the two together, ${owner} changed to match`,
    );
  }
  return broken;
}

/**
 * The check a commit makes of the catalog it is about to write ({@link CommitOptions.references}): every
 * foreign key, and every `equals` rule, between two datasets, one of which the commit lists a new version
 * of, must hold between their versions as the catalog would list them. Validation checked each dataset's
 * references against the sources of its run; what is listed can differ: a dataset rejected in the same run
 * keeps its published version, and another publisher may have listed a new version of either since. The
 * keys and rules are those the catalog records for each version (a version published before they were
 * recorded: its source descriptor's, each read once for the checker's life); the rows are read from the
 * listed versions' `<id>.json`, checked against the catalog as they are read. A listed version whose file
 * cannot be read, or is not the one the catalog lists, holds back the dataset it would be checked against:
 * nothing is listed unchecked (the commit Lambda reads back only the files of the versions it lists, so an
 * older file altered in place would otherwise go unsaid).
 */
export function referenceCheck(
  store: ObjectStore,
  source: SourceLocation,
): (
  after: Catalog,
  listing: ReadonlySet<string>,
) => Promise<{ id: string; message: string; code: BetweenDatasets }[]> {
  const declarations = sourceDeclarations(source);
  // The keys and rules a listed version records, or, where it was published before they were recorded, its source's.
  const keysOf = async (id: string, head: CatalogVersion | undefined) =>
    head?.foreignKeys?.map(asDeclared) ?? (await declarations(id)).keys;
  const rulesOf = async (id: string, head: CatalogVersion) =>
    head.crossDatasetRules ?? (await declarations(id)).rules;
  return async (after, listing) => {
    const refused = new Map<string, { message: string; code: BetweenDatasets }>();
    // A dataset is refused for the first key or rule it would break: the next run tells the next one.
    const refuse = (id: string, entry: { message: string; code: BetweenDatasets }) => {
      if (!refused.has(id)) refused.set(id, entry);
    };
    // Each version's rows read once per check, by the fields a key compares and the columns a rule compares.
    const indexes = new Map<string, Promise<KeyIndex>>();
    const index = (
      id: string,
      version: CatalogVersion,
      fields: readonly string[],
      columns: readonly string[] = [],
    ) => {
      const signature = JSON.stringify([id, version.version, fields, columns]);
      let found = indexes.get(signature);
      if (found === undefined)
        indexes.set(signature, (found = readPublished(store, version, id, fields, columns)));
      return found;
    };
    for (const dataset of after.datasets) {
      for (const [position, key] of (await keysOf(dataset.id, headOf(after, dataset.id))).entries()) {
        const from = dataset.id;
        const to = key.resource;
        if (to === '' || to === from || (!listing.has(from) && !listing.has(to))) continue;
        const referring = headOf(after, from);
        const referred = headOf(after, to);
        if (referring === undefined) continue;
        const where = `foreignKeys/${position} of ${from}`;
        if (referred === undefined) {
          if (listing.has(from))
            refuse(from, {
              code: 'foreign-key',
              message: `listing ${from} ${referring.version} would leave it referring to the dataset "${to}", which is not published (${where}): publish the two together`,
            });
          continue;
        }
        const [theirs, mine] = await Promise.all([
          index(from, referring, key.fields),
          index(to, referred, key.referenced),
        ]);
        // The referred version has no such column (renamed, removed): no row of it can be referred to.
        if (!mine.ok && mine.noSuchColumn === true && theirs.ok && theirs.rows.size > 0) {
          const column = `its ${key.referenced.join(', ')} (${where})`;
          if (listing.has(from))
            refuse(from, {
              code: 'foreign-key',
              message: `listing ${from} ${referring.version} would leave it referring to ${to} ${referred.version} by ${column}, which that version has no column of: publish the two together, each changed to match`,
            });
          else
            refuse(to, {
              code: 'foreign-key',
              message: `listing ${to} ${referred.version} would leave the published ${from} ${referring.version} referring to ${column}, which it no longer has a column of: publish the two together, ${from} changed to match`,
            });
          continue;
        }
        // A version whose file cannot be read, or is not the one the catalog lists: nothing is listed unchecked.
        if (!theirs.ok || (!mine.ok && mine.noSuchColumn !== true)) {
          const listed = listing.has(from) ? from : to;
          const version = listing.has(from) ? referring.version : referred.version;
          refuse(listed, {
            code: 'foreign-key',
            message: unchecked(listed, version, where, (theirs.ok ? mine : theirs) as { why: string }),
          });
          continue;
        }
        // No such column, and no row of the referring version refers to one.
        if (!mine.ok) continue;
        const missing = [...theirs.rows.keys()].filter((value) => !mine.rows.has(value));
        if (missing.length === 0) continue;
        const rows = missing.length === 1 ? 'a row' : `${missing.length} rows`;
        const which = `(${missing
          .slice(0, 3)
          .map((value) => describeKeyText(key.fields, value))
          .join('; ')}${missing.length > 3 ? '; …' : ''}; ${where})`;
        // The dataset this commit lists is the one left out: the referring one where it lists both.
        if (listing.has(from))
          refuse(from, {
            code: 'foreign-key',
            message: `listing ${from} ${referring.version} would leave it referring to ${rows} that ${to} ${referred.version}, as listed, does not have ${which}: publish the two together, each changed to match`,
          });
        else
          refuse(to, {
            code: 'foreign-key',
            message: `listing ${to} ${referred.version} would leave the published ${from} ${referring.version} referring to ${rows} it no longer has ${which}: publish the two together, ${from} changed to match`,
          });
      }
    }
    for (const dataset of after.datasets) {
      const referring = headOf(after, dataset.id);
      if (referring === undefined) continue;
      for (const rule of await rulesOf(dataset.id, referring)) {
        const from = dataset.id;
        const to = rule.reference.resource;
        if (refused.has(from) || refused.has(to) || (!listing.has(from) && !listing.has(to))) continue;
        const referred = headOf(after, to);
        const where = `rule ${rule.id} of ${from}`;
        if (referred === undefined) {
          if (listing.has(from))
            refuse(from, {
              code: 'rule-error',
              message: `listing ${from} ${referring.version} would leave its ${where} comparing it with the dataset "${to}", which is not published: publish the two together`,
            });
          continue;
        }
        const [theirs, mine] = await Promise.all([
          ruleCells(store, from, referring, rule),
          index(to, referred, rule.reference.fields, [rule.reference.column]),
        ]);
        // The referred version has no column the rule compares (renamed, removed): no row can be compared.
        if (!mine.ok && mine.noSuchColumn === true && theirs.ok && theirs.cells.length > 0) {
          const columns = `its ${[...rule.reference.fields, rule.reference.column].join(', ')}`;
          if (listing.has(from))
            refuse(from, {
              code: 'rule-error',
              message: `listing ${from} ${referring.version} would leave its ${where} comparing it with ${to} ${referred.version} by ${columns}, which that version has no column of: publish the two together, each changed to match`,
            });
          else
            refuse(to, {
              code: 'rule-error',
              message: `listing ${to} ${referred.version} would leave the ${where} ${referring.version}, as published, comparing it by ${columns}, which it no longer has a column of: publish the two together, ${from} changed to match`,
            });
          continue;
        }
        // A version whose file cannot be read, or is not the one the catalog lists: nothing is listed unchecked.
        if (!theirs.ok || (!mine.ok && mine.noSuchColumn !== true)) {
          const listed = listing.has(from) ? from : to;
          const version = listing.has(from) ? referring.version : referred.version;
          refuse(listed, {
            code: 'rule-error',
            message: unchecked(
              listed,
              version,
              `the ${where}`,
              (theirs.ok ? mine : theirs) as { why: string },
            ),
          });
          continue;
        }
        // No such column, and no row of the referring version to compare.
        if (!mine.ok) continue;
        const failures = ruleFailures(rule, theirs.cells, mine, `${to} ${referred.version}`);
        if (failures.length === 0) continue;
        const which = `${failures.length === 1 ? '1 row' : `${failures.length} rows`}: ${failures.slice(0, 3).join('; ')}${failures.length > 3 ? '; …' : ''}`;
        // The dataset this commit lists is the one left out: the referring one where it lists both.
        if (listing.has(from))
          refuse(from, {
            code: 'rule-error',
            message: `listing ${from} ${referring.version} would break its ${where} against ${to} ${referred.version}, as listed (${which}): publish the two together, each changed to match`,
          });
        else
          refuse(to, {
            code: 'rule-error',
            message: `listing ${to} ${referred.version} would break the ${where} ${referring.version}, as published (${which}): publish the two together, ${from} changed to match`,
          });
      }
    }
    return [...refused].map(([id, { message, code }]) => ({ id, message, code }));
  };
}

/**
 * Why listing `id` at `version` is refused when what it must be checked against (`where`: a foreign key or a
 * rule) cannot be read: a listed version's file missing, unreadable, or not the one the catalog lists.
 */
function unchecked(id: string, version: string, where: string, unreadable: { readonly why: string }): string {
  return `listing ${id} ${version} would list it unchecked against ${where}: ${unreadable.why}`;
}

/**
 * What a rule of `id` compares in its published `version`: each row's values in the rule's `fields` (the
 * JSON text of them, as a key) and its value in the rule's `column`, for each row with no empty cell among
 * the fields (those are not compared, as validation does not compare them).
 */
async function ruleCells(
  store: ObjectStore,
  id: string,
  version: CatalogVersion,
  rule: VersionRule,
): Promise<
  | { readonly ok: true; readonly cells: readonly { key: string; value: CellValue | undefined }[] }
  | { readonly ok: false; readonly why: string }
> {
  let cells: { key: string; value: CellValue | undefined }[] = [];
  const read = await readPublishedTable(
    store,
    version,
    id,
    [...rule.fields, rule.column],
    (row) => {
      const key = keyOf(row, rule.fields);
      if (key !== undefined) cells.push({ key, value: row[rule.column] });
    },
    () => (cells = []),
  );
  return read.ok ? { ok: true, cells } : { ok: false, why: read.why };
}

/**
 * How the rows `cells` of a rule's dataset fail it against the rows `rows` of the dataset it names, as
 * validation's equals rule says it (`checks/rules.ts`): a row the key finds none of, or a value that is not
 * the referenced row's (numbers within the rule's tolerance).
 */
function ruleFailures(
  rule: VersionRule,
  cells: readonly { key: string; value: CellValue | undefined }[],
  { rows, repeated }: Pick<KeyIndex & { ok: true }, 'rows' | 'repeated'>,
  referred: string,
): string[] {
  const failures: string[] = [];
  for (const { key, value } of cells) {
    const target = rows.get(key);
    const text = describeKeyText(rule.reference.fields, key);
    const failure = equalsFailure(
      rule,
      rule.reference.fields,
      value,
      target === undefined ? 0 : (repeated.get(key) ?? 1),
      target?.[rule.reference.column],
      referred,
      text,
    );
    if (failure !== undefined) failures.push(failure);
  }
  return failures;
}

/** The foreign keys a descriptor's text declares, loosely read (`[]` where it does not parse). */
function declaredForeignKeys(text: string): DeclaredKey[] {
  let descriptor: unknown;
  try {
    descriptor = JSON.parse(text);
  } catch {
    return [];
  }
  const keys = (descriptor as { foreignKeys?: unknown } | null)?.foreignKeys;
  if (!Array.isArray(keys)) return [];
  return keys.flatMap((key: { fields?: unknown; reference?: { resource?: unknown; fields?: unknown } }) => {
    const fields = names(key?.fields);
    const referenced = names(key?.reference?.fields);
    const resource = key?.reference?.resource;
    return fields === undefined || referenced === undefined || typeof resource !== 'string'
      ? []
      : [{ fields, resource, referenced }];
  });
}

function names(list: unknown): readonly string[] | undefined {
  if (typeof list === 'string') return [list];
  return Array.isArray(list) && list.every((name) => typeof name === 'string')
    ? (list as string[])
    : undefined;
}

/** `a=1, b=x` for a key given as the JSON text of its values. */
function describeKeyText(fields: readonly string[], text: string): string {
  const values = JSON.parse(text) as unknown[];
  return fields.map((name, index) => `${name}=${String(values[index])}`).join(', ');
}
