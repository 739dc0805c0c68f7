import { createHash } from 'node:crypto';
import type { CatalogVersion } from '../catalog.js';
import { authorName } from '../authors.js';
import type { ChangesDocument } from '../changes.js';
import type { PublishedColumn } from '../dataset-document.js';
import type { ColumnType } from '../coerce.js';
import type { Row } from '../row-schema.js';
import type { SiteContext, SiteDataset, SiteRenderer } from '../site.js';
import { chartsOf, type ChartOutcome, type LeftOutChart } from './charts.js';
import { formatNumber } from './chart-layout.js';
import { cutText } from './cut-text.js';
import { citationOf } from './citations.js';
import type { ColumnStats, StatsDocument } from '../column-stats.js';
import {
  contactSentence,
  formatBytes,
  formatTime,
  html,
  jsonScript,
  page,
  trusted,
  type Html,
  type HtmlValue,
  escapeHtml,
  unbrokenDates,
} from './html.js';
import {
  absoluteUrl,
  datasetPagePath,
  distributionOf,
  formatLabel,
  formatNote,
  latestVersion,
  licenseOf,
  versionAnchor,
} from './links.js';
import { datasetJsonLd } from './schema-org.js';
import { citationKey, datasetFolder, latestFileKey } from '../site-keys.js';
import { CITATION_FORMATS, type CitationFormat } from '../formats/index.js';
import { bibtexFormat as bibtex } from '../formats/bibtex.js';
import { cslJsonFormat as csl } from '../formats/csl-json.js';
import { risFormat as ris } from '../formats/ris.js';

/** How many rows the page previews; the files hold them all. */
export const PREVIEW_ROWS = 100;
/**
 * Characters of one cell the preview shows; a longer cell is cut there and says how long it is (the
 * files hold all of it), so that 100 rows of long cells make a page of bounded size.
 */
export const PREVIEW_CELL_CHARS = 1_000;
/** How many rows a changelog entry names before pointing at `changes.json` (and so all the site reads of it). */
export const CHANGELOG_ITEMS = 25;
/** Characters of a key or a changed value the changelog and the row links show; the files hold all of it. */
export const CHANGELOG_TEXT_CHARS = 200;
/** The page sits two folders below the site root. */
const ROOT = '../../';

/** `datasets/<id>/index.html` for every dataset in the catalog. */
export const datasetPagesRenderer: SiteRenderer = {
  name: 'html-dataset',
  render: (context) =>
    context.datasets.map((dataset) => ({
      key: datasetPagePath(dataset.entry.id),
      body: new TextEncoder().encode(renderDatasetPage(context, dataset).value),
    })),
};

/** Renders one dataset page: what it is, where it comes from, what is in it, how to get and load it. */
export function renderDatasetPage(context: SiteContext, dataset: SiteDataset): Html {
  const { entry, document } = dataset;
  const latest = latestVersion(entry);
  const pageUrl = absoluteUrl(context.baseUrl, datasetPagePath(entry.id));
  const license = licenseOf(document.license);
  const charts = chartsOf(document, dataset.totalRows);
  const versions = versionsSection(context, dataset);
  const main = html`<h1>${unbrokenDates(document.title)}</h1>
    <dl class="facts">
      <div>
        <dt>Latest version</dt>
        <dd><a href="#${versionAnchor(latest.version)}">${latest.version}</a></dd>
      </div>
      <div>
        <dt>Last change</dt>
        <dd><span class="nowrap">${formatTime(latest.published)}</span> (${latest.change})</dd>
      </div>
      <div>
        <dt>Rows</dt>
        <dd>${formatNumber(latest.rows)}</dd>
      </div>
      <div>
        <dt>Period</dt>
        <dd>
          <span class="nowrap">${document.temporalCoverage.start}</span> to
          <span class="nowrap">${document.temporalCoverage.end}</span>
        </dd>
      </div>
      <div>
        <dt>Places</dt>
        <dd>${document.spatialCoverage.map((place) => place.name).join(', ')}</dd>
      </div>
      <div>
        <dt>License</dt>
        <dd><a href="${license.url}" rel="license">${document.license}</a></dd>
      </div>
    </dl>
    ${descriptionParagraphs(document.description, datasetMentions(context, entry.id))}
    <p class="muted">Keywords: ${document.keywords.join(', ')}</p>
    <nav aria-label="On this page">
      <p>
        On this page:
        ${[
          ['#downloads', 'Downloads'],
          ['#load', 'How to load it'],
          ...(charts.length > 0 ? [['#charts', 'Charts']] : []),
          ...(document.conflicts.length > 0 ? [['#conflicts', 'Source conflicts']] : []),
          ['#provenance', 'Provenance'],
          ['#columns', 'Columns'],
          ['#preview', 'Preview'],
          ['#versions', 'Versions and changes'],
          ['#cite', 'Cite'],
        ].map(([href, label], index) => html`${index === 0 ? '' : ' · '}<a href="${href}">${label}</a>`)}
      </p>
    </nav>
    ${downloadsSection(context, latest)} ${loadSection(context, dataset, latest)}
    ${chartsSection(charts, dataset.totalRows <= PREVIEW_ROWS, context.rasterize !== undefined)}
    ${conflictsSection(dataset)} ${provenanceSection(dataset)}
    ${columnsSection(document.columns, dataset.stats)} ${previewSection(dataset)} ${versions}
    ${citeSection(context, dataset, latest)}`;
  return page({
    title: `${document.title} — ${context.catalog.title}`,
    description: document.description,
    root: ROOT,
    canonicalUrl: pageUrl,
    siteTitle: context.catalog.title,
    breadcrumbs: [
      ['Datasets', `${ROOT}index.html`],
      [entry.id, 'index.html'],
    ],
    head: jsonScript(datasetJsonLd(context, dataset)),
    main,
    footer: html`<p>
      Data: <a href="${license.url}" rel="license">${license.title}</a>. Published by
      ${document.publisher.name}.${contactSentence(context.catalog.contactPoint)} Machine-readable:
      <a href="${ROOT}catalog.json">catalog.json</a> ·
      <a href="${ROOT}catalog.jsonld">DCAT (catalog.jsonld)</a> ·
      <a href="${ROOT}feed.xml">Atom feed of new versions</a>.
    </p>`,
  });
}

