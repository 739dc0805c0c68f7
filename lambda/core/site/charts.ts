import type { Column, Row } from '../row-schema.js';
import { renderCsv } from '../canonical.js';
import type { DatasetDocument, PublishedColumn } from '../dataset-document.js';
import type { ChartDeclaration } from '../descriptor.js';
import { chartDataKey, chartImageKey, chartKey } from '../site-keys.js';
import type { SiteRenderer } from '../site.js';
import {
  Drawing,
  FLAG,
  fitText,
  formatNumber,
  GRID,
  INK,
  MUTED,
  PALETTE,
  textBox,
  textWidth,
  type TextStyle,
  wrapText,
} from './chart-layout.js';
import { cutText } from './cut-text.js';
import { escapeXml } from './html.js';

/**
 * Charts drawn at publish time as static, accessible SVG (a `<title>` and a
 * `<desc>` that states every plotted value). Which charts a dataset has is
 * declared in its own descriptor (`charts`: kind, x, y, series, flag, …), so
 * the pipeline knows no dataset by name and a new dataset gets a chart without
 * code. A declaration whose columns are missing, or of the wrong type, is
 * refused with the descriptor (`chart-declarations.ts`). Each chart is laid out twice: for a desktop column and for a phone
 * (the page shows the one that fits, so text is never scaled below its size),
 * and it is published as an SVG and as the CSV of exactly the rows it draws.
 */
export interface Chart {
  /** File-name stem, unique per dataset: `chart-<declared name>`. */
  readonly name: string;
  readonly title: string;
  /** What the chart shows, in words (also the SVG's `<desc>`). */
  readonly description: string;
  /** A standalone SVG document laid out {@link CHART_WIDTHS.wide} wide (published, and shown on wide screens). */
  readonly svg: string;
  /** The same chart laid out {@link CHART_WIDTHS.narrow} wide, shown on phones. */
  readonly narrowSvg: string;
  /** The rows drawn, as CSV: the primary key and every column the chart reads. */
  readonly csv: string;
}

/** The two layouts' widths in CSS pixels: a desktop column, and a 390 px phone less the page's margins. */
export const CHART_WIDTHS = { wide: 760, narrow: 340 } as const;

/** Text sizes in user units; the page never shows a layout scaled below 1:1 by more than 10 %, so all stay ≥ 11 px. */
const SIZE = { small: 12.5, body: 13, strong: 14 } as const;

/**
 * Charts picture tables of tens or hundreds of rows; past this many a point per
 * row is unreadable and costly to render at every publish, so none is drawn
 * (the page and the publish output say so: see {@link chartsOf}).
 */
export const MAX_CHART_ROWS = 2000;

/**
 * Caps that keep a chart's size and drawing work proportional to its points,
 * never to the span of its axis: a table of two rows dated year 1 and year
 * 2×10^9 must not draw (or loop over) two billion years. The caps on what one
 * chart holds (`bars` to `height`) bound the drawing, and with it the PNG
 * renderer's memory, which is WebAssembly's and not capped by Node's heap
 * flags: a chart over one is not drawn, and the page and the publish output
 * say which cap and where its values are (see {@link chartsOf}).
 */
export const CHART_CAPS = {
  /** Shaded "no figures" spans; past this many, gaps are left unmarked and a note says so. */
  gapMarkers: 12,
  /** Readings of two consecutive years joined by lines; past this many pairs, only the markers are drawn. */
  joinsPerYearPair: 16,
  /** Lanes (series) given a colour of their own; the rest share the last. */
  colours: PALETTE.length,
  /** bars: most bars in one chart, all panels together (each is a row of its own, 52 px or more). */
  bars: 60,
  /** bars: most panels (values of `facet`), each with a heading and a scale of its own. */
  panels: 12,
  /** series and timeline: most lanes (values of `series`), each an entry of the legend. */
  lanes: 24,
  /** timeline: most dated entries (each is a line of its own, 22 px or more). */
  entries: 150,
  /** series: most points (a row's `y` and each of its `readings`), each labelled where there is room. */
  points: 500,
  /**
   * Longest text taken from a cell (a bar's or an entry's name, a lane, a
   * panel, a conflict), in UTF-16 code units; longer text is cut with an
   * ellipsis. The drawing shows at most two lines of it, but tooltips and the
   * description state it whole, once per layout and again in the page: 90
   * entries of 200 KB took 4.5 GB before failing.
   */
  text: 300,
  /**
   * Tallest layout (wide or narrow), in CSS pixels. The PNG is drawn at twice
   * the wide one (`PNG_SCALE`): 1520 × 8000 pixels, 49 MB of RGBA, at most.
   */
  height: 4000,
} as const;

/** A declared chart that is not drawn, and why. */
export interface LeftOutChart {
  /** File-name stem, as a drawn chart's: `chart-<declared name>`. */
  readonly name: string;
  readonly title: string;
  /** Why it is not drawn, as a clause: `it has 2,000 bars, more than the 60 a chart can show`. */
  readonly reason: string;
  /**
   * The rows it would draw, as CSV (published as its chart data, so the page
   * can link the values); absent when the chart was not read at all (the
   * dataset is over {@link MAX_CHART_ROWS}).
   */
  readonly csv?: string;
  /**
   * A small picture saying so, published at the chart's SVG and PNG addresses
   * in place of a drawing: an earlier version's chart there would otherwise
   * go on showing old figures, as published files are replaced, never deleted.
   */
  readonly svg: string;
}

