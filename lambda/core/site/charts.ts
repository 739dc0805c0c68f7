import type { ColumnType } from '../coerce.js';
import type { DatasetDocument } from '../dataset-document.js';
import type { Row } from '../row-schema.js';
import type { SiteFile, SiteRenderer } from '../site.js';
import { escapeXml as x } from './html.js';

/**
 * Charts drawn at publish time as static, accessible SVG (a `<title>` and a
 * `<desc>` that states every plotted value, so a screen reader gets the
 * numbers the picture shows). The pipeline stays dataset-agnostic: a dataset
 * id picks candidate charts from {@link CHARTS}, and each chart is a pure
 * function of the dataset's `<id>.json` that returns `undefined` when the
 * columns it needs are missing, so a renamed column just drops the picture.
 */
export interface Chart {
  /** File-name stem, unique per dataset: the chart is published as `datasets/<id>/<name>.svg`. */
  readonly name: string;
  readonly title: string;
  /** What the chart shows, in words (also the SVG's `<desc>`). */
  readonly description: string;
  /** A standalone SVG document (also inlined in the dataset page). */
  readonly svg: string;
}

type ChartBuilder = (document: DatasetDocument) => Chart | undefined;

const BLUE = '#0b5cad';
const FLAG = '#b54708';
const INK = '#1b1f24';
const MUTED = '#4a525c';
const GRID = '#d0d5db';
const FONT = 'font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif"';

/** Candidate charts per dataset id; each draws only if the columns it needs are present. */
const CHARTS: Readonly<Record<string, readonly ChartBuilder[]>> = {
  trade: [tradeTurnoverChart],
  visits: [visitsTimelineChart],
  enterprises: [enterpriseCountsChart, namedProjectsChart],
};

/**
 * Charts picture tables of tens or hundreds of rows; past this many a point per
 * row is unreadable and costly to render at every publish, so none is drawn.
 */
export const MAX_CHART_ROWS = 2000;

/**
 * The charts that can be drawn for a dataset (none for most, and none past
 * {@link MAX_CHART_ROWS}). `totalRows` is how many rows the dataset has, which
 * the site knows from the catalog while `document.rows` may hold only the first.
 */
export function chartsFor(document: DatasetDocument, totalRows: number = document.rows.length): Chart[] {
  if (totalRows > MAX_CHART_ROWS || document.rows.length > MAX_CHART_ROWS) return [];
  return (CHARTS[document.id] ?? [])
    .map((build) => build(document))
    .filter((chart): chart is Chart => chart !== undefined);
}

/** Publishes each chart as `datasets/<id>/<chart>.svg`, for embedding elsewhere. */
export const chartFilesRenderer: SiteRenderer = {
  name: 'charts',
  render: ({ datasets }) =>
    datasets.flatMap(({ document, totalRows }): SiteFile[] =>
      chartsFor(document, totalRows).map((chart) => ({
        key: `datasets/${document.id}/${chart.name}.svg`,
        body: new TextEncoder().encode(chart.svg),
      })),
    ),
};

function hasColumns(document: DatasetDocument, wanted: Readonly<Record<string, ColumnType>>): boolean {
  return Object.entries(wanted).every(([name, type]) =>
    document.columns.some((column) => column.name === name && column.type === type),
  );
}

const num = (row: Row, name: string): number | undefined =>
  typeof row[name] === 'number' ? (row[name] as number) : undefined;
const str = (row: Row, name: string): string | undefined =>
  typeof row[name] === 'string' ? (row[name] as string) : undefined;
const isFlagged = (row: Row): boolean => row.flagged === true;