function fileTable(context: SiteContext, version: CatalogVersion, caption: string): Html {
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label="${caption}">
    <table class="cards-sm">
      <caption>
        ${caption}
      </caption>
      <thead>
        <tr>
          <th scope="col">File</th>
          <th scope="col">Format</th>
          <th scope="col">Size</th>
          <th scope="col">SHA-256</th>
          <th scope="col" class="holds">Holds</th>
        </tr>
      </thead>
      <tbody>
        ${version.distributions.map((distribution) => {
          const name = distribution.path.split('/').pop() ?? distribution.path;
          return html`<tr>
            <td data-label="File"><a href="${ROOT}${distribution.path}" download>${name}</a></td>
            <td data-label="Format">${formatLabel(distribution.format, context.formats)}</td>
            <td data-label="Size" class="num">${formatBytes(distribution.bytes)}</td>
            <td data-label="SHA-256" class="hash">${distribution.sha256}</td>
            <td data-label="Holds" class="holds">${formatNote(distribution.format, context.formats)}</td>
          </tr> `;
        })}
      </tbody>
    </table>
  </div>`;
}

function downloadsSection(context: SiteContext, latest: CatalogVersion): Html {
  return html`<section aria-labelledby="downloads">
    <h2 id="downloads">Downloads</h2>
    <p>
      The files of version ${latest.version}. Versioned files never change; <code>latest/</code> always holds
      the newest version. Earlier versions are listed under <a href="#versions">Versions and changes</a>.
    </p>
    ${fileTable(context, latest, `Files of version ${latest.version}`)}
  </section>`;
}

/**
 * The pandas dtype the page's pandas line gives a column of each type, so that it reads as its type whatever
 * its cells hold: without one, an integer column with an empty cell reads as floats (2018.0), a boolean one
 * with an empty cell as text, a number column of whole numbers as integers, a text column of digits as numbers
 * (codes lose their leading zeros) and an empty text column as floats. Dates are read by `parse_dates`.
 */
const PANDAS_DTYPES: Partial<Record<ColumnType, string>> = {
  string: 'string',
  integer: 'Int64',
  number: 'float64',
  boolean: 'boolean',
};

/**
 * The class the page's R lines give a column of each type (`colClasses`), so that it reads as its type whatever
 * its cells hold: left to itself, `read.csv` reads a text column of digits as numbers (codes lose their leading
 * zeros) and dates as text. Integers are read as doubles, as `integer` would turn a value past 2^31 - 1 into `NA`.
 */
const R_CLASSES: Record<ColumnType, string> = {
  string: 'character',
  integer: 'numeric',
  number: 'numeric',
  boolean: 'logical',
  date: 'Date',
};

/**
 * What R 4's `read.csv` reads otherwise than published, as comment lines for the page's R block: a number of 16
 * or 17 significant digits can come one step off in its last binary digit (R's reader does not always round to
 * the nearest double; pandas, given `float_precision="round_trip"`, does), and a carriage return inside a text
 * cell comes as a line feed. Only the caveats a table's column types can meet; the Parquet file holds both exactly.
 */
function rCaveats(types: readonly ColumnType[], withParquet: boolean): string[] {
  const caveats = [
    ...(types.includes('number')
      ? ['a number of 16 or 17 significant digits one step off in its last binary digit']
      : []),
    ...(types.includes('string') ? ['a carriage return inside a text cell as a line feed'] : []),
  ];
  if (caveats.length === 0) return [];
  const close = withParquet
    ? `: the Parquet file holds ${caveats.length === 1 ? 'it' : 'each'} exactly.`
    : '.';
  // One caveat a line, so that the block stays narrow.
  return caveats.map((caveat, index) => {
    const start = index === 0 ? '# read.csv can read ' : '# and ';
    return `${start}${caveat}${index === caveats.length - 1 ? close : ','}`;
  });
}

/**
 * The DuckDB type the page's `read_csv` line gives a column of each type: the type the Parquet file's column
 * reads as, so that the CSV and the Parquet file read alike. Without them DuckDB's sniffer reads a number
 * column of whole numbers as BIGINT (DOUBLE from the Parquet file) and a text column of digits as numbers.
 */
const DUCKDB_TYPES: Record<ColumnType, string> = {
  string: 'VARCHAR',
  integer: 'BIGINT',
  number: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
};

function loadSection(context: SiteContext, { entry, document }: SiteDataset, latest: CatalogVersion): Html {
  const url = (format: string): string | undefined => {
    const distribution = distributionOf(latest, format);
    return distribution === undefined ? undefined : absoluteUrl(context.baseUrl, distribution.path);
  };
  const csv = url('csv');
  const parquet = url('parquet');
  const csvFile = distributionOf(latest, 'csv');
  const dates = document.columns.filter((column) => column.type === 'date').map((column) => column.name);
  const latestCsv = absoluteUrl(context.baseUrl, latestFileKey(entry.id, `${entry.id}.csv`));
  const snippets: [string, string][] = [];
  if (csv !== undefined) {
    snippets.push([
      'curl',
      [
        `curl -fsSLO ${csv}`,
        ...(csvFile === undefined ? [] : [`echo "${csvFile.sha256}  ${entry.id}.csv" | sha256sum -c`]),
        ...(parquet === undefined ? [] : [`curl -fsSLO ${parquet}`]),
      ].join('\n'),
    ]);
    // One argument a line, and one column a line: a column name is written as a JSON string, which Python reads
    // as the same string.
    const dtypes = document.columns.flatMap((column) => {
      const dtype = PANDAS_DTYPES[column.type];
      return dtype === undefined ? [] : [`        ${JSON.stringify(column.name)}: "${dtype}",`];
    });
    snippets.push([
      'Python (pandas)',
      [
        'import pandas as pd',
        '',
        'df = pd.read_csv(',
        `    "${csv}",`,
        // Only an empty cell is a missing value, as in the R line below: pandas would also read text such as
        // "NA" (Namibia's code), "null" or "nan" as missing.
        '    keep_default_na=False,',
        '    na_values=[""],',
        ...(dtypes.length === 0 ? [] : ['    dtype={', ...dtypes, '    },']),
        // pandas' default reader of decimals can miss the nearest double by one step past 15 significant
        // digits (0.30000000000000004 read as 0.3); "round_trip" reads each number as published.
        ...(document.columns.some((column) => column.type === 'number')
          ? ['    float_precision="round_trip",']
          : []),
        ...(dates.length === 0 ? [] : [`    parse_dates=${JSON.stringify(dates)},`]),
        ')',
        // pandas' datetime64[ns] spans 1677-09-21 to 2262-04-11; a date column holding a date outside it is left
        // as text, without a warning (pandas 1.5), where a date column may hold any year from 1 to 9999.
        ...(dates.length === 0
          ? []
          : ['# pandas leaves a date column as text if a date in it lies outside 1677-09-21 to 2262-04-11.']),
        // pyarrow hands pandas an integer column with a missing value as float64 (2018.0) and a boolean one as
        // object unless asked for pandas' nullable types, the same Int64 and boolean as the read_csv line above.
        ...(parquet === undefined
          ? []
          : [
              // Commented out, so that the block runs as pasted where pyarrow is missing.
              '# or, with the column types kept (needs pyarrow, and pandas 2.0 or later), in place of the above:',
              `# df = pd.read_parquet("${parquet}", dtype_backend="numpy_nullable")`,
            ]),
      ].join('\n'),
    ]);
    snippets.push([
      'R',
      [
        // One argument a line, and the columns' classes by position, one a line with the column's name after
        // it: names are kept as published (`check.names = FALSE`, last, so that no argument ends on a comma
        // whether or not the classes are there), where R would rewrite `value (musd)`.
        'df <- read.csv(',
        `  "${csv}",`,
        '  na.strings = "",',
        '  encoding = "UTF-8",',
        ...(document.columns.length === 0
          ? []
          : [
              '  colClasses = c(',
              ...document.columns.map(
                (column, index) =>
                  `    "${R_CLASSES[column.type]}"${index === document.columns.length - 1 ? '' : ','} # ${JSON.stringify(column.name)}`,
              ),
              '  ),',
            ]),
        '  check.names = FALSE',
        ')',
        // What base R's reader cannot read as published, said where a user reads the CSV with it.
        ...rCaveats(
          document.columns.map((column) => column.type),
          parquet !== undefined,
        ),
        ...(parquet === undefined
          ? []
          : [
              // Commented out, so that the block runs as pasted where the arrow package is missing.
              '# or, with the column types kept (needs the arrow package), in place of the above:',
              `# download.file("${parquet}", "${entry.id}.parquet", mode = "wb")`,
              `# df <- arrow::read_parquet("${entry.id}.parquet")`,
            ]),
      ].join('\n'),
    ]);
    // header = true: the first line is the header even when no row follows it to tell it apart. Each
    // column's type, as the Parquet file has it, by position: DuckDB's names are case-insensitive, so a
    // struct of names would refuse two columns that differ only in case.
    const types = document.columns.map((column) => `'${DUCKDB_TYPES[column.type]}'`).join(', ');
    const readCsv = `read_csv('${csv}', header = true${types === '' ? '' : `, types = [${types}]`})`;
    snippets.push([
      'DuckDB',
      [
        'INSTALL httpfs; LOAD httpfs;',
        parquet === undefined ? `SELECT * FROM ${readCsv};` : `SELECT * FROM read_parquet('${parquet}');`,
        ...(parquet === undefined ? [] : [`-- or: SELECT * FROM ${readCsv};`]),
      ].join('\n'),
    ]);
  }
  return html`<section aria-labelledby="load">
    <h2 id="load">How to load it</h2>
    <p>
      These URLs pin version ${latest.version}, so your analysis stays reproducible. To always get the newest
      version, use <code>${latestCsv}</code>.
    </p>
    ${snippets.map(
      ([label, code]) =>
        html`<h3>${label}</h3>
          <pre tabindex="0"><code>${code}</code></pre> `,
    )}
  </section>`;
}