/** What became of one declared chart. */
export type ChartOutcome =
  | { readonly status: 'drawn'; readonly chart: Chart }
  | { readonly status: 'left-out'; readonly chart: LeftOutChart };

/** Each dataset's outcomes, so that the chart files, the page and the notes draw every chart once. */
const drawnOutcomes = new WeakMap<DatasetDocument, Map<number, readonly ChartOutcome[]>>();

/**
 * What becomes of each chart a dataset declares, in declaration order: drawn,
 * or left out with the reason (a dataset over {@link MAX_CHART_ROWS}, a
 * chart over one of {@link CHART_CAPS}, or one with nothing to draw). A
 * declaration whose columns are missing or of the wrong type, which the
 * descriptor check refuses (`chart-declarations.ts`), has no outcome. `totalRows` is how many rows the
 * dataset has, which the site knows from the catalog while `document.rows` may
 * hold only the first.
 */
export function chartsOf(
  document: DatasetDocument,
  totalRows: number = document.rows.length,
): readonly ChartOutcome[] {
  const known = drawnOutcomes.get(document)?.get(totalRows);
  if (known !== undefined) return known;
  const rows = Math.max(totalRows, document.rows.length);
  const outcomes: ChartOutcome[] =
    rows > MAX_CHART_ROWS
      ? (document.charts ?? []).map((declaration) => ({
          status: 'left-out',
          chart: leftOutChart(
            `chart-${declaration.name}`,
            declaration.title,
            `the dataset has ${formatNumber(rows)} rows, and charts are drawn for at most ${formatNumber(MAX_CHART_ROWS)}`,
          ),
        }))
      : (document.charts ?? []).flatMap((declaration) => drawChart(document, declaration) ?? []);
  const byTotal = drawnOutcomes.get(document) ?? new Map<number, readonly ChartOutcome[]>();
  byTotal.set(totalRows, outcomes);
  drawnOutcomes.set(document, byTotal);
  return outcomes;
}

/** The charts a dataset declares that are drawn (see {@link chartsOf} for those that are not, and why). */
export function chartsFor(document: DatasetDocument, totalRows: number = document.rows.length): Chart[] {
  return chartsOf(document, totalRows).flatMap((outcome) =>
    outcome.status === 'drawn' ? [outcome.chart] : [],
  );
}

/** One line per declared chart that is not drawn: `chart "b" not drawn: it has …`, for the publish output. */
export function chartNotes(document: DatasetDocument, totalRows: number = document.rows.length): string[] {
  return chartsOf(document, totalRows).flatMap((outcome) =>
    outcome.status === 'left-out'
      ? [`chart "${outcome.chart.name.replace(/^chart-/, '')}" not drawn: ${outcome.chart.reason}`]
      : [],
  );
}

/**
 * Publishes each chart as `datasets/<id>/<chart>.svg`, as a PNG of that SVG
 * when the context has a rasterizer (`datasets/<id>/<chart>.png`), and the
 * rows it draws as `datasets/<id>/chart-data/<chart>.csv`. A chart not drawn
 * has a picture saying why at the first two addresses, and the rows it would
 * draw at the third when it was read (over a cap, not over the row window).
 */
export const chartFilesRenderer: SiteRenderer = {
  name: 'charts',
  // One file at a time: a PNG or a chart's rows are made when the file is written, and let go after.
  *render({ datasets, rasterize }) {
    for (const { document, totalRows } of datasets)
      for (const { chart } of chartsOf(document, totalRows)) {
        // A chart not drawn has a picture saying so at the same addresses (see LeftOutChart.svg).
        yield { key: chartKey(document.id, chart.name), body: new TextEncoder().encode(chart.svg) };
        // Drawn only when the store's copy is not already this chart's drawing (the costly file of a site).
        if (rasterize !== undefined) {
          const { svg } = chart;
          yield {
            key: chartImageKey(document.id, chart.name),
            get body() {
              return rasterize(svg);
            },
            current: (existing) => rasterize.drew(existing, svg),
          };
        }
        const csv = chart.csv;
        if (csv !== undefined)
          yield { key: chartDataKey(document.id, chart.name), body: new TextEncoder().encode(csv) };
      }
  },
};

/** A row drawn, with the values the chart read from it. */
interface Mark {
  readonly row: Row;
  readonly flagged: boolean;
  readonly lane: string;
}

type Layout = (drawing: Drawing) => number;

/**
 * A chart ready to be laid out, or one that is not drawn (over a cap, or with nothing to draw), with the
 * reason; then it is neither described nor laid out.
 */
type Plan = ({ readonly description: string; readonly layout: Layout } | { readonly notDrawn: string }) & {
  readonly rows: readonly Row[];
  readonly columns: readonly string[];
};

/**
 * Why values cannot be drawn to scale, or undefined when they can: an axis reaches past the largest
 * value, which overflows past about 1.1e307 (a double's largest is about 1.8e308).
 */
function unscalable(values: readonly number[]): string | undefined {
  const largest = values.reduce((most, value) => Math.max(most, Math.abs(value)), 0);
  return Number.isFinite(largest * 16)
    ? undefined
    : `it holds ${largest.toExponential(3)}, too large for an axis to reach past`;
}

/**
 * The first of a chart's counts that is over its cap, as the reason it is not
 * drawn (`it has 2,000 bars, more than the 60 a chart can show`); undefined
 * when every count is within its cap.
 */
