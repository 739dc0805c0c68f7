import { describe, expect, it } from 'vitest';
import { canonicalizeTable, sortByPrimaryKey } from '../../lambda/core/canonical.js';
import type { CatalogVersion } from '../../lambda/core/catalog.js';
import { contentTypeFor } from '../../lambda/core/content-policy.js';
import { datasetMetadata } from '../../lambda/core/dataset-document.js';
import {
  CITATION_FORMATS,
  contentTypeTable,
  primaryFormats,
  SERVED_TYPES,
  VERSION_FORMATS,
  versionFileName,
  type VersionFormat,
} from '../../lambda/core/formats/index.js';
import { isStreamedBody, type PutBody } from '../../lambda/core/object-store.js';
import { inMemory, type RowSource } from '../../lambda/core/row-source.js';
import { ColumnRanges } from '../../lambda/core/column-stats.js';

import { buildDcatCatalog } from '../../lambda/core/site/dcat.js';
import { initialChanges } from '../../lambda/core/site/document-excerpts.js';
import { renderDatasetPage } from '../../lambda/core/site/html-dataset.js';
import { renderIndexPage } from '../../lambda/core/site/html-index.js';
import type { SiteContext } from '../../lambda/core/site.js';
import { versionFileKey } from '../../lambda/core/site-keys.js';
import { validateDataset } from '../../lambda/core/validate.js';
import {
  renderVersionFiles,
  type RenderedFile,
  type VersionContext,
} from '../../lambda/core/version-files.js';
import { fixtureSource } from '../support/dataset-fixture.js';
import { scratchForEachTest } from '../support/scratch.js';

/**
 * A format the pipeline does not publish, registered only in this test's list:
 * what adding XLSX would be (one module, one line in formats/index.ts). Its
 * bytes are a placeholder; what is tested is where its declaration flows.
 */
const xlsxFormat: VersionFormat = {
  format: 'xlsx',
  extension: 'xlsx',
  mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  label: 'Excel workbook',
  description: 'the table as a spreadsheet workbook',
  euFileType: 'XLSX',
  primaryRank: 2.5,
  packaged: true,
  tabular: true,
  renderer: {
    kind: 'streamed',
    render: async ({ table }, sink) => {
      await sink.write(new TextEncoder().encode(`workbook of ${table.definition.id}\n`));
    },
  },
};
const WITH_XLSX: readonly VersionFormat[] = [...VERSION_FORMATS, xlsxFormat];

const scratch = scratchForEachTest();

/**
 * The fixture dataset's first version, rendered with the given formats; `watch` may replace the
 * table's rows (to count their reads) and give the columns' ranges.
 */
async function renderFixture(
  formats: readonly VersionFormat[],
  watch?: (rows: RowSource) => { rows: RowSource; ranges?: ColumnRanges },
) {
  const { dataset, report } = await validateDataset(fixtureSource());
  if (dataset === undefined) throw new Error(JSON.stringify(report.issues));
  const rows = sortByPrimaryKey(dataset.rows, dataset.descriptor.primaryKey);
  const canonical = await canonicalizeTable(dataset, inMemory(rows), scratch.current);
  const table = { ...canonical, ...watch?.(canonical.rows) };
  const context: VersionContext = {
    table,
    version: '1.0.0',
    change: 'initial',
    previousVersion: undefined,
    schemaChanged: false,
    schemaChanges: { added: [], removed: [], changed: [] },
    rowChanges: {
      summary: { added: rows.length, removed: 0, changed: 0 },
      added: table.rows,
      removed: inMemory([]),
      changed: inMemory([]),
    },
    report,
  };
  const files = await renderVersionFiles(context, scratch.current, formats);
  return { dataset, rows, files };
}