function chartsSection(charts: readonly ChartOutcome[], allPreviewed: boolean, withPng: boolean): Html {
  if (charts.length === 0) return html``;
  // Each chart is laid out for a desktop column and for a phone; the stylesheet shows the one that fits,
  // so the picture is never shrunk until its text is unreadable (and never needs sideways scrolling).
  return html`<section aria-labelledby="charts">
    <h2 id="charts">Charts</h2>
    ${charts.map((outcome) => {
      if (outcome.status === 'drawn') {
        const { chart } = outcome;
        return html`<figure>
          <div class="chart-wide">${trusted(chart.svg.trimEnd())}</div>
          <div class="chart-narrow">${trusted(chart.narrowSvg.trimEnd())}</div>
          <figcaption>
            ${chart.title}.
            ${
              allPreviewed
                ? html`Every value drawn is in the table under <a href="#preview">Preview</a>.`
                : html`Every value drawn is in the downloads; the first ${PREVIEW_ROWS} rows are under
                    <a href="#preview">Preview</a>.`
            }
            Download the chart as <a href="${chart.name}.svg">SVG</a>${
              withPng ? html` or <a href="${chart.name}.png">PNG</a> (for documents)` : ''
            },
            or <a href="chart-data/${chart.name}.csv">the values drawn (CSV)</a>.
          </figcaption>
        </figure> `;
      }
      return leftOutFigure(outcome.chart);
    })}
  </section>`;
}

