import { escapeXml as x, showHiddenCharacters } from './html.js';

/**
 * A small SVG drawing surface that remembers where its text and lines are, so
 * a label is placed only where it overlaps no other text and crosses no line
 * (a label that fits nowhere is left out: every value is also in the chart's
 * table and CSV). Text extents are estimated from DejaVu Sans, the widest of
 * the common sans-serif faces (Debian's default), with bold metrics for every
 * weight, so the estimate is an upper bound for the faces a reader's browser
 * picks instead.
 */

/** A rectangle in the drawing's user units: left, top, right, bottom. */
export interface Box {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/** How a piece of text is set. */
export interface TextStyle {
  readonly size: number;
  readonly anchor?: 'start' | 'middle' | 'end';
  readonly weight?: number;
  readonly fill?: string;
}

/** The ink colour of text and axes. */
export const INK = '#1b1f24';
/** Secondary text: at least 4.5:1 on white. */
export const MUTED = '#4a525c';
/** Grid lines. */
export const GRID = '#d0d5db';
/** Flagged (disputed) readings: at least 4.5:1 on white. */
export const FLAG = '#b54708';
/** Series colours, each at least 4.5:1 on white and apart in hue. */
export const PALETTE = ['#0b5cad', '#6b3fa0', '#1a7f37', '#8a4b08', '#a3195b', '#0e6e78'] as const;

/** Width of one character in ems, an upper bound over DejaVu Sans (the widest common face) and narrower ones. */
function charWidth(char: string): number {
  if (/[0-9]/.test(char)) return 0.66;
  if (/[ .,:;'|!]/.test(char)) return 0.36;
  if (/[ijltfr()[\]\-/]/.test(char)) return 0.46;
  if (/[mwMW]/.test(char)) return 1.02;
  if (/[A-Z]/.test(char)) return 0.8;
  if (/[a-z]/.test(char)) return 0.65;
  return 1.1;
}

/** Bold glyphs are up to a tenth wider. */
const BOLD = 1.1;

/** The estimated advance width of a line of text, as the reader will see it (hidden characters shown as marks). */
export function textWidth(text: string, size: number, weight = 400): number {
  let width = 0;
  for (const char of showHiddenCharacters(text)) width += charWidth(char);
  return width * size * (weight >= 600 ? BOLD : 1);
}

/** Text broken at spaces into at most `maxLines` lines of a width, the last cut with an ellipsis if need be. */
export function wrapText(text: string, size: number, maxWidth: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  const words = showHiddenCharacters(text).split(/\s+/);
  for (const [index, word] of words.entries()) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (textWidth(candidate, size) <= maxWidth || line === '') {
      line = candidate;
      continue;
    }
    if (lines.length === maxLines - 1) {
      lines.push(fitText(`${line} ${words.slice(index).join(' ')}`, size, maxWidth));
      return lines;
    }
    lines.push(line);
    line = word;
  }
  lines.push(fitText(line, size, maxWidth));
  return lines;
}

/** The text cut (with an ellipsis) to fit a width; the whole text when it fits. */
export function fitText(text: string, size: number, maxWidth: number, weight = 400): string {
  const shown = showHiddenCharacters(text);
  if (textWidth(shown, size, weight) <= maxWidth) return shown;
  const chars = [...shown];
  let width = textWidth('…', size, weight);
  let kept = '';
  for (const char of chars) {
    const next = textWidth(char, size, weight);
    if (width + next > maxWidth) break;
    width += next;
    kept += char;
  }
  return `${kept.trimEnd()}…`;
}

/** The box a line of text occupies: from above its tallest glyph to below its descenders. */
export function textBox(xPos: number, yPos: number, text: string, style: TextStyle): Box {
  const width = textWidth(text, style.size, style.weight);
  const anchor = style.anchor ?? 'start';
  const x1 = anchor === 'start' ? xPos : anchor === 'middle' ? xPos - width / 2 : xPos - width;
  return { x1, y1: yPos - 0.98 * style.size, x2: x1 + width, y2: yPos + 0.28 * style.size };
}

function overlaps(a: Box, b: Box): boolean {
  return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
}

/** True when the segment from (x1, y1) to (x2, y2) passes through the box (Liang–Barsky clipping). */
export function segmentCrosses(box: Box, x1: number, y1: number, x2: number, y2: number): boolean {
  const dx = x2 - x1;
  const dy = y2 - y1;
  let t0 = 0;
  let t1 = 1;
  const edges: [number, number][] = [
    [-dx, x1 - box.x1],
    [dx, box.x2 - x1],
    [-dy, y1 - box.y1],
    [dy, box.y2 - y1],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return false;
  }
  return true;
}

const f = (value: number): string => value.toFixed(1);

/** An SVG under construction: markup in drawing order, plus the boxes and lines placed so far. */
export class Drawing {
  private readonly parts: string[] = [];
  private readonly boxes: Box[] = [];
  private readonly segments: (readonly [number, number, number, number])[] = [];

  constructor(readonly width: number) {}

  /** Markup that holds neither text nor a line (rectangles, markers drawn by the caller). */
  shape(markup: string, occupies?: Box): void {
    this.parts.push(markup);
    if (occupies !== undefined) this.boxes.push(occupies);
  }

  /** A straight line; no label will cross it. */
  line(x1: number, y1: number, x2: number, y2: number, attributes: string): void {
    this.parts.push(`<line x1="${f(x1)}" y1="${f(y1)}" x2="${f(x2)}" y2="${f(y2)}" ${attributes}/>`);
    this.segments.push([x1, y1, x2, y2]);
  }

  /** True when text in this box would stay inside the drawing, on no other text and across no line. */
  isFree(box: Box): boolean {
    if (box.x1 < 0 || box.x2 > this.width || box.y1 < 0) return false;
    const padded = { x1: box.x1 - 1, y1: box.y1 - 1, x2: box.x2 + 1, y2: box.y2 + 1 };
    return (
      !this.boxes.some((other) => overlaps(padded, other)) &&
      !this.segments.some(([x1, y1, x2, y2]) => segmentCrosses(padded, x1, y1, x2, y2))
    );
  }

  /**
   * Sets text at the first of the candidate positions where it is free (see
   * {@link isFree}); returns false, drawing nothing, when none is.
   */
  label(
    candidates: readonly { readonly x: number; readonly y: number; readonly anchor?: TextStyle['anchor'] }[],
    content: string,
    style: TextStyle,
    tooltip?: string,
  ): boolean {
    for (const candidate of candidates) {
      const placed = { ...style, anchor: candidate.anchor ?? style.anchor };
      const box = textBox(candidate.x, candidate.y, content, placed);
      if (!this.isFree(box)) continue;
      this.put(candidate.x, candidate.y, content, placed, box, tooltip);
      return true;
    }
    return false;
  }

  /** Sets text where the layout has reserved room for it (titles, axis labels, legend). */
  text(xPos: number, yPos: number, content: string, style: TextStyle, tooltip?: string): void {
    this.put(xPos, yPos, content, style, textBox(xPos, yPos, content, style), tooltip);
  }

  private put(xPos: number, yPos: number, content: string, style: TextStyle, box: Box, tip?: string): void {
    const anchor = style.anchor ?? 'start';
    this.boxes.push(box);
    this.parts.push(
      `<text x="${f(xPos)}" y="${f(yPos)}" font-size="${style.size}"` +
        (anchor === 'start' ? '' : ` text-anchor="${anchor}"`) +
        (style.weight === undefined ? '' : ` font-weight="${style.weight}"`) +
        ` fill="${style.fill ?? INK}">${x(content)}${tip === undefined ? '' : `<title>${x(tip)}</title>`}</text>`,
    );
  }

  /** The drawing as a standalone SVG document (also inlined in the page). */
  toSvg(id: string, height: number, title: string, description: string): string {
    const h = Math.ceil(height);
    return (
      `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${this.width} ${h}" width="${this.width}" height="${h}" ` +
      `role="img" aria-labelledby="${id}-title ${id}-desc" ` +
      `font-family="DejaVu Sans,system-ui,-apple-system,Segoe UI,Roboto,sans-serif">` +
      `<title id="${id}-title">${x(title)}</title><desc id="${id}-desc">${x(description)}</desc>` +
      `<rect width="${this.width}" height="${h}" fill="#fff"/>${this.parts.join('')}</svg>\n`
    );
  }
}

/**
 * A number as a reader expects it: thousands separated by commas, at most two
 * decimals (`1,600,000`, `220.54`), and an ASCII minus so a copied value still
 * pastes as a number.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  // Rounded to two decimals only where a double still holds them: from 1e15 on, value × 100 / 100 is not
  // the value (-1e21 came back as -999,999,999,999,999,900,000, and 1.7e308 as Infinity).
  const rounded = Math.abs(value) < 1e15 ? Math.round(value * 100) / 100 : value;
  // Past what two decimals can show (1e-7 would read 0) and from 1e21 on, the value as JavaScript writes it.
  if (Math.abs(rounded) >= 1e21 || (rounded === 0 && value !== 0)) return String(value);
  const [whole = '', fraction] = Math.abs(rounded).toString().split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${rounded < 0 ? '-' : ''}${grouped}${fraction === undefined ? '' : `.${fraction}`}`;
}
