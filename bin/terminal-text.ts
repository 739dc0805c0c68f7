/** Text from input made safe to print on a terminal. */

/**
 * Characters a terminal acts on instead of showing: C0 controls but tab and
 * line feed (so multi-line output such as the help and `--format json` stays
 * as it is), DEL, C1 controls (U+009B is a second CSI), and the bidi controls
 * that reorder what a line shows.
 */
const TERMINAL_CONTROLS =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point of this pattern
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Makes a line safe to print: every terminal control becomes a `\uXXXX`
 * escape. That spelling is a valid JSON string escape too, so JSON output
 * still parses to exactly the strings it holds.
 */
export function forTerminal(line: string): string {
  return line.replace(TERMINAL_CONTROLS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