/** A declared chart that is not drawn, in its place: why, and where the values it would show are. */
function leftOutFigure(chart: LeftOutChart): Html {
  return html`<figure>
    <figcaption>
      ${chart.title}: this chart is not drawn, as ${chart.reason}.
      ${
        chart.csv === undefined
          ? html`Its values are in the files under <a href="#downloads">Downloads</a>.`
          : html`The values it would show are in <a href="chart-data/${chart.name}.csv">its data (CSV)</a>,
              and in the files under <a href="#downloads">Downloads</a>.`
      }
    </figcaption>
  </figure> `;
}

/**
 * A description as short paragraphs: the first sentence alone as a summary,
 * then the rest in paragraphs of a few sentences, and each numbered point
 * (`(1) …`, `(2) …`) as an item of its own list.
 */
function descriptionParagraphs(description: string, mention: (text: string) => Html): Html {
  const [lead = '', ...rest] = description.split(/(?<=[a-z0-9)\]]\.)\s+(?=[A-Z(])/);
  const blocks: Html[] = [html`<p class="lead">${mention(lead)}</p>`];
  let paragraph: string[] = [];
  const flush = (): void => {
    if (paragraph.length > 0) blocks.push(html`<p>${mention(paragraph.join(' '))}</p>`);
    paragraph = [];
  };
  for (const sentence of rest) {
    const points = sentence.split(/\s(?=\(\d+\)\s)/);
    if (points.length > 2) {
      flush();
      blocks.push(html`<p>${mention(points[0] ?? '')}</p>`);
      blocks.push(
        html`<ul>
          ${points.slice(1).map((point) => html`<li>${mention(point.replace(/^\(\d+\)\s*/, '').replace(/;\s*$/, '.'))}</li>`)}
        </ul>`,
      );
      continue;
    }
    paragraph.push(sentence);
    if (paragraph.join(' ').length > 280) flush();
  }
  flush();
  return html`${blocks}`;
}

/**
 * Text with a link wherever it names another dataset of the catalog: an id
 * followed by the word "dataset" ("the visits dataset"), or an id with a
 * hyphen, which no English word is ("trade-by-year"). A bare word such as
 * "trade" is left alone, since it is also just a word; a dataset that is not
 * in the catalog is never linked, so a mention cannot become a broken link.
 */
function datasetMentions(context: SiteContext, self: string): (text: string) => Html {
  const others = context.datasets.map(({ entry }) => entry.id).filter((id) => id !== self);
  if (others.length === 0) return (text) => html`${text}`;
  // Longest first, so "trade-by-year" is never read as "trade" followed by text.
  const ids = [...others].sort((a, b) => b.length - a.length).map((id) => id.replace(/[-]/g, '\\-'));
  const pattern = new RegExp(`(?<![\\w-])(${ids.join('|')})(?![\\w-])(?=(\\s+datasets?\\b)?)`, 'g');
  return (text) => {
    const parts: HtmlValue[] = [];
    let at = 0;
    for (const match of text.matchAll(pattern)) {
      const id = match[1] ?? '';
      if (!id.includes('-') && match[2] === undefined) continue;
      parts.push(text.slice(at, match.index), html`<a href="../${id}/index.html">${id}</a>`);
      at = match.index + id.length;
    }
    parts.push(text.slice(at));
    return html`${parts}`;
  };
}

function rowKeyText(row: Row, primaryKey: readonly string[]): string {
  return primaryKey.map((name) => String(row[name] ?? '')).join(' / ');
}

/** A row named on the page by its key, cut to {@link CHANGELOG_TEXT_CHARS}. */
function rowLabel(row: Row, primaryKey: readonly string[]): string {
  return cutText(rowKeyText(row, primaryKey), CHANGELOG_TEXT_CHARS);
}