/** Rounds a number for display without trailing noise (`220.54`, `258.3`). */
function show(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/**
 * Caps that keep a chart's size and drawing work proportional to its points,
 * never to the span of its axis: a table of two rows dated year 1 and year
 * 2×10^9 must not draw (or loop over) two billion years.
 */
export const CHART_CAPS = {
  /** Shaded "no figures" spans; past this many, gaps are left unmarked and a note says so. */
  gapMarkers: 12,
  /** Year labels under the turnover axis; past this many, every n-th year is labelled. */
  yearLabels: 25,
  /** Grid lines of the visits timeline, at a step of 1, 2 or 5 × 10^k years. */
  gridLines: 40,
  /** Readings of two consecutive years joined by lines; past this many pairs, only the markers are drawn. */
  joinsPerYearPair: 16,
} as const;

/** The smallest step of 1, 2 or 5 × 10^k (at least 1) that divides `span` into at most `count` parts. */
function tickStep(span: number, count: number): number {
  const rough = Math.max(1, span / count);
  const power = 10 ** Math.floor(Math.log10(rough));
  for (const factor of [1, 2, 5, 10]) if (factor * power >= rough) return factor * power;
  return 10 * power;
}

function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (factor * step >= value) return factor * step;
  return 10 * step;
}

function svgDocument(
  name: string,
  width: number,
  height: number,
  title: string,
  desc: string,
  body: string,
): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
    `role="img" aria-labelledby="${name}-title ${name}-desc" ${FONT} font-size="13">` +
    `<title id="${name}-title">${x(title)}</title><desc id="${name}-desc">${x(desc)}</desc>` +
    `<rect width="${width}" height="${height}" fill="#fff"/>${body}</svg>\n`
  );
}

function text(
  xPos: number,
  yPos: number,
  content: string,
  attributes: Readonly<Record<string, string | number>> = {},
): string {
  // A white halo keeps labels legible where they cross a line. An attribute given overrides the default
  // (XML allows each attribute once, so a second `fill` would make the standalone SVG ill-formed).
  const merged = { fill: INK, stroke: '#fff', 'stroke-width': 3, 'paint-order': 'stroke', ...attributes };
  const rest = Object.entries(merged)
    .map(([key, value]) => ` ${key}="${x(String(value))}"`)
    .join('');
  return `<text x="${xPos.toFixed(1)}" y="${yPos.toFixed(1)}"${rest}>${x(content)}</text>`;
}