function overCap(
  counts: readonly (readonly [count: number, cap: number, what: string])[],
): string | undefined {
  const over = counts.find(([count, cap]) => count > cap);
  return over === undefined
    ? undefined
    : `it has ${formatNumber(over[0])} ${over[2]}, more than the ${formatNumber(over[1])} a chart can show`;
}

function drawChart(document: DatasetDocument, declaration: ChartDeclaration): ChartOutcome | undefined {
  const plan =
    declaration.kind === 'series'
      ? seriesPlan(document, declaration)
      : declaration.kind === 'timeline'
        ? timelinePlan(document, declaration)
        : barsPlan(document, declaration);
  if (plan === undefined) return undefined;
  const name = `chart-${declaration.name}`;
  const used = [...new Set([...document.primaryKey, ...plan.columns])];
  const columns: Column[] = used.flatMap((column) => {
    const published = document.columns.find((candidate) => candidate.name === column);
    return published === undefined
      ? []
      : [{ name: published.name, type: published.type, required: published.required, schema: {} }];
  });
  // Rendered each time it is read, not kept: the outcomes live as long as the site's rendering, and a
  // chart's rows may hold long text (its drawing is cut to CHART_CAPS.text, its data is not).
  const csv = (): string => renderCsv(columns, plan.rows);
  const leftOut = (reason: string): ChartOutcome => ({
    status: 'left-out',
    chart: leftOutChart(name, declaration.title, reason, csv),
  });
  if ('notDrawn' in plan) return leftOut(plan.notDrawn);
  // Laid out, not yet written out: a layout taller than the cap is dropped before its markup is joined.
  const layOut = (width: number): { drawing: Drawing; height: number } => {
    const drawing = new Drawing(width);
    return { drawing, height: plan.layout(drawing) };
  };
  const wide = layOut(CHART_WIDTHS.wide);
  const narrow = layOut(CHART_WIDTHS.narrow);
  const tallest = Math.ceil(Math.max(wide.height, narrow.height));
  if (tallest > CHART_CAPS.height)
    return leftOut(
      `drawn, it would be ${formatNumber(tallest)} px tall, more than the ${formatNumber(CHART_CAPS.height)} px a chart can be`,
    );
  return {
    status: 'drawn',
    chart: {
      name,
      title: declaration.title,
      description: plan.description,
      svg: wide.drawing.toSvg(name, wide.height, declaration.title, plan.description),
      narrowSvg: narrow.drawing.toSvg(`${name}-narrow`, narrow.height, declaration.title, plan.description),
      get csv() {
        return csv();
      },
    },
  };
}

/** A chart not drawn: why, its rows (rendered each time they are read) when it has any, and a picture saying so. */
function leftOutChart(name: string, title: string, reason: string, csv?: () => string): LeftOutChart {
  const sentence = `Not drawn: ${reason}.`;
  const drawing = new Drawing(CHART_WIDTHS.wide);
  const width = CHART_WIDTHS.wide - 16;
  let y = 8;
  for (const line of wrapText(title, SIZE.strong, width, 2)) {
    drawing.text(8, (y += 20), line, { size: SIZE.strong, weight: 700 });
  }
  y += 6;
  const where =
    csv === undefined
      ? "The values are in the dataset's files."
      : `The values are in chart-data/${name}.csv and in the dataset's files.`;
  for (const line of [...wrapText(sentence, SIZE.body, width, 3), ...wrapText(where, SIZE.body, width, 2)])
    drawing.text(8, (y += 18), line, { size: SIZE.body, fill: MUTED });
  const svg = drawing.toSvg(name, y + 12, title, `${sentence} ${where}`);
  return csv === undefined
    ? { name, title, reason, svg }
    : {
        name,
        title,
        reason,
        svg,
        get csv() {
          return csv();
        },
      };
}

function columnOf(document: DatasetDocument, name: string | undefined): PublishedColumn | undefined {
  return name === undefined ? undefined : document.columns.find((column) => column.name === name);
}

function isNumeric(column: PublishedColumn | undefined): boolean {
  return column?.type === 'integer' || column?.type === 'number';
}

/** The rows a declaration draws: those matching its `where`, in file (primary-key) order. */
function selected(document: DatasetDocument, declaration: ChartDeclaration): Row[] {
  const where = Object.entries(declaration.where ?? {});
  return document.rows.filter((row) => where.every(([column, value]) => row[column] === value));
}

/** Columns named by a declaration that the chart reads, in a stable order. */
function declaredColumns(declaration: ChartDeclaration): string[] {
  const { x, y, series, label, year, precision, flag, facet, readings = [] } = declaration;
  return [x, year, precision, series, label, facet, y, ...readings, flag].filter(
    (column): column is string => column !== undefined,
  );
}

/** A cell's text as a chart states it: cut to {@link CHART_CAPS.text}, with an ellipsis, never inside a character. */
function clip(text: string): string {
  return cutText(text, CHART_CAPS.text);
}

/** Each row once, in the order first met (a row with several readings gives several points). */
function distinctRows(marks: readonly Mark[]): Row[] {
  return [...new Set(marks.map((mark) => mark.row))];
}

function markOf(row: Row, declaration: ChartDeclaration): Mark {
  const lane = declaration.series === undefined ? undefined : row[declaration.series];
  return {
    row,
    flagged: declaration.flag !== undefined && row[declaration.flag] === true,
    lane: lane === undefined ? '' : clip(String(lane)),
  };
}

/** The conflict a flagged row names, by the pipeline's convention (a `conflict` column), for the description. */
function flagNote(mark: Mark): string {
  if (!mark.flagged) return '';
  const conflict = mark.row.conflict;
  return typeof conflict === 'string' ? ` (flagged: ${clip(conflict)})` : ' (flagged)';
}