/** A row's fragment id: its key as a slug; a longer one is cut and told apart by a hash of the whole key. */
function rowAnchor(row: Row, primaryKey: readonly string[]): string {
  const slug = rowKeyText(row, primaryKey).replace(/[^A-Za-z0-9_-]+/g, '-');
  return slug.length <= CHANGELOG_TEXT_CHARS
    ? `row-${slug}`
    : `row-${slug.slice(0, CHANGELOG_TEXT_CHARS)}-${createHash('sha256').update(slug).digest('hex').slice(0, 16)}`;
}

function conflictsSection({ document, totalRows }: SiteDataset): Html {
  if (document.conflicts.length === 0) return html``;
  // Only previewed rows have an anchor on the page; rows past the preview are named without a link,
  // and rows past what the site reads (SITE_ROW_LIMIT) cannot be named at all.
  const previewed = new Set(document.rows.slice(0, PREVIEW_ROWS));
  const searched = Math.min(document.rows.length, totalRows);
  return html`<section aria-labelledby="conflicts">
    <h2 id="conflicts">Source conflicts</h2>
    <p>
      Where the source contradicts itself or is in doubt, every reading is kept as written and flagged:
      <code>flagged</code> is true, and <code>conflict</code> names the entry below. Nothing is silently
      corrected.
    </p>
    ${
      searched < totalRows
        ? html`<p>
            This dataset has ${totalRows} rows; the flagged rows named below are those among the first
            ${searched}. To find every flagged row, download a file and filter it on its
            <code>conflict</code> column.
          </p>`
        : ''
    }
    <ul class="conflicts">
      ${document.conflicts.map((conflict) => {
        const rows = document.rows.filter((row) => row.conflict === conflict.id);
        const label = (row: Row): HtmlValue =>
          previewed.has(row)
            ? html`<a href="#${rowAnchor(row, document.primaryKey)}"
                >${rowLabel(row, document.primaryKey)}</a
              >`
            : html`<code>${rowLabel(row, document.primaryKey)}</code>`;
        return html`<li id="conflict-${conflict.id}">
          <strong>⚠ Flagged: ${conflict.id}</strong>
          <p>${conflict.summary}</p>
          ${rows.length === 0 ? '' : html`<p>Flagged rows: ${rows.map((row, index) => html`${index === 0 ? '' : ', '}${label(row)}`)}</p>`}
        </li> `;
      })}
    </ul>
  </section>`;
}

function provenanceSection({ document, entry, provenance }: SiteDataset): Html {
  const quote = document.columns.find((column) => column.name === 'source_quote');
  // What the version's own validation report says of its quotes: a version published without the source
  // at hand is said to be one, where the paragraph above would let a reader take its figures as checked.
  const held =
    provenance === 'passed'
      ? html`<p>
          When version ${entry.latest} was published, every row's quote was found in the source text, and each
          quote states its row's values.
        </p>`
      : provenance === 'not-checked'
        ? html`<p>
            <span class="flag">Not checked</span> The quotes of version ${entry.latest} were not held to the
            source text when it was published: the run that published it had no copy of the source. Check a
            figure against the paper before relying on it.
          </p>`
        : '';
  // A previewed row, since the example links to its place in the preview.
  const sample = document.rows.slice(0, PREVIEW_ROWS).find((row) => typeof row.source_quote === 'string');
  return html`<section aria-labelledby="provenance">
    <h2 id="provenance">Provenance</h2>
    <p>
      Source:
      <cite>${document.source.citation}</cite> (${document.source.authors.map(authorName).join(', ')}).
    </p>
    ${
      quote === undefined
        ? ''
        : html`<p>
              Every row carries, in <code>source_quote</code>, the passage of the paper it was taken from,
              verbatim, so every number and date can be checked against the source. The preview below shows it
              under each
              row${sample === undefined ? '' : html`; for example, row <a href="#${rowAnchor(sample, document.primaryKey)}">${rowLabel(sample, document.primaryKey)}</a> comes from:`}
            </p>
            ${sample === undefined ? '' : html`<blockquote>${String(sample.source_quote)}</blockquote>`}
            ${held}`
    }
  </section>`;
}

function constraintsText(column: PublishedColumn): HtmlValue[] {
  const parts: HtmlValue[] = [];
  if (column.required) parts.push('required');
  const c = column.constraints ?? {};
  if (Array.isArray(c.enum))
    parts.push(
      html`one of
      ${c.enum.map((value, index) => html`${index === 0 ? '' : ', '}<code>${String(value)}</code>`)}`,
    );
  if (c.const !== undefined) parts.push(html`always <code>${String(c.const)}</code>`);
  if (c.minimum !== undefined) parts.push(`≥ ${String(c.minimum)}`);
  if (c.exclusiveMinimum !== undefined) parts.push(`> ${String(c.exclusiveMinimum)}`);
  if (c.maximum !== undefined) parts.push(`≤ ${String(c.maximum)}`);
  if (c.exclusiveMaximum !== undefined) parts.push(`< ${String(c.exclusiveMaximum)}`);
  if (c.minLength === 1) parts.push('not empty');
  else if (c.minLength !== undefined) parts.push(`at least ${String(c.minLength)} characters`);
  if (c.maxLength !== undefined) parts.push(`at most ${String(c.maxLength)} characters`);
  if (c.pattern !== undefined) parts.push(html`matches <code>${String(c.pattern)}</code>`);
  if (c.format !== undefined && column.type !== 'date') parts.push(`format ${String(c.format)}`);
  return parts.map((part, index) => html`${index === 0 ? '' : '; '}${part}`);
}