/** Trade turnover by year; the flagged (conflicting) readings are drawn as distinct, labelled markers. */
function tradeTurnoverChart(document: DatasetDocument): Chart | undefined {
  const needed = {
    year: 'integer',
    flow: 'string',
    measure: 'string',
    value_musd: 'number',
    flagged: 'boolean',
  };
  if (!hasColumns(document, needed as Record<string, ColumnType>)) return undefined;
  const points = document.rows
    .filter((row) => row.flow === 'turnover' && row.measure === 'value')
    .map((row) => ({ year: num(row, 'year'), value: num(row, 'value_musd'), row }))
    .filter(
      (point): point is { year: number; value: number; row: Row } =>
        point.year !== undefined && point.value !== undefined,
    )
    .sort((a, b) => a.year - b.year || a.value - b.value);
  if (points.length < 2) return undefined;

  const name = 'chart-turnover';
  const [width, height] = [760, 380];
  const margin = { left: 64, right: 24, top: 56, bottom: 48 };
  const years = points.map((point) => point.year);
  const [minYear, maxYear] = [Math.min(...years), Math.max(...years)];
  const yMax = niceCeiling(Math.max(...points.map((point) => point.value)) * 1.1);
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const px = (year: number): number =>
    margin.left + 28 + ((year - minYear) / Math.max(1, maxYear - minYear)) * (plotW - 56);
  const py = (value: number): number => margin.top + plotH - (value / yMax) * plotH;

  const parts: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const value = (yMax / 5) * i;
    parts.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${py(value).toFixed(1)}" y2="${py(value).toFixed(1)}" stroke="${GRID}"/>`,
      text(margin.left - 8, py(value) + 4, show(value), { 'text-anchor': 'end', fill: MUTED }),
    );
  }
  parts.push(
    text(margin.left - 52, margin.top - 14, 'million USD', { fill: MUTED }),
    `<line x1="${margin.left}" x2="${width - margin.right}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" stroke="${MUTED}"/>`,
  );
  // Years without figures are shaded and named, not bridged by a line. The gaps are found between
  // consecutive years that have figures, so the work follows the points, not the span of years.
  const present = [...new Set(years)];
  const gaps: (readonly [number, number])[] = [];
  for (let i = 1; i < present.length; i++) {
    const [before = 0, after = 0] = [present[i - 1], present[i]];
    if (after - before > 1) gaps.push([before + 1, after - 1]);
  }
  if (gaps.length <= CHART_CAPS.gapMarkers) {
    for (const [first, last] of gaps) {
      const [x1, x2] = [px(first - 0.5), px(last + 0.5)];
      parts.push(
        `<rect x="${x1.toFixed(1)}" y="${margin.top}" width="${(x2 - x1).toFixed(1)}" height="${plotH}" fill="#f3f5f7"/>`,
        text((x1 + x2) / 2, margin.top + plotH / 2, `no figures ${first}–${last}`, {
          'text-anchor': 'middle',
          fill: MUTED,
        }),
      );
    }
  } else {
    parts.push(
      text(width - margin.right, height - 6, `${gaps.length} spans of years without figures are not marked`, {
        'text-anchor': 'end',
        fill: MUTED,
        'font-size': 12,
      }),
    );
  }
  const labelEvery = Math.ceil(present.length / CHART_CAPS.yearLabels);
  present.forEach((year, index) => {
    if (index % labelEvery !== 0 && index !== present.length - 1) return;
    parts.push(
      text(px(year), margin.top + plotH + 20, String(year), {
        'text-anchor': 'middle',
        fill: MUTED,
        'font-size': 12,
      }),
    );
  });
  // Consecutive years are joined: solid between single unflagged readings, dashed where a reading is disputed.
  const byYear = new Map<number, typeof points>();
  for (const point of points) {
    const same = byYear.get(point.year);
    if (same === undefined) byYear.set(point.year, [point]);
    else same.push(point);
  }
  for (const [year, these] of byYear) {
    const next = byYear.get(year + 1) ?? [];
    if (these.length * next.length > CHART_CAPS.joinsPerYearPair) continue;
    for (const a of these) {
      for (const b of next) {
        const disputed = isFlagged(a.row) || isFlagged(b.row);
        parts.push(
          `<line x1="${px(a.year).toFixed(1)}" y1="${py(a.value).toFixed(1)}" x2="${px(b.year).toFixed(1)}" y2="${py(b.value).toFixed(1)}" stroke="${disputed ? FLAG : BLUE}" stroke-width="2"${disputed ? ' stroke-dasharray="5 4"' : ''}/>`,
        );
      }
    }
  }
  for (const point of points) {
    const [cx, cy] = [px(point.year), py(point.value)];
    if (isFlagged(point.row)) {
      const s = 7;
      parts.push(
        `<path d="M${cx.toFixed(1)} ${(cy - s).toFixed(1)}l${s} ${s}l${-s} ${s}l${-s} ${-s}z" fill="#fff" stroke="${FLAG}" stroke-width="2.5"><title>${x(`${point.year}: ${show(point.value)} million USD, flagged (${str(point.row, 'conflict') ?? 'conflict'})`)}</title></path>`,
        text(cx - 11, cy + 5, `⚠ ${show(point.value)}`, {
          fill: FLAG,
          'font-weight': 700,
          'text-anchor': 'end',
        }),
      );
    } else {
      parts.push(
        `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="4.5" fill="${BLUE}"><title>${x(`${point.year}: ${show(point.value)} million USD`)}</title></circle>`,
        text(cx, cy - 10, show(point.value), { 'text-anchor': 'middle', 'font-size': 12 }),
      );
    }
  }
  parts.push(
    `<circle cx="${margin.left + 6}" cy="22" r="4.5" fill="${BLUE}"/>`,
    text(margin.left + 16, 26, 'turnover as stated in the paper'),
    `<path d="M${margin.left + 286} 15l7 7l-7 7l-7 -7z" fill="#fff" stroke="${FLAG}" stroke-width="2.5"/>`,
    text(margin.left + 300, 26, 'conflicting readings of the same year (flagged)', { fill: FLAG }),
  );

  const stated = points
    .map(
      (point) =>
        `${point.year}: ${show(point.value)}${isFlagged(point.row) ? ` (flagged: ${str(point.row, 'conflict') ?? 'conflict'})` : ''}`,
    )
    .join('; ');
  const disputedYears = [
    ...new Set(points.filter((point) => isFlagged(point.row)).map((point) => point.year)),
  ];
  const title = 'Bilateral trade turnover by year, million USD';
  const description =
    `Trade turnover between Azerbaijan and Kazakhstan in million US dollars, as stated in the paper. ${stated}.` +
    (disputedYears.length > 0
      ? ` The paper gives conflicting values for ${disputedYears.join(', ')}; both readings are drawn as flagged markers and neither is preferred.`
      : '');
  return {
    name,
    title,
    description,
    svg: svgDocument(name, width, height, title, description, parts.join('')),
  };
}