/** Distinct lanes in first-seen order, each with its colour. */
function lanesOf(marks: readonly Mark[]): Map<string, string> {
  const lanes = new Map<string, string>();
  for (const mark of marks) {
    if (!lanes.has(mark.lane))
      lanes.set(mark.lane, PALETTE[Math.min(lanes.size, CHART_CAPS.colours - 1)] ?? INK);
  }
  return lanes;
}

/** Legend entries flowed into rows across the width; returns the height used. */
function legend(
  drawing: Drawing,
  top: number,
  entries: readonly { readonly label: string; readonly swatch: (x: number, y: number) => string }[],
): number {
  const style: TextStyle = { size: SIZE.small, fill: INK };
  const rowH = 20;
  let [xPos, yPos] = [8, top + 14];
  for (const entry of entries) {
    const text = fitText(entry.label, style.size, drawing.width - 40);
    const width = 22 + textWidth(text, style.size) + 16;
    if (xPos > 8 && xPos + width > drawing.width) [xPos, yPos] = [8, yPos + rowH];
    drawing.shape(entry.swatch(xPos + 7, yPos - 4));
    drawing.text(xPos + 20, yPos, text, style);
    xPos += width;
  }
  return entries.length === 0 ? top : yPos + 10;
}

const circle =
  (colour: string, filled = true) =>
  (cx: number, cy: number) =>
    `<circle cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="5" fill="${filled ? colour : '#fff'}" stroke="${colour}" stroke-width="2"/>`;
const diamond = (cx: number, cy: number, size = 6.5): string =>
  `<path d="M${cx.toFixed(1)} ${(cy - size).toFixed(1)}l${size} ${size}l${-size} ${size}l${-size} ${-size}z" fill="#fff" stroke="${FLAG}" stroke-width="2.5"/>`;

function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10])
    if (factor * step >= value) return factor * step;
  return 10 * step;
}

// ---------------------------------------------------------------------------------------------
// series: a number per year, one line per series

interface Point extends Mark {
  readonly year: number;
  readonly value: number;
  /** The column the value comes from, when its row gives more than one reading (`y` and `readings`). */
  readonly column?: string;
}

/**
 * One point per number a row holds in `y` and in each of the declaration's
 * `readings`: the other readings of the same figure, where the source
 * contradicts itself and the table keeps each reading in a column of its own.
 */
function seriesPoints(document: DatasetDocument, declaration: ChartDeclaration): Point[] | undefined {
  const xColumn = columnOf(document, declaration.x);
  if (xColumn?.type !== 'integer' || !isNumeric(columnOf(document, declaration.y))) return undefined;
  const readings = (declaration.readings ?? []).map((name) => columnOf(document, name));
  if (readings.some((column) => !isNumeric(column))) return undefined;
  const columns = [declaration.y ?? '', ...readings.flatMap((column) => column?.name ?? [])];
  return selected(document, declaration)
    .filter((row) => typeof row[declaration.x] === 'number')
    .flatMap((row) => {
      const year = row[declaration.x] as number;
      const given = columns.filter((name) => typeof row[name] === 'number');
      return given.map((name): Point => ({
        ...markOf(row, declaration),
        year,
        value: row[name] as number,
        ...(given.length > 1 ? { column: name } : {}),
      }));
    })
    .sort((a, b) => a.year - b.year || a.value - b.value);
}

/** How a point is named in the description and its tooltip: its value, which reading, whether flagged. */
function pointNote(point: Point): string {
  return `${formatNumber(point.value)}${point.column === undefined ? '' : ` in ${point.column}`}${flagNote(point)}`;
}

function seriesPlan(document: DatasetDocument, declaration: ChartDeclaration): Plan | undefined {
  const points = seriesPoints(document, declaration);
  if (points === undefined) return undefined;
  if (points.length < 2)
    return {
      notDrawn:
        points.length === 0
          ? `no row has a value in ${declaration.y ?? ''} to draw`
          : `it has 1 point, and a line needs at least 2`,
      rows: distinctRows(points),
      columns: declaredColumns(declaration),
    };
  const unscaled = unscalable(points.map((point) => point.value));
  if (unscaled !== undefined)
    return { notDrawn: unscaled, rows: distinctRows(points), columns: declaredColumns(declaration) };
  const lanes = lanesOf(points);
  const over = overCap([
    [points.length, CHART_CAPS.points, 'points'],
    [lanes.size, CHART_CAPS.lanes, `lines (values of ${declaration.series ?? ''})`],
  ]);
  if (over !== undefined)
    return { notDrawn: over, rows: distinctRows(points), columns: declaredColumns(declaration) };
  const unit = declaration.unit === undefined ? '' : ` ${declaration.unit}`;
  const stated = [...lanes.keys()]
    .map((lane) => {
      const these = points.filter((point) => point.lane === lane);
      const values = these.map((point) => `${point.year}: ${pointNote(point)}`);
      return `${lane === '' ? '' : `${lane}: `}${values.join('; ')}`;
    })
    .join('. ');
  const disputed = [...new Set(points.filter((point) => point.flagged).map((point) => point.year))];
  const description =
    // The unit is named once: titles often end with it already ("…, million USD").
    `${declaration.title}${unit === '' || declaration.title.includes(unit.trim()) ? '' : ` (${declaration.unit ?? ''})`}, by ${declaration.x}. ${stated}.` +
    (disputed.length > 0
      ? ` The source gives conflicting values for ${disputed.join(', ')}; every reading is drawn as a flagged marker and none is preferred.`
      : '');
  return {
    description,
    rows: distinctRows(points),
    columns: declaredColumns(declaration),
    layout: (drawing) => seriesLayout(drawing, points, lanes, declaration),
  };
}

