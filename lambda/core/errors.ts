/**
 * The project's one error model. Every error a user or operator can act on
 * (bad input, a store that refuses, a corrupt published file, a misconfigured
 * deployment) is an {@link OpenDataError}: it carries a searchable `code` and a
 * one-line message. The CLI prints such an error as one line and exits 1;
 * anything else is a bug and exits 3 with its stack. Invalid data is not an
 * error at all but a report of issues (see `issue.ts`).
 */
export abstract class OpenDataError extends Error {
  /** A stable, searchable identifier such as `store-error` or `catalog-corrupt`. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(oneLine(message), options);
  }
}

/** True for the errors a user can act on (every {@link OpenDataError}). */
export function isOpenDataError(error: unknown): error is OpenDataError {
  return error instanceof OpenDataError;
}

/** What a caught value says: an error's message, anything else as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The longest message an error keeps; longer ones are cut and say by how much. */
export const MAX_ERROR_MESSAGE_CHARS = 2_000;

/**
 * Makes a message safe to print on one terminal line: line breaks become `; `,
 * other control characters (ESC sequences included) and bidirectional
 * overrides are shown as `\u{…}` escapes, and the whole is cut at
 * {@link MAX_ERROR_MESSAGE_CHARS} with the number of characters left out.
 */
export function oneLine(message: string): string {
  const flat = message.replace(/\r?\n+/g, '; ').replace(
    // C0 and C1 controls, DEL, and the bidirectional formatting characters: finding them is the point.
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u{${char.codePointAt(0)?.toString(16) ?? ''}}`,
  );
  if (flat.length <= MAX_ERROR_MESSAGE_CHARS) return flat;
  const cut = flat.length - MAX_ERROR_MESSAGE_CHARS;
  return `${flat.slice(0, MAX_ERROR_MESSAGE_CHARS)}… (${cut} more characters)`;
}