/** Head-of-state visits on a timeline, one lane per visitor; precision and flagged entries are marked. */
function visitsTimelineChart(document: DatasetDocument): Chart | undefined {
  const needed = { visitor: 'string', year: 'integer', date_precision: 'string', flagged: 'boolean' };
  if (!hasColumns(document, needed as Record<string, ColumnType>)) return undefined;
  const visits = document.rows
    .map((row) => ({ row, visitor: str(row, 'visitor'), year: num(row, 'year') }))
    .filter(
      (visit): visit is { row: Row; visitor: string; year: number } =>
        visit.visitor !== undefined && visit.year !== undefined,
    );
  if (visits.length === 0) return undefined;
  const when = (row: Row, year: number): number => {
    const date = str(row, 'start_date');
    if (date !== undefined) {
      const [y, m, d] = date.split('-').map(Number);
      return (y ?? year) + ((m ?? 1) - 1) / 12 + ((d ?? 1) - 1) / 365;
    }
    const month = num(row, 'month');
    return month === undefined ? year + 0.5 : year + (month - 0.5) / 12;
  };
  const lanes = [
    ...new Set([...visits].sort((a, b) => when(a.row, a.year) - when(b.row, b.year)).map((v) => v.visitor)),
  ];

  const name = 'chart-visits';
  const laneH = 70;
  const margin = { left: 24, right: 24, top: 44, bottom: 40 };
  const width = 760;
  const height = margin.top + lanes.length * laneH + margin.bottom;
  const years = visits.map((visit) => visit.year);
  const [start, end] = [Math.min(...years), Math.max(...years) + 1];
  const plotW = width - margin.left - margin.right;
  const px = (t: number): number => margin.left + ((t - start) / (end - start)) * plotW;
  const laneY = (visitor: string): number => margin.top + lanes.indexOf(visitor) * laneH + laneH / 2 + 8;

  const parts: string[] = [];
  // One grid line per year on a short timeline (every fifth labelled), at most CHART_CAPS.gridLines on a long one.
  const step = tickStep(end - start, CHART_CAPS.gridLines);
  for (let year = Math.ceil(start / step) * step; year <= end; year += step) {
    const major = (year / step) % 5 === 0;
    parts.push(
      `<line x1="${px(year).toFixed(1)}" x2="${px(year).toFixed(1)}" y1="${margin.top}" y2="${height - margin.bottom}" stroke="${GRID}"${major ? '' : ' stroke-dasharray="2 4"'}/>`,
    );
    if (major)
      parts.push(
        text(px(year), height - margin.bottom + 20, String(year), { 'text-anchor': 'middle', fill: MUTED }),
      );
  }
  for (const visitor of lanes) {
    const y = laneY(visitor);
    const count = visits.filter((visit) => visit.visitor === visitor).length;
    parts.push(
      text(margin.left, y - 22, `${visitor} (${count} ${count === 1 ? 'entry' : 'entries'})`, {
        'font-weight': 600,
      }),
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y}" y2="${y}" stroke="${MUTED}"/>`,
    );
  }
  // Flagged entries that share a conflict id across lanes are joined, so the contradiction is visible.
  const byConflict = new Map<string, { x: number; y: number }[]>();
  for (const visit of visits) {
    const conflict = str(visit.row, 'conflict');
    if (!isFlagged(visit.row) || conflict === undefined) continue;
    const list = byConflict.get(conflict) ?? [];
    list.push({ x: px(when(visit.row, visit.year)), y: laneY(visit.visitor) });
    byConflict.set(conflict, list);
  }
  for (const [conflict, marks] of byConflict) {
    const ys = marks.map((mark) => mark.y);
    const first = marks[0];
    if (first === undefined || new Set(ys).size < 2) continue;
    parts.push(
      `<line x1="${first.x.toFixed(1)}" x2="${first.x.toFixed(1)}" y1="${Math.min(...ys)}" y2="${Math.max(...ys)}" stroke="${FLAG}" stroke-width="2" stroke-dasharray="4 3"><title>${x(`flagged: ${conflict}`)}</title></line>`,
    );
  }
  for (const visit of visits) {
    const y = laneY(visit.visitor);
    const flagged = isFlagged(visit.row);
    const color = flagged ? FLAG : BLUE;
    const wording = str(visit.row, 'paper_wording') ?? String(visit.year);
    const label = `${visit.visitor}: ${wording}${flagged ? ` (flagged: ${str(visit.row, 'conflict') ?? 'conflict'})` : ''}`;
    const precision = str(visit.row, 'date_precision');
    if (precision === 'day') {
      parts.push(
        `<circle cx="${px(when(visit.row, visit.year)).toFixed(1)}" cy="${y}" r="${flagged ? 7 : 6}" fill="${color}" stroke="#fff" stroke-width="1.5"><title>${x(label)}</title></circle>`,
      );
    } else if (precision === 'month') {
      parts.push(
        `<circle cx="${px(when(visit.row, visit.year)).toFixed(1)}" cy="${y}" r="6" fill="#fff" stroke="${color}" stroke-width="2.5"><title>${x(label)}</title></circle>`,
      );
    } else {
      const [x1, x2] = [px(visit.year), px(visit.year + 1)];
      parts.push(
        `<rect x="${x1.toFixed(1)}" y="${y + 10}" width="${(x2 - x1).toFixed(1)}" height="8" fill="#fff" stroke="${color}" stroke-width="2" stroke-dasharray="3 2"><title>${x(label)}</title></rect>`,
      );
    }
    if (flagged)
      parts.push(text(px(when(visit.row, visit.year)) + 9, y - 9, '⚠', { fill: FLAG, 'font-weight': 700 }));
  }
  const lx = margin.left;
  parts.push(
    `<circle cx="${lx + 6}" cy="22" r="6" fill="${BLUE}"/>`,
    text(lx + 16, 26, 'exact day'),
    `<circle cx="${lx + 106}" cy="22" r="6" fill="#fff" stroke="${BLUE}" stroke-width="2.5"/>`,
    text(lx + 116, 26, 'month only'),
    `<rect x="${lx + 206}" y="18" width="26" height="8" fill="#fff" stroke="${BLUE}" stroke-width="2" stroke-dasharray="3 2"/>`,
    text(lx + 238, 26, 'year only'),
    `<circle cx="${lx + 326}" cy="22" r="7" fill="${FLAG}"/>`,
    text(lx + 338, 26, '⚠ flagged: the paper contradicts itself', { fill: FLAG }),
  );

  const perVisitor = lanes
    .map((visitor) => {
      const entries = visits
        .filter((visit) => visit.visitor === visitor)
        .map(
          (visit) =>
            `${str(visit.row, 'paper_wording') ?? visit.year}${isFlagged(visit.row) ? ' (flagged)' : ''}`,
        );
      return `${visitor}: ${entries.join(', ')}`;
    })
    .join('. ');
  const title = `Head-of-state visits ${start}–${end - 1}, by visitor`;
  const description = `Timeline of the visits listed in the paper, one lane per visiting head of state. ${perVisitor}.`;
  return {
    name,
    title,
    description,
    svg: svgDocument(name, width, height, title, description, parts.join('')),
  };
}