function seriesLayout(
  drawing: Drawing,
  points: readonly Point[],
  lanes: ReadonlyMap<string, string>,
  declaration: ChartDeclaration,
): number {
  const narrow = drawing.width < 500;
  const hasFlags = points.some((point) => point.flagged);
  const top = legend(drawing, 0, [
    ...[...lanes].map(([lane, colour]) => ({
      label: lane === '' ? declaration.title : lane,
      swatch: circle(colour),
    })),
    ...(hasFlags
      ? [
          {
            label: 'conflicting readings (flagged)',
            swatch: (cx: number, cy: number) => diamond(cx, cy, 5.5),
          },
        ]
      : []),
  ]);
  const unitTop = top + 16;
  if (declaration.unit !== undefined)
    drawing.text(8, unitTop, fitText(declaration.unit, SIZE.small, drawing.width - 16), {
      size: SIZE.small,
      fill: MUTED,
    });

  // The horizontal axis follows the points: one step per year that has figures, and a fixed, shaded
  // step for a run of years without any, so a long gap neither hides the later years nor costs work.
  const years = [...new Set(points.map((point) => point.year))];
  const gapSteps = narrow ? 2.2 : 2;
  const slots = new Map<number, number>();
  const gaps: { first: number; last: number; from: number; to: number }[] = [];
  let slot = 0;
  years.forEach((year, index) => {
    const before = years[index - 1];
    if (before !== undefined) {
      if (year - before > 1) {
        gaps.push({ first: before + 1, last: year - 1, from: slot + 0.5, to: slot + gapSteps - 0.5 });
        slot += gapSteps;
      } else slot += 1;
    }
    slots.set(year, slot);
  });
  const values = points.map((point) => point.value);
  const low = Math.min(0, ...values);
  const high = niceCeiling(Math.max(...values) * 1.08);
  const span = high - (low < 0 ? -niceCeiling(-low) : 0);
  const bottomValue = high - span;
  const ticks = narrow ? 4 : 5;
  const tickText = (i: number): string => formatNumber(bottomValue + (span / ticks) * i);
  const tickWidth = Math.max(
    ...Array.from({ length: ticks + 1 }, (_, i) => textWidth(tickText(i), SIZE.small)),
  );
  const plot = {
    left: 8 + tickWidth + 8,
    right: drawing.width - 12,
    top: unitTop + 14,
    bottom: unitTop + 14 + (narrow ? 230 : 270),
  };
  const inset = 16;
  const px = (year: number): number =>
    plot.left + inset + ((slots.get(year) ?? 0) / Math.max(1, slot)) * (plot.right - plot.left - 2 * inset);
  const pxSlot = (at: number): number =>
    plot.left + inset + (at / Math.max(1, slot)) * (plot.right - plot.left - 2 * inset);
  const py = (value: number): number =>
    plot.bottom - ((value - bottomValue) / span) * (plot.bottom - plot.top);

  const marked = gaps.length <= CHART_CAPS.gapMarkers ? gaps : [];
  const gapBoxes = marked.map((gap) => ({ x1: pxSlot(gap.from), x2: pxSlot(gap.to) }));
  for (const box of gapBoxes)
    drawing.shape(
      `<rect x="${box.x1.toFixed(1)}" y="${plot.top}" width="${(box.x2 - box.x1).toFixed(1)}" height="${plot.bottom - plot.top}" fill="#eef1f4"/>`,
    );
  // Grid lines stop at the shaded gaps, so the gap's own label sits on a clean ground.
  for (let i = 0; i <= ticks; i++) {
    const yLine = py(bottomValue + (span / ticks) * i);
    let from = plot.left;
    for (const box of gapBoxes) {
      drawing.line(from, yLine, box.x1, yLine, `stroke="${i === 0 ? MUTED : GRID}"`);
      from = box.x2;
    }
    drawing.line(from, yLine, plot.right, yLine, `stroke="${i === 0 ? MUTED : GRID}"`);
    drawing.text(plot.left - 6, yLine + 4, tickText(i), { size: SIZE.small, anchor: 'end', fill: MUTED });
  }
  // Consecutive years are joined: solid between unflagged readings, dashed where a reading is disputed.
  for (const [lane, colour] of lanes) {
    const these = points.filter((point) => point.lane === lane);
    for (const year of new Set(these.map((point) => point.year))) {
      const now = these.filter((point) => point.year === year);
      const next = these.filter((point) => point.year === year + 1);
      if (now.length * next.length > CHART_CAPS.joinsPerYearPair) continue;
      for (const a of now)
        for (const b of next) {
          const disputed = a.flagged || b.flagged;
          drawing.line(
            px(a.year),
            py(a.value),
            px(b.year),
            py(b.value),
            `stroke="${disputed ? FLAG : colour}" stroke-width="2"${disputed ? ' stroke-dasharray="5 4"' : ''}`,
          );
        }
    }
  }
  for (const point of points) {
    const [cx, cy] = [px(point.year), py(point.value)];
    const tip = `${point.lane === '' ? '' : `${point.lane}, `}${point.year}: ${pointNote(point)}`;
    const box = { x1: cx - 7, y1: cy - 7, x2: cx + 7, y2: cy + 7 };
    drawing.shape(
      point.flagged
        ? diamond(cx, cy).replace('/>', `><title>${escapeXml(tip)}</title></path>`)
        : circle(lanes.get(point.lane) ?? INK)(cx, cy).replace(
            '/>',
            `><title>${escapeXml(tip)}</title></circle>`,
          ),
      box,
    );
  }
  // Year labels under the axis, left to right, each only where it does not run into the one before.
  // The first and last years are placed first, so the axis always shows where it starts and ends.
  const yearOrder = [...new Set([years[0], years.at(-1), ...years])].filter((year) => year !== undefined);
  for (const year of yearOrder)
    drawing.label([{ x: px(year), y: plot.bottom + 18 }], String(year), {
      size: SIZE.small,
      anchor: 'middle',
      fill: MUTED,
    });
  const unlabelled: string[] = [];
  for (const [index, gap] of marked.entries()) {
    const box = gapBoxes[index];
    if (box === undefined) continue;
    const middle = (box.x1 + box.x2) / 2;
    const range = gap.first === gap.last ? String(gap.first) : `${gap.first}–${gap.last}`;
    const y = (plot.top + plot.bottom) / 2;
    const style: TextStyle = { size: SIZE.small, anchor: 'middle', fill: MUTED };
    // Both lines or neither: a range on its own would read as a value.
    const lines = [
      { x: middle, y: y - 8, text: 'no figures' },
      { x: middle, y: y + 10, text: range },
    ];
    if (lines.every((line) => drawing.isFree(textBox(line.x, line.y, line.text, style))))
      for (const line of lines) drawing.text(line.x, line.y, line.text, style);
    else unlabelled.push(range);
  }
  // Value labels: disputed readings first, then the rest; each beside its marker where it is free.
  const order = [...points].sort((a, b) => Number(b.flagged) - Number(a.flagged));
  for (const point of order) {
    const [cx, cy] = [px(point.year), py(point.value)];
    const content = `${point.flagged ? '⚠ ' : ''}${formatNumber(point.value)}`;
    const style: TextStyle = {
      size: SIZE.small,
      anchor: 'middle',
      weight: point.flagged ? 700 : 400,
      fill: point.flagged ? FLAG : INK,
    };
    drawing.label(labelSpots(cx, cy), content, style);
  }
  let height = plot.bottom + 30;
  if (unlabelled.length > 0) {
    drawing.text(
      8,
      height + 4,
      fitText(`Shaded: no figures for ${unlabelled.join(', ')}`, SIZE.small, drawing.width - 16),
      {
        size: SIZE.small,
        fill: MUTED,
      },
    );
    height += 16;
  }
  if (gaps.length > CHART_CAPS.gapMarkers) {
    drawing.text(
      8,
      height,
      fitText(`${gaps.length} spans of years without figures are not marked`, SIZE.small, drawing.width - 16),
      {
        size: SIZE.small,
        fill: MUTED,
      },
    );
    height += 12;
  }
  return height;
}

