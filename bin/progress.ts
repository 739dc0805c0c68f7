/**
 * The progress line of `opendata publish` and `validate` on a terminal: the
 * phase, the dataset, rows so far and rows per second, redrawn in place on
 * one line of standard error a few times a second at most, and erased when
 * the run ends so that the report that follows reads as it does without it.
 * Off the terminal (a pipe, a file, CI) nothing is written at all.
 */
import type { ProgressEvent, ProgressListener } from '../lambda/core/pipeline.js';
import { forTerminal } from './terminal-text.js';

/** Where the line goes: standard error, or a test's stand-in for it. */
export interface ProgressStream {
  /** True only on a terminal: nothing is drawn elsewhere. */
  readonly isTTY?: boolean;
  /** The terminal's width; the line is cut to fit, since a wrapped line cannot be redrawn in place. */
  readonly columns?: number;
  write(text: string): unknown;
}

/** How often the line may be redrawn at most, by default (four times a second). */
export const PROGRESS_INTERVAL_MS = 250;

/** Carriage return, then erase the line (ECMA-48 EL 2): the cursor is back at column 1 of a blank line. */
const CLEAR_LINE = '\r\u001b[2K';

/** Rates are shown once a phase has run this long: before, a few rows over a few milliseconds say nothing. */
const RATE_AFTER_MS = 200;

const numbers = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The progress display for `stream`, or `undefined` where there must be none:
 * `stream` is not a terminal, `CI` is set (as CI services set it, to anything
 * but `false` or `0`), or `TERM` is `dumb`. `OPEN_DATA_PROGRESS_MS` sets how
 * often the line may be redrawn (default {@link PROGRESS_INTERVAL_MS}; `0`
 * redraws on every event).
 */
export function terminalProgress(stream: ProgressStream, env: Env): TerminalProgress | undefined {
  if (stream.isTTY !== true) return undefined;
  const ci = env.CI;
  if ((ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0') || env.TERM === 'dumb')
    return undefined;
  const given = env.OPEN_DATA_PROGRESS_MS;
  const intervalMs = given !== undefined && /^\d{1,6}$/.test(given) ? Number(given) : PROGRESS_INTERVAL_MS;
  return new TerminalProgress(stream, { intervalMs });
}

/** What the line shows now, and since when its phase has run. */
interface Shown {
  readonly event: ProgressEvent;
  readonly phaseStartedAt: number;
}

/**
 * One progress line, fed {@link ProgressEvent}s through {@link listener}.
 * Events may come thousands of times a second; the line is redrawn at most
 * once per interval, and an event that comes too soon is drawn when the
 * interval is over (so a long phase without events does not show the one
 * before it).
 */
export class TerminalProgress {
  readonly #stream: ProgressStream;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #shown: Shown | undefined;
  #lastDrawAt = Number.NEGATIVE_INFINITY;
  #drawn = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #finished = false;

  constructor(
    stream: ProgressStream,
    options: { readonly intervalMs?: number; readonly now?: () => number } = {},
  ) {
    this.#stream = stream;
    this.#intervalMs = options.intervalMs ?? PROGRESS_INTERVAL_MS;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Give this to the pipeline's `onProgress`. */
  readonly listener: ProgressListener = (event) => {
    if (this.#finished) return;
    const at = this.#now();
    const previous = this.#shown?.event;
    const samePhase =
      previous !== undefined && previous.phase === event.phase && previous.dataset === event.dataset;
    this.#shown = { event, phaseStartedAt: samePhase ? (this.#shown?.phaseStartedAt ?? at) : at };
    const wait = this.#lastDrawAt + this.#intervalMs - at;
    if (wait <= 0) {
      this.#draw(at);
      return;
    }
    // Too soon: the latest event is drawn once the interval is over, unless another comes first.
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      if (!this.#finished) this.#draw(this.#now());
    }, wait);
    this.#timer.unref?.();
  };

  /** Erases the line (when one was drawn); nothing is drawn after. Call it before printing anything else. */
  finish(): void {
    this.#finished = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#drawn) this.#stream.write(CLEAR_LINE);
    this.#drawn = false;
  }

  #draw(at: number): void {
    if (this.#shown === undefined) return;
    this.#lastDrawAt = at;
    this.#drawn = true;
    const line = describeProgress(this.#shown.event, at - this.#shown.phaseStartedAt);
    const width = this.#stream.columns;
    // One column is left free: a line that fills the last column wraps on some terminals.
    const fitted = width !== undefined && width > 1 && line.length >= width ? line.slice(0, width - 1) : line;
    this.#stream.write(`${CLEAR_LINE}${fitted}`);
  }
}

/**
 * The text of the line: `trade (3/6): validating, 12,000 rows, 48,000 rows/s`.
 * The rate is of the phase so far (rows over the time since the phase
 * started), shown for the phases that count rows as they go.
 */
export function describeProgress(event: ProgressEvent, phaseMs: number): string {
  if (event.phase === 'site') return 'site: writing latest/, pages, feed and catalog';
  const position = event.position === undefined ? '' : ` (${event.position.index}/${event.position.count})`;
  const parts = [`${forTerminal(event.dataset ?? '')}${position}: ${event.phase}`];
  parts.push(`${numbers.format(event.rows)} row${event.rows === 1 ? '' : 's'}`);
  const counting = event.phase === 'validating' || event.phase === 'sorting';
  if (counting && event.rows > 0 && phaseMs >= RATE_AFTER_MS)
    parts.push(`${numbers.format((event.rows * 1000) / phaseMs)} rows/s`);
  return parts.join(', ');
}