/** Registry counts side by side (e.g. all enterprises vs joint ventures). */
function enterpriseCountsChart(document: DatasetDocument): Chart | undefined {
  if (!hasColumns(document, { name: 'string', enterprise_count: 'integer' })) return undefined;
  const bars = document.rows
    .map((row) => ({ label: str(row, 'name'), value: num(row, 'enterprise_count') }))
    .filter(
      (bar): bar is { label: string; value: number } => bar.label !== undefined && bar.value !== undefined,
    )
    .sort((a, b) => b.value - a.value);
  if (bars.length === 0) return undefined;
  const name = 'chart-enterprise-counts';
  const width = 760;
  const barH = 30;
  const rowH = 64;
  const margin = { left: 16, right: 72, top: 16, bottom: 16 };
  const height = margin.top + bars.length * rowH + margin.bottom;
  const max = Math.max(...bars.map((bar) => bar.value));
  const plotW = width - margin.left - margin.right;
  const parts = bars.flatMap((bar, index) => {
    const y = margin.top + index * rowH;
    const w = Math.max(2, (bar.value / max) * plotW);
    return [
      text(margin.left, y + 16, bar.label, { 'font-weight': 600 }),
      `<rect x="${margin.left}" y="${y + 24}" width="${w.toFixed(1)}" height="${barH}" fill="${index === 0 ? BLUE : '#5b8fc7'}"><title>${x(`${bar.label}: ${bar.value}`)}</title></rect>`,
      text(margin.left + w + 8, y + 24 + barH / 2 + 5, String(bar.value), {
        'font-weight': 700,
        'font-size': 15,
      }),
    ];
  });
  const title = 'Registered enterprises with Azerbaijani participation in Kazakhstan';
  const description = `Counts stated in the paper: ${bars.map((bar) => `${bar.label}: ${bar.value}`).join('; ')}.`;
  return {
    name,
    title,
    description,
    svg: svgDocument(name, width, height, title, description, parts.join('')),
  };
}