/** A one-dataset site whose only version lists the rendered files, described by `formats`. */
function siteOf(
  { dataset, rows, files }: Awaited<ReturnType<typeof renderFixture>>,
  formats: readonly VersionFormat[],
): SiteContext {
  const published = '2026-01-31T12:00:00.000Z';
  const version: CatalogVersion = {
    version: '1.0.0',
    published,
    contentHash: `sha256:${'a'.repeat(64)}`,
    schemaHash: `sha256:${'b'.repeat(64)}`,
    rows: rows.length,
    change: 'initial',
    distributions: files.map((file) => ({
      format: file.format,
      mediaType: file.mediaType,
      path: versionFileKey(dataset.id, '1.0.0', file.name),
      bytes: file.bytes,
      sha256: file.sha256,
    })),
  };
  const { descriptor } = dataset;
  const entry = {
    id: dataset.id,
    title: descriptor.title,
    description: descriptor.description,
    keywords: descriptor.keywords,
    license: descriptor.license,
    latest: '1.0.0',
    modified: published,
    versions: [version],
  };
  return {
    catalog: {
      title: 'Test catalog',
      description: 'A catalog of one dataset.',
      publisher: { name: 'kz-az-open-data' },
      license: 'CC-BY-4.0',
      modified: published,
      datasets: [entry],
    },
    baseUrl: 'https://data.example.org/',
    datasets: [
      {
        entry,
        document: { ...datasetMetadata(dataset, '1.0.0'), rows },
        totalRows: rows.length,
        changes: [initialChanges(dataset.id, version)],
      },
    ],
    formats,
  };
}

function fileNamed(files: readonly RenderedFile[], name: string): RenderedFile {
  const file = files.find((candidate) => candidate.name === name);
  if (file === undefined) throw new Error(`no ${name} among ${files.map((each) => each.name).join(', ')}`);
  return file;
}

