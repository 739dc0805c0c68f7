import { startsWithFormulaPrefix } from './formula.js';
import type { IssueCode } from './issue.js';

/**
 * Where a piece of text ends up decides which characters it may hold:
 *
 * - `cell`: a CSV cell; tab and line breaks are data, everything below is not;
 * - `paragraph`: descriptions, rendered into pages, feeds and metadata; line feeds separate paragraphs,
 *   and no other line break may (carriage return, U+0085, the line and paragraph separators U+2028 and
 *   U+2029);
 * - `line`: titles, names, keywords, units and column names: one line, not even a tab, and none of the
 *   line breaks a reader may split on (Python's `splitlines` splits on U+0085, U+2028 and U+2029 as on
 *   a line feed: a title holding one would read there as a title line and a forged `AU  -` line of
 *   the version's RIS citation);
 * - `link`: a `line` that is also an `https:`, `http:` or `mailto:` URL.
 *
 * None may hold other C0 or C1 control characters, DEL, the bidirectional
 * formatting characters (U+061C, U+200E, U+200F, U+202A–U+202E,
 * U+2066–U+2069), which make a page, a spreadsheet or a terminal show text in
 * another order than it is stored (`\u202E0001` is displayed as `1000`), or
 * the invisible characters that make two different texts look the same (a
 * key `AKT` and a key `AKT` with a zero-width space after it): U+200B, U+2060,
 * U+FEFF inside text, the soft hyphen U+00AD, the combining grapheme joiner
 * U+034F, the Mongolian vowel separator U+180E, the invisible operators
 * U+2061–U+2064, the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), the tag
 * characters U+E0000–U+E007F, and the noncharacters U+FFFE and U+FFFF. The zero-width joiner and non-joiner
 * (U+200C, U+200D) stay allowed: scripts and emoji need them.
 */
export type TextKind = 'cell' | 'paragraph' | 'line' | 'link';

const INVISIBLE = '\u00ad\u115f\u1160\u180e\u200b\u2060-\u2064\u3164\ufeff\uffa0\ufffe\uffff';
const BIDI = '\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069';
// The line and paragraph separators: line breaks to Unicode, JavaScript and Python, but neither C0 nor C1.
const SEPARATORS = '\u2028\u2029';
// The tag characters are astral: matched as their surrogate pairs. The combining grapheme joiner is matched
// outside the character class, where a combining mark cannot attach to the character before it.
const TAGS = '|\udb40[\udc00-\udc7f]|\u034f';
const FORBIDDEN: Record<TextKind, RegExp> = {
  cell: new RegExp(`[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f${BIDI}${INVISIBLE}]${TAGS}`),
  paragraph: new RegExp(`[\u0000-\u0009\u000b-\u001f\u007f-\u009f${SEPARATORS}${BIDI}${INVISIBLE}]${TAGS}`),
  line: new RegExp(`[\u0000-\u001f\u007f-\u009f${SEPARATORS}${BIDI}${INVISIBLE}]${TAGS}`),
  link: new RegExp(`[\u0000-\u001f\u007f-\u009f${SEPARATORS}${BIDI}${INVISIBLE}]${TAGS}`),
};

const NAMES: Readonly<Record<number, string>> = {
  0x09: 'TAB',
  0x0a: 'LINE FEED',
  0x0d: 'CARRIAGE RETURN',
  0x1b: 'ESCAPE',
  0x2028: 'LINE SEPARATOR',
  0x2029: 'PARAGRAPH SEPARATOR',
  0x061c: 'ARABIC LETTER MARK',
  0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
  0x00ad: 'SOFT HYPHEN',
  0x034f: 'COMBINING GRAPHEME JOINER',
  0x115f: 'HANGUL CHOSEONG FILLER',
  0x1160: 'HANGUL JUNGSEONG FILLER',
  0x180e: 'MONGOLIAN VOWEL SEPARATOR',
  0x200b: 'ZERO WIDTH SPACE',
  0x2060: 'WORD JOINER',
  0x2061: 'FUNCTION APPLICATION',
  0x2062: 'INVISIBLE TIMES',
  0x2063: 'INVISIBLE SEPARATOR',
  0x2064: 'INVISIBLE PLUS',
  0x3164: 'HANGUL FILLER',
  0xffa0: 'HALFWIDTH HANGUL FILLER',
  0xfeff: 'ZERO WIDTH NO-BREAK SPACE',
  0xfffe: 'NONCHARACTER',
  0xffff: 'NONCHARACTER',
};

/** The first character `kind` forbids in `text`, with its 0-based position, if any. */
export function forbiddenCharacter(
  text: string,
  kind: TextKind,
): { char: string; index: number } | undefined {
  const found = FORBIDDEN[kind].exec(text);
  return found === null ? undefined : { char: found[0], index: found.index };
}

/** `U+202E (RIGHT-TO-LEFT OVERRIDE)`, `U+0007`. */
export function describeCharacter(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const name = code >= 0xe0000 && code <= 0xe007f ? 'TAG CHARACTER' : NAMES[code];
  return name === undefined ? codePointOf(char) : `${codePointOf(char)} (${name})`;
}

/** A character's code point as Unicode writes it: `U+200B`, `U+1F600`. */
export function codePointOf(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

const WHY: Record<TextKind, string> = {
  cell: 'control, invisible and bidirectional formatting characters are not allowed in data',
  paragraph:
    'only line feeds may break a description, and no control, invisible or bidirectional formatting character is allowed',
  line: 'it must be one line, without control, invisible or bidirectional formatting characters',
  link: 'a link must be one line, without control, invisible or bidirectional formatting characters',
};

/** Why `text` may not be used as `kind`, or undefined when it may. */
export function textProblem(text: string, kind: TextKind): string | undefined {
  const found = forbiddenCharacter(text, kind);
  if (found !== undefined)
    return `contains ${describeCharacter(found.char)} at position ${found.index + 1}; ${WHY[kind]}`;
  if (kind === 'link' && !isSafeLink(text)) return 'must be an https:, http: or mailto: URL';
  return undefined;
}

/**
 * True for an absolute `https://host…`, `http://host…` or `mailto:…` URL,
 * the only schemes a published page, feed or DCAT document may link to (a
 * `javascript:` or `data:` link runs in the reader's browser).
 */
export function isSafeLink(text: string): boolean {
  if (!/^(?:https?:\/\/[^\s/?#@]+(?:[/?#]\S*)?|mailto:[^\s/]\S*)$/.test(text)) return false;
  try {
    return ['https:', 'http:', 'mailto:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/**
 * Why `name` may not be a column name (in a CSV header or a schema's
 * `properties`), or undefined when it may: a name is a `line`, and it is
 * written into the published CSV's header, where a spreadsheet would run a
 * formula prefix however the column's cells are allowed to start.
 */
export function columnNameProblem(name: string): { code: IssueCode; message: string } | undefined {
  const text = textProblem(name, 'line');
  if (text !== undefined) return { code: 'control-character', message: `column name ${text}` };
  if (startsWithFormulaPrefix(name))
    return {
      code: 'formula-prefix',
      message: `column name starts with ${JSON.stringify(name[0])}, which spreadsheets run as a formula; rename the column`,
    };
  return undefined;
}
