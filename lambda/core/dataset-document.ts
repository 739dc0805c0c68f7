import type { CanonicalDataset } from './canonical.js';
import type { DatasetDefinition } from './validate.js';
import type { ColumnType } from './coerce.js';
import type { DatasetDescriptor } from './descriptor.js';
import type { Row } from './row-schema.js';

/** A column as published in `<id>.json`: its type and everything a reader needs to understand it. */
export interface PublishedColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly required: boolean;
  readonly title?: string;
  readonly description?: string;
  readonly unit?: string;
  /** JSON Schema constraints of the column (`enum`, `minimum`, `maximum`, `pattern`, …). */
  readonly constraints?: Readonly<Record<string, unknown>>;
}

/**
 * `<id>.json`: the typed rows of one version with the dataset's metadata, so
 * that the file explains itself and site pages can be rendered from it alone.
 */
export interface DatasetDocument {
  readonly id: string;
  readonly version: string;
  readonly title: string;
  readonly description: string;
  readonly license: string;
  readonly publisher: DatasetDescriptor['publisher'];
  readonly source: DatasetDescriptor['source'];
  readonly keywords: readonly string[];
  readonly temporalCoverage: DatasetDescriptor['temporalCoverage'];
  readonly spatialCoverage: DatasetDescriptor['spatialCoverage'];
  readonly conflicts: NonNullable<DatasetDescriptor['conflicts']>;
  /** The descriptor's chart declarations, EU data themes and update frequency, when it has them. */
  readonly charts?: DatasetDescriptor['charts'];
  readonly themes?: DatasetDescriptor['themes'];
  readonly accrualPeriodicity?: DatasetDescriptor['accrualPeriodicity'];
  readonly primaryKey: readonly string[];
  readonly columns: readonly PublishedColumn[];
  readonly rows: readonly Row[];
}

const CONSTRAINT_KEYWORDS = [
  'enum',
  'const',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'format',
];

/** Builds the `<id>.json` document of a version held in memory. */
export function buildDatasetDocument(canonical: CanonicalDataset, version: string): DatasetDocument {
  return { ...datasetMetadata(canonical.dataset, version), rows: canonical.rows };
}

/** Everything in `<id>.json` but the rows, which come last in the file (and are streamed there). */
export function datasetMetadata(
  definition: DatasetDefinition,
  version: string,
): Omit<DatasetDocument, 'rows'> {
  const { descriptor, columns } = definition;
  return {
    id: descriptor.id,
    version,
    title: descriptor.title,
    description: descriptor.description,
    license: descriptor.license,
    publisher: descriptor.publisher,
    source: descriptor.source,
    keywords: descriptor.keywords,
    temporalCoverage: descriptor.temporalCoverage,
    spatialCoverage: descriptor.spatialCoverage,
    conflicts: descriptor.conflicts ?? [],
    ...(descriptor.charts === undefined ? {} : { charts: descriptor.charts }),
    ...(descriptor.themes === undefined ? {} : { themes: descriptor.themes }),
    ...(descriptor.accrualPeriodicity === undefined
      ? {}
      : { accrualPeriodicity: descriptor.accrualPeriodicity }),
    primaryKey: descriptor.primaryKey,
    columns: columns.map((column) => {
      const described = descriptor.columns.find((entry) => entry.name === column.name);
      const constraints = Object.fromEntries(
        CONSTRAINT_KEYWORDS.filter((keyword) => column.schema[keyword] !== undefined).map((keyword) => [
          keyword,
          column.schema[keyword],
        ]),
      );
      return {
        name: column.name,
        type: column.type,
        required: column.required,
        ...(described?.title === undefined ? {} : { title: described.title }),
        ...(described === undefined ? {} : { description: described.description }),
        ...(described?.unit === undefined ? {} : { unit: described.unit }),
        ...(Object.keys(constraints).length === 0 ? {} : { constraints }),
      };
    }),
  };
}