/**
 * The common values a page names: all of them while the counts are exact; past the counters, where a count
 * is a range, only those known to occur more than once (in a column of unique values, none).
 */
export function knownCommonValues(stats: ColumnStats): NonNullable<ColumnStats['top']> {
  return (stats.top ?? []).filter((top) => stats.topExact === true || (top.atLeast ?? 0) > 1);
}

/** How often a common value occurs: its count, or the range it is known to lie in (both ends when they differ). */
export function commonCountText(top: NonNullable<ColumnStats['top']>[number]): string {
  const { count, atLeast = count } = top;
  return atLeast === count ? formatNumber(count) : `${formatNumber(atLeast)}–${formatNumber(count)}`;
}

/** A column's statistics in a line, with a small bar sketch of how numbers or dates spread between min and max. */
function statsSummary(stats: ColumnStats | undefined, column: PublishedColumn): HtmlValue {
  if (stats === undefined) return '';
  const show = (value: number | string | undefined): string =>
    typeof value === 'number' && !isYearLike(column) ? formatNumber(value) : String(value ?? '');
  const distinct =
    stats.distinct === undefined
      ? `over ${formatNumber(stats.distinctAtLeast ?? 0)} distinct`
      : `${formatNumber(stats.distinct)} distinct`;
  const parts: HtmlValue[] = [
    `${formatNumber(stats.count)} ${stats.count === 1 ? 'value' : 'values'}, ${formatNumber(stats.missing)} missing, ${distinct}`,
  ];
  if (stats.min !== undefined)
    parts.push(
      html`; <span class="nowrap">${show(stats.min)}</span> to
        <span class="nowrap">${show(stats.max)}</span>`,
    );
  const common = knownCommonValues(stats);
  if (common.length > 0 && stats.distinct !== stats.count)
    parts.push(
      html`; most common:
      ${common.map((top, index) => html`${index === 0 ? '' : ', '}<code>${top.value}</code>${top.cut === true ? '…' : ''} (${commonCountText(top)})`)}`,
    );
  const histogram = stats.histogram ?? [];
  const peak = Math.max(0, ...histogram);
  const sketch =
    histogram.length === 0 || peak === 0
      ? ''
      : trusted(
          `<svg class="spark" viewBox="0 0 ${histogram.length * 6} 20" width="${histogram.length * 6}" height="20" role="img" aria-label="${escapeHtml(`How the values spread from ${show(stats.min)} to ${show(stats.max)}, in ${histogram.length} equal bins: ${histogram.join(', ')}`)}">` +
            histogram
              .map((n, i) => {
                const h = n === 0 ? 0 : Math.max(1.5, (n / peak) * 20);
                return `<rect x="${i * 6}" y="${(20 - h).toFixed(1)}" width="5" height="${h.toFixed(1)}" fill="#0b5cad"/>`;
              })
              .join('') +
            '</svg>',
        );
  return html`${sketch} ${parts}`;
}