/** Places to try for a value label, nearest to its marker first: above, below, beside, then further out. */
function labelSpots(cx: number, cy: number): { x: number; y: number; anchor: 'start' | 'middle' | 'end' }[] {
  const spots: { x: number; y: number; anchor: 'start' | 'middle' | 'end' }[] = [];
  for (const d of [0, 9, 18, 30]) {
    spots.push(
      { x: cx, y: cy - 11 - d, anchor: 'middle' },
      { x: cx, y: cy + 22 + d, anchor: 'middle' },
      { x: cx + 10 + d, y: cy + 4, anchor: 'start' },
      { x: cx - 10 - d, y: cy + 4, anchor: 'end' },
      { x: cx + 8, y: cy - 10 - d, anchor: 'start' },
      { x: cx - 8, y: cy - 10 - d, anchor: 'end' },
      { x: cx + 8, y: cy + 20 + d, anchor: 'start' },
      { x: cx - 8, y: cy + 20 + d, anchor: 'end' },
    );
  }
  return spots;
}

// ---------------------------------------------------------------------------------------------
// timeline: dated events, grouped by year, one line each

interface Event extends Mark {
  readonly year: number;
  /** Sort key within the year: month and day where known. */
  readonly when: number;
  readonly date: string;
  readonly text: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function eventOf(row: Row, document: DatasetDocument, declaration: ChartDeclaration): Event | undefined {
  const value = row[declaration.x];
  const yearValue = declaration.year === undefined ? undefined : row[declaration.year];
  const precision = declaration.precision === undefined ? undefined : row[declaration.precision];
  const match = typeof value === 'string' ? /^(-?\d{1,12})-(\d{2})-(\d{2})$/.exec(value) : null;
  let year: number | undefined;
  let month: number | undefined;
  let day: number | undefined;
  if (match !== null) {
    [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else if (typeof value === 'number') year = value;
  if (year === undefined && typeof yearValue === 'number') year = yearValue;
  if (year === undefined) return undefined;
  // A month known without its day is read from a `month` column, the curated datasets' convention.
  const monthColumn = row.month;
  if (month === undefined && typeof monthColumn === 'number' && columnOf(document, 'month') !== undefined)
    month = monthColumn;
  const known =
    typeof precision === 'string'
      ? precision
      : match !== null
        ? 'day'
        : month !== undefined
          ? 'month'
          : 'year';
  const shownMonth =
    month !== undefined && month >= 1 && month <= 12 && known !== 'year' ? MONTHS[month - 1] : undefined;
  const date =
    known === 'day' && shownMonth !== undefined && day !== undefined
      ? `${day} ${shownMonth}`
      : (known === 'month' || known === 'month-day') && shownMonth !== undefined
        ? shownMonth
        : '';
  const label = declaration.label === undefined ? undefined : row[declaration.label];
  const mark = markOf(row, declaration);
  return {
    ...mark,
    year,
    when: (shownMonth === undefined ? 13 : (month ?? 13)) * 40 + (known === 'day' ? (day ?? 0) : 0),
    date,
    text: clip(label === undefined ? (mark.lane === '' ? String(value ?? year) : mark.lane) : String(label)),
  };
}

function timelinePlan(document: DatasetDocument, declaration: ChartDeclaration): Plan | undefined {
  const xColumn = columnOf(document, declaration.x);
  if (
    xColumn === undefined ||
    (xColumn.type !== 'date' && xColumn.type !== 'integer' && xColumn.type !== 'string')
  )
    return undefined;
  const rows = selected(document, declaration);
  const events = rows
    .map((row) => eventOf(row, document, declaration))
    .filter((event): event is Event => event !== undefined)
    .sort((a, b) => a.year - b.year || a.when - b.when || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  if (events.length === 0)
    return {
      notDrawn: `no row has a date or year to place`,
      rows: [],
      columns: declaredColumns(declaration),
    };
  const undated = rows.length - events.length;
  const lanes = lanesOf(events);
  const over = overCap([
    [events.length, CHART_CAPS.entries, 'dated entries'],
    [lanes.size, CHART_CAPS.lanes, `lanes (values of ${declaration.series ?? ''})`],
  ]);
  if (over !== undefined)
    return { notDrawn: over, rows: events.map((event) => event.row), columns: declaredColumns(declaration) };
  const years = [...new Set(events.map((event) => event.year))];
  const description =
    `${declaration.title}: ${events.length} dated entries from ${years[0] ?? ''} to ${years.at(-1) ?? ''}` +
    `${undated > 0 ? `, and ${undated} without a date` : ''}. ` +
    years
      .map(
        (year) =>
          `${year}: ${events
            .filter((event) => event.year === year)
            .map(
              (event) =>
                `${event.date === '' ? '' : `${event.date}, `}${event.text}${event.lane !== '' && event.lane !== event.text ? ` (${event.lane})` : ''}${flagNote(event)}`,
            )
            .join('; ')}`,
      )
      .join('. ') +
    '.';
  return {
    description,
    rows: events.map((event) => event.row),
    columns: declaredColumns(declaration),
    layout: (drawing) => timelineLayout(drawing, events, lanes, undated),
  };
}

function timelineLayout(
  drawing: Drawing,
  events: readonly Event[],
  lanes: ReadonlyMap<string, string>,
  undated: number,
): number {
  const hasFlags = events.some((event) => event.flagged);
  let y = legend(drawing, 0, [
    ...(lanes.size > 1 || [...lanes.keys()][0] !== ''
      ? [...lanes].map(([lane, colour]) => ({ label: lane, swatch: circle(colour) }))
      : []),
    ...(hasFlags
      ? [
          {
            label: 'flagged: the source is in doubt here',
            swatch: (cx: number, cy: number) => diamond(cx, cy, 5.5),
          },
        ]
      : []),
  ]);
  y += 8;
  const years = [...new Set(events.map((event) => event.year))];
  const yearStyle: TextStyle = { size: SIZE.strong, weight: 700 };
  const yearW = Math.min(
    drawing.width / 3,
    Math.max(...years.map((year) => textWidth(String(year), SIZE.strong, 700))),
  );
  const rule = 8 + yearW + 8;
  const dateW = Math.max(0, ...events.map((event) => textWidth(event.date, SIZE.body)));
  const markX = rule + 12;
  const dateX = markX + 12;
  const textX = dateX + (dateW === 0 ? 0 : dateW + 8);
  const lineH = 22;
  const style: TextStyle = { size: SIZE.body };
  years.forEach((year, index) => {
    const before = years[index - 1];
    if (before !== undefined && year - before > 1) {
      const range = year - before === 2 ? String(before + 1) : `${before + 1}–${year - 1}`;
      drawing.text(markX, y + 12, fitText(`no entries ${range}`, SIZE.small, drawing.width - markX - 8), {
        size: SIZE.small,
        fill: MUTED,
      });
      y += 20;
    }
    const these = events.filter((event) => event.year === year);
    drawing.text(8, y + 15, fitText(String(year), SIZE.strong, yearW, 700), yearStyle);
    const groupTop = y;
    for (const event of these) {
      const cy = y + 11;
      const colour = lanes.get(event.lane) ?? INK;
      const tip = `${year}${event.date === '' ? '' : ` ${event.date}`}: ${event.text}${event.lane !== '' && event.lane !== event.text ? ` (${event.lane})` : ''}${flagNote(event)}`;
      drawing.shape(
        event.flagged
          ? diamond(markX, cy, 6).replace('/>', `><title>${escapeXml(tip)}</title></path>`)
          : circle(colour)(markX, cy).replace('/>', `><title>${escapeXml(tip)}</title></circle>`),
      );
      if (event.date !== '') drawing.text(dateX, cy + 5, event.date, { size: SIZE.body, fill: MUTED });
      // A long name takes a second line rather than being cut early; a third is never needed for a reader.
      const suffix = event.flagged ? ' ⚠' : '';
      const room = drawing.width - textX - 8 - textWidth(suffix, SIZE.body);
      const lines = wrapText(event.text, SIZE.body, room, 2);
      lines.forEach((line, index) => {
        const last = index === lines.length - 1;
        drawing.text(
          textX,
          cy + 5 + index * 16,
          `${line}${last ? suffix : ''}`,
          { ...style, fill: event.flagged ? FLAG : INK },
          tip,
        );
      });
      y += lineH + (lines.length - 1) * 16;
    }
    drawing.line(rule, groupTop + 3, rule, y - 3, `stroke="${GRID}" stroke-width="3"`);
    y += 8;
  });
  if (undated > 0) {
    drawing.text(
      8,
      y + 14,
      fitText(`${undated} more without a date (see the table below)`, SIZE.small, drawing.width - 16),
      {
        size: SIZE.small,
        fill: MUTED,
      },
    );
    y += 22;
  }
  return y + 6;
}

// ---------------------------------------------------------------------------------------------
// bars: a number per category, in panels by facet

interface Bar extends Mark {
  readonly label: string;
  readonly value: number;
  readonly facet: string;
}

function barsPlan(document: DatasetDocument, declaration: ChartDeclaration): Plan | undefined {
  if (columnOf(document, declaration.x) === undefined || !isNumeric(columnOf(document, declaration.y)))
    return undefined;
  const yName = declaration.y ?? '';
  const bars: Bar[] = selected(document, declaration)
    .filter((row) => typeof row[yName] === 'number')
    .map((row) => {
      const mark = markOf(row, declaration);
      const name = row[declaration.x];
      const facet = declaration.facet === undefined ? undefined : row[declaration.facet];
      const fallback = document.primaryKey.map((key) => String(row[key] ?? '')).join(' / ');
      return {
        ...mark,
        label: `${clip(name === undefined ? fallback : String(name))}${mark.lane === '' ? '' : ` (${mark.lane})`}`,
        value: row[yName] as number,
        facet: facet === undefined ? '' : clip(String(facet)),
      };
    });
  if (bars.length === 0)
    return {
      notDrawn: `no row has a value in ${yName} to draw`,
      rows: [],
      columns: declaredColumns(declaration),
    };
  const unscaled = unscalable(bars.map((bar) => bar.value));
  if (unscaled !== undefined)
    return { notDrawn: unscaled, rows: bars.map((bar) => bar.row), columns: declaredColumns(declaration) };
  const facets = [...new Set(bars.map((bar) => bar.facet))];
  const over = overCap([
    [bars.length, CHART_CAPS.bars, 'bars'],
    [facets.length, CHART_CAPS.panels, `panels (values of ${declaration.facet ?? ''})`],
  ]);
  if (over !== undefined)
    return { notDrawn: over, rows: bars.map((bar) => bar.row), columns: declaredColumns(declaration) };
  const unit = declaration.unit === undefined ? '' : ` ${declaration.unit}`;
  const description =
    `${declaration.title}. ` +
    facets
      .map(
        (facet) =>
          `${facet === '' ? '' : `In ${facet}: `}${bars
            .filter((bar) => bar.facet === facet)
            .map((bar) => `${bar.label}: ${formatNumber(bar.value)}${unit}${flagNote(bar)}`)
            .join('; ')}`,
      )
      .join('. ') +
    '.';
  return {
    description,
    rows: bars.map((bar) => bar.row),
    columns: declaredColumns(declaration),
    layout: (drawing) => barsLayout(drawing, bars, facets),
  };
}

function barsLayout(drawing: Drawing, bars: readonly Bar[], facets: readonly string[]): number {
  let y = 6;
  const barH = 20;
  for (const facet of facets) {
    const these = bars.filter((bar) => bar.facet === facet).sort((a, b) => b.value - a.value);
    if (facet !== '') {
      drawing.text(8, y + 16, fitText(facet, SIZE.strong, drawing.width - 16, 700), {
        size: SIZE.strong,
        weight: 700,
      });
      y += 26;
    }
    const max = Math.max(...these.map((bar) => Math.abs(bar.value)), 0);
    const valueW = Math.max(
      ...these.map((bar) =>
        textWidth(`${bar.flagged ? '⚠ ' : ''}${formatNumber(bar.value)}`, SIZE.body, 700),
      ),
    );
    const room = drawing.width - 8 - 8 - valueW - 8;
    for (const bar of these) {
      const tip = `${bar.label}: ${formatNumber(bar.value)}${flagNote(bar)}`;
      for (const line of wrapText(bar.label, SIZE.body, drawing.width - 16, 2)) {
        drawing.text(8, y + 14, line, { size: SIZE.body }, tip);
        y += 17;
      }
      y -= 17;
      const w = max === 0 ? 2 : Math.max(2, (Math.abs(bar.value) / max) * room);
      const colour = bar.flagged ? FLAG : (PALETTE[0] ?? INK);
      drawing.shape(
        `<rect x="8" y="${(y + 20).toFixed(1)}" width="${w.toFixed(1)}" height="${barH}" fill="${colour}"><title>${escapeXml(tip)}</title></rect>`,
        { x1: 8, y1: y + 20, x2: 8 + w, y2: y + 20 + barH },
      );
      drawing.text(8 + w + 6, y + 20 + barH / 2 + 5, `${bar.flagged ? '⚠ ' : ''}${formatNumber(bar.value)}`, {
        size: SIZE.body,
        weight: 700,
        fill: bar.flagged ? FLAG : INK,
      });
      y += 20 + barH + 12;
    }
    y += 6;
  }
  return y;
}
