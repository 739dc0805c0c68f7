import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FIXTURE_DESCRIPTOR } from '../support/dataset-fixture.js';

/** One row of the model's tiny dataset: `n` and `note` are the editable cells, `extra` exists only in the wide schema. */
export interface TinyRow {
  readonly id: string;
  readonly n: number;
  readonly note: string;
  readonly extra?: number;
}

/** What the curator has in `data/` for one dataset: its rows, and whether the schema has the `extra` column. */
export interface TinyContent {
  readonly wide: boolean;
  /** Sorted by id, unique ids. */
  readonly rows: readonly TinyRow[];
}

/** The curated inputs of one source folder: the site title and each present dataset's content. */
export interface TinySources {
  readonly siteTitle: string;
  readonly datasets: Readonly<Record<string, TinyContent>>;
}

function rowSchema(id: string, wide: boolean): object {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://kz-az-open-data.example/schemas/${id}.schema.json`,
    title: `${id} row`,
    type: 'object',
    properties: {
      id: { type: 'string', pattern: '^[a-z0-9-]+$' },
      n: { type: 'integer', minimum: 0, maximum: 1000 },
      note: { type: 'string' },
      ...(wide ? { extra: { type: 'integer', minimum: 0 } } : {}),
    },
    required: ['id', 'n'],
    additionalProperties: false,
  };
}

function descriptor(id: string, wide: boolean): object {
  return {
    ...FIXTURE_DESCRIPTOR,
    id,
    title: `Tiny dataset ${id}`,
    primaryKey: ['id'],
    columns: [
      { name: 'id', description: 'Row identifier.' },
      { name: 'n', description: 'A small count.' },
      { name: 'note', description: 'Free text.' },
      ...(wide ? [{ name: 'extra', description: 'A column added by a schema change.' }] : []),
    ],
  };
}

/** The CSV text of a content (rows in the order given; the pipeline sorts them). */
export function tinyCsv(content: TinyContent): string {
  const header = content.wide ? 'id,n,note,extra' : 'id,n,note';
  const lines = content.rows.map((row) =>
    [
      row.id,
      String(row.n),
      row.note,
      ...(content.wide ? [row.extra === undefined ? '' : String(row.extra)] : []),
    ].join(','),
  );
  return `${[header, ...lines].join('\n')}\n`;
}

/** The site metadata written as `data/site.json`. */
export function siteJson(title: string): string {
  return JSON.stringify({
    title,
    description: 'Datasets written by the model-based tests of the version history.',
    publisher: { name: 'kz-az-open-data' },
    license: 'CC-BY-4.0',
  });
}

/**
 * Makes `<root>/data` and `<root>/schemas` hold exactly `sources`: a dataset
 * absent from `sources` has its three files removed (its published versions stay).
 */
export async function writeSources(
  root: string,
  sources: TinySources,
  known: readonly string[],
): Promise<void> {
  const data = path.join(root, 'data');
  const schemas = path.join(root, 'schemas');
  await mkdir(data, { recursive: true });
  await mkdir(schemas, { recursive: true });
  await writeFile(path.join(data, 'site.json'), siteJson(sources.siteTitle));
  for (const id of known) {
    const content = sources.datasets[id];
    const files = [
      path.join(data, `${id}.csv`),
      path.join(data, `${id}.dataset.json`),
      path.join(schemas, `${id}.schema.json`),
    ];
    if (content === undefined) {
      for (const file of files) await rm(file, { force: true });
      continue;
    }
    await writeFile(files[0] as string, tinyCsv(content));
    await writeFile(files[1] as string, JSON.stringify(descriptor(id, content.wide)));
    await writeFile(files[2] as string, JSON.stringify(rowSchema(id, content.wide)));
  }
}

/** A stable text key of a content, to compare contents and find them again. */
export function contentKey(content: TinyContent): string {
  return JSON.stringify(content);
}

/** Rows as a map by id, with the cells as the published rows hold them (`extra` only when wide). */
export function rowMap(content: TinyContent): Map<string, Record<string, unknown>> {
  return new Map(
    content.rows.map((row) => [
      row.id,
      {
        id: row.id,
        n: row.n,
        ...(row.note === '' ? {} : { note: row.note }),
        ...(content.wide && row.extra !== undefined ? { extra: row.extra } : {}),
      },
    ]),
  );
}