function columnsSection(columns: readonly PublishedColumn[], stats: StatsDocument | undefined): Html {
  return html`<section aria-labelledby="columns">
    <h2 id="columns">Columns</h2>
    <div class="table-wrap" tabindex="0" role="region" aria-label="Column table">
      <table class="cards-sm">
        <caption>
          ${columns.length} columns, in file order
        </caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Unit</th>
            <th scope="col">Description</th>
            <th scope="col">Constraints</th>
            ${stats === undefined ? '' : html`<th scope="col">Values</th>`}
          </tr>
        </thead>
        <tbody>
          ${columns.map(
            (column) =>
              html`<tr>
                <td data-label="Name">
                  <code>${column.name}</code
                  >${column.title === undefined ? '' : html`<br /><span class="muted">${column.title}</span>`}
                </td>
                <td data-label="Type">${column.type === 'date' ? 'date (YYYY-MM-DD)' : column.type}</td>
                <td data-label="Unit">${column.unit ?? ''}</td>
                <td data-label="Description" class="long">${column.description ?? ''}</td>
                <td data-label="Constraints">${constraintsText(column)}</td>
                ${
                  stats === undefined
                    ? ''
                    : html`<td data-label="Values" class="stats">
                        ${statsSummary(
                          stats.columns.find((entry) => entry.name === column.name),
                          column,
                        )}
                      </td>`
                }
              </tr> `,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}

function previewSection({ document, totalRows }: SiteDataset): Html {
  const rows = document.rows.slice(0, PREVIEW_ROWS);
  // Long text (notes, source quotes) reads better across the full width under its row than in a narrow column.
  const isLong = (column: PublishedColumn): boolean =>
    column.type === 'string' && rows.some((row) => String(row[column.name] ?? '').length > 60);
  const grid = document.columns.filter((column) => !isLong(column));
  const long = document.columns.filter(isLong);
  const caption =
    rows.length >= totalRows
      ? `All ${rows.length} rows`
      : `The first ${rows.length} of ${totalRows} rows (download a file for all of them)`;
  // Text past PREVIEW_CELL_CHARS is cut, saying how long the cell is.
  const shown = (text: string): HtmlValue =>
    text.length <= PREVIEW_CELL_CHARS
      ? text
      : html`${cutText(text, PREVIEW_CELL_CHARS)}<span class="muted">
            (cut: ${formatNumber(text.length)} characters in all, in the files)</span
          >`;
  // Each cell is its own bidi isolate (`dir="auto"`), so text in one cannot reorder its neighbours; the
  // controls that could reorder a cell's own text are shown as marks by the escaping (see `escapeHtml`).
  const cell = (row: Row, column: PublishedColumn): HtmlValue => {
    const value = row[column.name];
    if (
      column.name === 'conflict' &&
      typeof value === 'string' &&
      document.conflicts.some((conflict) => conflict.id === value)
    )
      return html`<a href="#conflict-${value}">${value}</a>`;
    if (typeof value === 'number' && !isYearLike(column)) return formatNumber(value);
    return value === undefined ? '' : shown(String(value));
  };
  const cellClass = (column: PublishedColumn, index: number): string =>
    column.type === 'integer' || column.type === 'number'
      ? 'num'
      : column.type === 'date'
        ? 'date'
        : index === 0
          ? 'key'
          : '';
  return html`<section aria-labelledby="preview">
    <h2 id="preview">Preview</h2>
    <p>
      Empty cells are absent
      values.${long.length === 0 ? '' : html` The text ${long.length === 1 ? 'column' : 'columns'} ${long.map((column, i) => html`${listSeparator(i, long.length)}<code>${column.name}</code>`)} ${long.length === 1 ? 'is' : 'are'} shown under each row.`}${
        document.conflicts.length === 0
          ? ''
          : html` Flagged rows are highlighted and marked ⚠; their <code>conflict</code> names the explanation
              under <a href="#conflicts">Source conflicts</a>.`
      }
    </p>
    <div class="table-wrap" tabindex="0" role="region" aria-label="Preview of the rows">
      <table class="preview cards-sm">
        <caption>
          ${caption}
        </caption>
        <thead>
          <tr>
            ${grid.map((column) => html`<th scope="col">${column.name}</th>`)}
          </tr>
        </thead>
        ${rows.map((row, rowIndex) => {
          const flagged = row.flagged === true;
          const details = long.filter((column) => row[column.name] !== undefined);
          const previous = rows[rowIndex - 1];
          // A note repeated on consecutive rows (one list of the paper, one remark) is shown once.
          const repeated = (column: PublishedColumn): boolean =>
            column.name !== 'source_quote' &&
            previous !== undefined &&
            previous[column.name] === row[column.name];
          const anchor = `id="${escapeHtml(rowAnchor(row, document.primaryKey))}"`;
          return html`<tbody ${trusted(flagged ? `${anchor} class="flagged"` : anchor)}>
            <tr>
              ${grid.map((column, index) => html`<td${trusted(cellClass(column, index) === '' ? '' : ` class="${cellClass(column, index)}"`)} data-label="${column.name}" dir="auto">${cell(row, column)}${index === 0 && flagged ? html`<br /><span class="flag">⚠ flagged</span>` : ''}</td>`)}
            </tr>
            ${
              details.length === 0
                ? ''
                : html`<tr class="detail">
                    <td colspan="${grid.length}">
                      ${details.map((column) => html`<p><span class="label">${column.name}:</span> ${column.name === 'source_quote' ? html`<q dir="auto">${shown(String(row[column.name]))}</q>` : repeated(column) ? html`<span class="muted">as on the row above</span>` : html`<bdi>${shown(String(row[column.name]))}</bdi>`}</p>`)}
                    </td>
                  </tr>`
            }
          </tbody> `;
        })}
      </table>
    </div>
  </section>`;
}

/** A changed value as the changelog states it: its JSON, cut to {@link CHANGELOG_TEXT_CHARS}. */
function changedValue(value: unknown): string {
  return cutText(JSON.stringify(value) ?? 'empty', CHANGELOG_TEXT_CHARS);
}

function changeLines(changes: ChangesDocument | undefined, primaryKey: readonly string[]): Html {
  if (changes === undefined) return html``;
  const { summary } = changes;
  const more = (count: number): HtmlValue =>
    count > CHANGELOG_ITEMS ? html` and ${count - CHANGELOG_ITEMS} more (see <code>changes.json</code>)` : '';
  const lines: Html[] = [];
  if (changes.message !== undefined) lines.push(html`<li class="message">Why: ${changes.message}</li>`);
  if (changes.change === 'initial') {
    lines.push(html`<li>First version: ${summary.added} rows.</li>`);
  } else {
    if (changes.schemaChanged) {
      const detail = changes.schemaChanges;
      const parts = [
        ...detail.added.map((name) => html`column <code>${name}</code> added`),
        ...detail.removed.map((name) => html`column <code>${name}</code> removed`),
        ...detail.changed.map((entry) => html`column <code>${entry.column}</code> redefined`),
        ...(detail.primaryKey === undefined
          ? []
          : [
              html`primary key (the row order) changed from
                <code>${detail.primaryKey.old.join(', ')}</code> to
                <code>${detail.primaryKey.new.join(', ')}</code>`,
            ]),
        ...(detail.order === undefined
          ? []
          : [html`columns now in the order <code>${detail.order.new.join(', ')}</code>`]),
      ];
      lines.push(
        parts.length === 0
          ? html`<li>The schema changed (its rules, not its columns).</li>`
          : html`<li>
              The schema changed: ${parts.map((part, i) => html`${i === 0 ? '' : ', '}${part}`)}.
            </li>`,
      );
    }
    if (summary.added > 0)
      lines.push(
        html`<li>
          ${summary.added} added:
          ${changes.added.slice(0, CHANGELOG_ITEMS).map((row, i) => html`${i === 0 ? '' : ', '}<code>${rowLabel(row, primaryKey)}</code>`)}${more(summary.added)}
        </li>`,
      );
    if (summary.removed > 0)
      lines.push(
        html`<li>
          ${summary.removed} removed:
          ${changes.removed.slice(0, CHANGELOG_ITEMS).map((row, i) => html`${i === 0 ? '' : ', '}<code>${rowLabel(row, primaryKey)}</code>`)}${more(summary.removed)}
        </li>`,
      );
    if (summary.changed > 0)
      lines.push(
        html`<li>
          ${summary.changed} changed:
          <ul>
            ${changes.changed
              .slice(0, CHANGELOG_ITEMS)
              .map(
                (row) =>
                  html`<li>
                    <code
                      >${cutText(Object.values(row.key).map(String).join(' / '), CHANGELOG_TEXT_CHARS)}</code
                    >:
                    ${Object.entries(row.changes).map(
                      ([column, change], i) =>
                        html`${i === 0 ? '' : '; '}<code>${column}</code> ${changedValue(change.old)} →
                          ${changedValue(change.new)}`,
                    )}
                  </li>`,
              )}
          </ul>
          ${more(summary.changed)}
        </li>`,
      );
    if (!changes.schemaChanged && summary.added + summary.removed + summary.changed === 0)
      lines.push(html`<li>Rows unchanged; the description or other metadata changed.</li>`);
  }
  return html`<ul>
    ${lines}
  </ul>`;
}

function versionsSection(context: SiteContext, { entry, document, changes }: SiteDataset): Html {
  return html`<section aria-labelledby="versions">
    <h2 id="versions">Versions and changes</h2>
    <p>
      Versions follow SemVer: major when the schema's rules change, minor when rows are only added, patch
      otherwise (a new title or description in the schema among them). Each version's
      <code>changes.json</code> lists the rows added, removed and changed, with old and new values.
    </p>
    ${entry.versions.map((version) => {
      const changesOf = changes.find((document) => document.version === version.version);
      return html`<h3 id="${versionAnchor(version.version)}">
          ${version.version}${version.version === entry.latest ? ' (latest)' : ''}
        </h3>
        <p>
          Published <span class="nowrap">${formatTime(version.published)}</span> · ${version.change} ·
          ${formatNumber(version.rows)}
          rows${version.previousVersion === undefined ? '' : html` · previous: <a href="#${versionAnchor(version.previousVersion)}">${version.previousVersion}</a>`}
          · cite as
          ${CITATION_FORMATS.map(
            (format, index) =>
              html`${index === 0 ? '' : ', '}<a
                  href="${citationKey(entry.id, version.version, format.extension).slice(datasetFolder(entry.id).length)}"
                  download
                  >${format.label}</a
                >`,
          )}
        </p>
        ${changeLines(changesOf, document.primaryKey)}
        ${
          // The latest version's files are the table under Downloads: pointed to, not listed twice.
          version.version === entry.latest
            ? html`<p>
                Its ${version.distributions.length} files are listed under <a href="#downloads">Downloads</a>.
              </p>`
            : html`<details>
                <summary>Files of ${version.version} (${version.distributions.length})</summary>
                ${fileTable(context, version, `Files of version ${version.version}`)}
              </details>`
        } `;
    })}
  </section>`;
}

/** Columns whose numbers are years (or months, days), written without a thousands separator. */
function isYearLike(column: PublishedColumn): boolean {
  return /(^|_)(year|month|day)s?($|_)/.test(column.name);
}

function citeSection(context: SiteContext, { entry, document }: SiteDataset, latest: CatalogVersion): Html {
  const citation = citationOf(document, latest, context.baseUrl);
  const file = (format: CitationFormat): string =>
    citationKey(entry.id, latest.version, format.extension).slice(datasetFolder(entry.id).length);
  return html`<section aria-labelledby="cite">
    <h2 id="cite">Cite</h2>
    <p>
      Please cite the dataset version you used. The figures are those of the source paper, so its authors are
      credited as the authors, and ${document.publisher.name} as the publisher:
    </p>
    <p class="citation">${citation.text}</p>
    <p>
      For a reference manager: <a href="${file(bibtex)}" download>${bibtex.label}</a> ·
      <a href="${file(ris)}" download>${ris.label}</a> · <a href="${file(csl)}" download>${csl.label}</a>
      (version ${latest.version}; every version's citation files are listed under
      <a href="#versions">Versions and changes</a>).
    </p>
    <details>
      <summary>BibTeX</summary>
      <pre tabindex="0"><code>${citation.bibtex}</code></pre>
    </details>
    <details>
      <summary>RIS</summary>
      <pre tabindex="0"><code>${citation.ris.replace(/\r\n/g, '\n')}</code></pre>
    </details>
    <details>
      <summary>CSL-JSON</summary>
      <pre tabindex="0"><code>${citation.cslJson}</code></pre>
    </details>
  </section>`;
}

/** What goes before the `index`th of `count` items of an English list: `a`, `a and b`, `a, b and c`. */
function listSeparator(index: number, count: number): string {
  return index === 0 ? '' : index === count - 1 ? ' and ' : ', ';
}