async function textOf(body: PutBody): Promise<string> {
  if (!isStreamedBody(body)) return new TextDecoder().decode(body);
  const chunks: Uint8Array[] = [];
  for await (const chunk of body.open()) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

type DcatNode = Record<string, unknown>;
const nodes = (value: unknown): DcatNode[] => (Array.isArray(value) ? (value as DcatNode[]) : []);

/** The DCAT distribution of the one dataset's `latest/` file of that name. */
function latestDistribution(catalog: DcatNode, name: string): DcatNode | undefined {
  return nodes(catalog['dcat:dataset'])
    .flatMap((dataset) => nodes(dataset['dcat:distribution']))
    .find((node) => String(node['@id']).endsWith(`/latest/${name}#distribution`));
}

describe('a format registered in one list reaches every table derived from it', () => {
  it('is rendered into the version folder, packaged, served, labelled on both pages and typed in DCAT', async () => {
    // Prepare
    const rendered = await renderFixture(WITH_XLSX);
    const context = siteOf(rendered, WITH_XLSX);

    // Act
    const workbook = fileNamed(rendered.files, 'sample.xlsx');
    const datapackage = JSON.parse(await textOf(fileNamed(rendered.files, 'datapackage.json').body)) as {
      resources: { path: string; mediatype: string; type?: string }[];
    };
    const servedAs = contentTypeFor(
      'datasets/sample/1.0.0/sample.xlsx',
      contentTypeTable([...SERVED_TYPES, xlsxFormat]),
    );
    const index = renderIndexPage(context).value;
    const [site] = context.datasets;
    if (site === undefined) throw new Error('the site has no dataset');
    const page = renderDatasetPage(context, site).value;
    const distribution = latestDistribution(buildDcatCatalog(context), 'sample.xlsx');

    // Assess
    expect(rendered.files.map((file) => file.name)).toEqual([
      'sample.csv',
      'sample.json',
      'sample.parquet',
      'validation.json',
      'changes.json',
      'stats.json',
      'datapackage.json',
      'sample.xlsx',
    ]);
    expect(workbook).toMatchObject({ format: 'xlsx', mediaType: xlsxFormat.mediaType, bytes: 19 });
    expect(await textOf(workbook.body)).toBe('workbook of sample\n');
    // Listed after it, yet described by the package: a package is rendered once all the others are.
    expect(datapackage.resources).toContainEqual(
      expect.objectContaining({ path: 'sample.xlsx', mediatype: xlsxFormat.mediaType, type: 'table' }),
    );
    expect(servedAs).toBe(xlsxFormat.mediaType);
    // A direct download on the catalog page, between Parquet (rank 2) and JSON (rank 3).
    expect(index).toMatch(/>Parquet\s*<span[^]*>Excel workbook\s*<span[^]*>JSON\s*<span/);
    expect(page).toContain('<td data-label="Format">Excel workbook</td>');
    expect(page).toContain('the table as a spreadsheet workbook');
    expect(distribution?.['dct:format']).toEqual({
      '@id': 'http://publications.europa.eu/resource/authority/file-type/XLSX',
      '@type': 'dct:MediaTypeOrExtent',
    });
    expect(distribution?.['dct:title']).toEqual({
      '@value': 'sample.xlsx (Excel workbook, version 1.0.0)',
      '@language': 'en',
    });
  });

  it('is unknown to the published pipeline: none of those tables hold it unless it is registered', async () => {
    const rendered = await renderFixture(VERSION_FORMATS);
    const context = siteOf(
      {
        ...rendered,
        files: [
          ...rendered.files,
          { ...fileNamed(rendered.files, 'sample.csv'), name: 'sample.xlsx', format: 'xlsx' },
        ],
      },
      VERSION_FORMATS,
    );
    const distribution = latestDistribution(buildDcatCatalog(context), 'sample.xlsx');

    expect(rendered.files.map((file) => file.name)).not.toContain('sample.xlsx');
    expect(contentTypeFor('datasets/sample/1.0.0/sample.xlsx')).toBe('application/octet-stream');
    expect(renderIndexPage(context).value).not.toContain('Excel workbook');
    expect(distribution).toBeDefined();
    expect(distribution?.['dct:format']).toBeUndefined();
  });
});

describe('the format list', () => {
  it('gives every version format its own catalog format and file name', () => {
    const formats = VERSION_FORMATS.map((format) => format.format);
    const names = VERSION_FORMATS.map((format) => versionFileName(format, 'sample'));
    expect(new Set(formats).size).toBe(formats.length);
    expect(new Set(names).size).toBe(names.length);
  });

  it('serves each file with the media type the catalog lists for it, plus its charset', () => {
    for (const format of [...VERSION_FORMATS, ...CITATION_FORMATS]) {
      const key = `datasets/sample/1.0.0/${format.extension === 'csv' ? 'sample' : 'file'}.${format.extension}`;
      expect(contentTypeFor(key).split(';')[0], key).toBe(format.mediaType);
    }
  });

  it('refuses two formats that would serve one extension with different media types', () => {
    const geojson: VersionFormat = {
      ...xlsxFormat,
      format: 'geojson',
      extension: 'json',
      mediaType: 'application/geo+json',
    };
    expect(() => contentTypeTable([...SERVED_TYPES, geojson])).toThrow(
      'file type "json" would serve ".json" files as "application/geo+json", but another serves them as "application/json; charset=utf-8"',
    );
  });

  it('offers the direct downloads in the order of their rank, not of the list', () => {
    expect(primaryFormats()).toEqual(['csv', 'parquet', 'json', 'datapackage']);
    expect(primaryFormats(WITH_XLSX)).toEqual(['csv', 'parquet', 'xlsx', 'json', 'datapackage']);
  });
});

describe("a version's files", () => {
  it('read the rows once between them: JSON, Parquet and the statistics share one read', async () => {
    const reads: string[] = [];
    const counted = (rows: RowSource): RowSource => ({
      count: rows.count,
      open: () => (reads.push('open'), rows.open()),
      openJson: () => (reads.push('openJson'), rows.openJson()),
      openBatches: (want) => (reads.push('openBatches'), rows.openBatches(want)),
    });
    const plain = await renderFixture(VERSION_FORMATS);

    const shared = await renderFixture(VERSION_FORMATS, (rows) => {
      const ranges = new ColumnRanges(plain.dataset.columns);
      ranges.add(plain.rows);
      return { rows: counted(rows), ranges };
    });

    expect(reads).toEqual(['openBatches']);
    // The same bytes as rendered without the ranges (the statistics then read the rows twice).
    expect(shared.files.map(({ name, sha256 }) => [name, sha256])).toEqual(
      plain.files.map(({ name, sha256 }) => [name, sha256]),
    );
  });
});