/** Named companies and joint projects on a year axis, one line per name; undated ones are counted. */
function namedProjectsChart(document: DatasetDocument): Chart | undefined {
  if (!hasColumns(document, { name: 'string', year: 'integer', record_type: 'string' })) return undefined;
  const named = document.rows.filter(
    (row) => row.record_type !== 'registry-count' && str(row, 'name') !== undefined,
  );
  const dated = named
    .map((row) => ({ row, year: num(row, 'year'), label: str(row, 'name') ?? '' }))
    .filter((item): item is { row: Row; year: number; label: string } => item.year !== undefined)
    .sort((a, b) => a.year - b.year || (a.label < b.label ? -1 : 1));
  if (dated.length === 0) return undefined;
  const undated = named.length - dated.length;
  const name = 'chart-projects-by-year';
  const width = 760;
  const lineH = 24;
  const margin = { left: 16, top: 48, bottom: 40 };
  const years = [...new Set(dated.map((item) => item.year))];
  const height = margin.top + dated.length * lineH + (years.length - 1) * 10 + margin.bottom;
  const parts: string[] = [
    `<rect x="${margin.left}" y="14" width="12" height="12" fill="${BLUE}"/>`,
    text(margin.left + 18, 25, 'joint project'),
    `<circle cx="${margin.left + 134}" cy="20" r="6" fill="#fff" stroke="${BLUE}" stroke-width="2.5"/>`,
    text(margin.left + 146, 25, 'company or office'),
  ];
  let y = margin.top;
  for (const year of years) {
    const items = dated.filter((item) => item.year === year);
    parts.push(
      text(margin.left, y + 16, String(year), { 'font-weight': 700 }),
      `<line x1="${margin.left + 56}" x2="${margin.left + 56}" y1="${y + 2}" y2="${y + items.length * lineH - 4}" stroke="${GRID}" stroke-width="3"/>`,
    );
    for (const item of items) {
      const cy = y + 12;
      parts.push(
        item.row.record_type === 'joint-project'
          ? `<rect x="${margin.left + 70}" y="${cy - 6}" width="12" height="12" fill="${BLUE}"/>`
          : `<circle cx="${margin.left + 76}" cy="${cy}" r="6" fill="#fff" stroke="${BLUE}" stroke-width="2.5"/>`,
        text(margin.left + 92, cy + 5, item.label),
      );
      y += lineH;
    }
    y += 10;
  }
  if (undated > 0)
    parts.push(
      text(
        margin.left,
        height - 14,
        `${undated} more named in the paper without a year (see the table below).`,
        { fill: MUTED },
      ),
    );
  const title = 'Named companies and joint projects, by year';
  const description =
    `Companies, offices and joint projects the paper dates, by year: ` +
    years
      .map(
        (year) =>
          `${year}: ${dated
            .filter((item) => item.year === year)
            .map((item) => item.label)
            .join('; ')}`,
      )
      .join('. ') +
    `. ${undated} more are named without a year.`;
  return {
    name,
    title,
    description,
    svg: svgDocument(name, width, height, title, description, parts.join('')),
  };
}
