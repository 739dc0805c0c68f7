import { parse as parseTolerantly, printParseErrorCode, visit, type ParseError } from 'jsonc-parser';
import { pointerSegment } from './json-limits.js';
import type { Issue, IssueCode, Result } from './issue.js';
import { messageOf } from './errors.js';
import { codePointOf } from './text-rules.js';

/**
 * Parses a JSON file's text, turning a syntax error into an issue that names
 * the file, line and column of the error and says what is wrong there in
 * words (a trailing comma, a comment, a missing comma, …). `JSON.parse`
 * parses; only when it refuses the text is it read again by jsonc-parser in
 * strict mode, which says where every error is (V8's own message often says
 * only "Unexpected token", and its wording changes between Node versions).
 * Valid JSON that `JSON.parse` reads otherwise than a reviewer does is refused
 * too (see {@link unreadableValueOrNone}): a curated file, read once a run.
 */
export function parseJsonDocument(text: string, file: string, code: IssueCode): Result<unknown> {
  const parsed = parseJsonLocated(text, file, code);
  if (!parsed.ok) return parsed;
  const found = unreadableValueOrNone(text);
  if (found === undefined) return parsed;
  const { line, column } = lineAndColumn(text, found.offset);
  return {
    ok: false,
    issues: [{ code, file, line, column, field: found.pointer, message: found.message }],
  };
}

/**
 * {@link parseJsonDocument} without the second reading of valid JSON, which costs about ten times the
 * parse (a 5 MB catalog: 75-126 against 6-12 ms): for a file the project writes itself and reads many
 * times a run (catalog.json, read again by each dataset's stage and each commit attempt). A syntax error
 * is still named at its line and column.
 */
export function parseJsonLocated(text: string, file: string, code: IssueCode): Result<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const found = firstSyntaxErrorOrNone(text);
    const v8Offset = /at position (\d+)/.exec(messageOf(error))?.[1];
    const { line, column } = lineAndColumn(text, found?.offset ?? Number(v8Offset ?? 0));
    const message = found?.message ?? messageOf(error);
    const issue: Issue = { code, file, line, column, message: `is not valid JSON: ${message}` };
    return { ok: false, issues: [issue] };
  }
}

/**
 * The first place in `text` (valid JSON) that `JSON.parse` reads other than a reviewer does, or that no
 * later step can use: a key an object holds twice, as `JSON.parse` would read it (escapes decoded: `"a"`
 * and `"\\u0061"` are one key); a key or string holding a lone surrogate (`"\\ud800"`: legal JSON, but
 * no Unicode text, so no UTF-8 file, hash or page can carry it); a number too large for a 64-bit float
 * (`1e400`, read as Infinity) or too small to tell apart from 0 (`1e-400`, read as 0). Each with where it is,
 * its JSON Pointer and what to do; or `undefined` where there is none, or where jsonc-parser, which descends
 * by recursion, runs out of stack (a document nested thousands deep, which the documents' depth limit
 * refuses after parsing).
 */
function unreadableValueOrNone(
  text: string,
): { readonly offset: number; readonly pointer: string; readonly message: string } | undefined {
  const objects: Set<string>[] = [];
  let found: { offset: number; pointer: string; message: string } | undefined;
  const pointerOf = (segments: readonly (string | number)[]): string =>
    segments.map((segment) => `/${pointerSegment(String(segment))}`).join('');
  try {
    visit(text, {
      onObjectBegin: () => {
        objects.push(new Set());
      },
      onObjectEnd: () => {
        objects.pop();
      },
      onObjectProperty: (key, offset, _length, _line, _character, path) => {
        const keys = objects.at(-1);
        if (keys === undefined || found !== undefined) return;
        if (keys.has(key)) {
          found = {
            offset,
            pointer: pointerOf([...path(), key]),
            message: `has the key ${JSON.stringify(key)} twice in one object: JSON readers keep one of the two, and which one differs between them (a reviewer reads the first, this tool would take the last); keep one`,
          };
        } else if (loneSurrogateIn(key) !== undefined) {
          found = { offset, pointer: pointerOf([...path(), key]), message: loneSurrogateMessage('key', key) };
        }
        keys.add(key);
      },
      onLiteralValue: (value: unknown, offset, length, _line, _character, path) => {
        if (found !== undefined) return;
        if (typeof value === 'string' && loneSurrogateIn(value) !== undefined)
          found = { offset, pointer: pointerOf(path()), message: loneSurrogateMessage('text', value) };
        else if (typeof value === 'number') {
          const written = text.slice(offset, offset + length);
          const message = numberOutOfRange(value, written);
          if (message !== undefined) found = { offset, pointer: pointerOf(path()), message };
        }
      },
    });
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  return found;
}

/** The first lone surrogate of `value` (a half of a pair without the other half), or `undefined`. */
function loneSurrogateIn(value: string): number | undefined {
  // With the u flag a well-formed pair is one code point, so only a lone half matches.
  return /[\uD800-\uDFFF]/u.exec(value)?.[0].charCodeAt(0);
}

function loneSurrogateMessage(what: 'key' | 'text', value: string): string {
  const unit = (loneSurrogateIn(value) ?? 0).toString(16);
  return `the ${what} holds a lone surrogate, U+${unit.toUpperCase()} (the escape \\u${unit} without the other half of its pair): that is no Unicode character and no UTF-8 file can hold it; write the character itself, or both halves of its surrogate pair`;
}

/** Why the number `written` (read as `value`) cannot be used as written, or `undefined`. */
function numberOutOfRange(value: number, written: string): string | undefined {
  if (!Number.isFinite(value))
    return `the number ${written} is beyond what a 64-bit float holds (at most about 1.8e308 either side of 0): JSON readers take it for ${value > 0 ? '' : '-'}Infinity; write a number nearer 0`;
  const mantissa = written.replace(/[eE].*$/, '');
  if (value === 0 && /[1-9]/.test(mantissa))
    return `the number ${written} is too small for a 64-bit float to tell apart from 0 (about 5e-324 is the least): JSON readers take it for 0; write 0, or a larger number`;
  return undefined;
}

/**
 * {@link firstSyntaxError}, or `undefined` where jsonc-parser, which descends into each list and object
 * by recursion, runs out of stack (a few thousand `[` unclosed): V8's own message is said then.
 */
function firstSyntaxErrorOrNone(text: string): { offset: number; message: string } | undefined {
  try {
    return firstSyntaxError(text);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/** Where the first syntax error of `text` is, and what it is, as a curator would fix it. */
function firstSyntaxError(text: string): { offset: number; message: string } | undefined {
  const errors: ParseError[] = [];
  parseTolerantly(text, errors, {
    disallowComments: true,
    allowTrailingComma: false,
    allowEmptyContent: false,
  });
  const first = errors[0];
  if (first === undefined) return undefined;
  const { offset } = first;
  const kind = printParseErrorCode(first.error);
  const closing = text.charAt(offset);
  if ((kind === 'ValueExpected' || kind === 'PropertyNameExpected') && (closing === ']' || closing === '}')) {
    const comma = lastNonSpaceBefore(text, offset);
    if (text.charAt(comma) === ',')
      return {
        offset: comma,
        message: `a comma before "${closing}" with nothing after it (a trailing comma): JSON allows none, remove it`,
      };
  }
  // jsonc-parser places a string's errors at its opening quote: the control character in it is the error.
  if (kind === 'UnexpectedEndOfString' || kind === 'InvalidCharacter') {
    const control = controlCharacterIn(text, offset);
    if (control !== undefined) return { offset: control, message: describeControl(text.charCodeAt(control)) };
  }
  if (
    kind === 'CommaExpected' &&
    /(^|[^\d.])0$/.test(text.slice(0, offset)) &&
    /\d/.test(text.charAt(offset))
  )
    return { offset: offset - 1, message: 'a number with a leading zero: JSON writes 7, not 07' };
  return { offset, message: describe(kind, text, offset) };
}

/** The first control character in the string whose opening quote is at `quote`, before it closes. */
function controlCharacterIn(text: string, quote: number): number | undefined {
  for (let at = quote + 1; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code === 0x5c)
      at++; // a backslash escapes the next character
    else if (code === 0x22) return undefined;
    else if (code < 0x20) return at;
  }
  return undefined;
}

function describeControl(code: number): string {
  if (code === 0x0a || code === 0x0d)
    return 'a line break inside text in double quotes: JSON text stays on one line, write the break as \\n';
  if (code === 0x09) return 'a tab inside text in double quotes: write it as \\t';
  return `a control character (${codePointOf(String.fromCodePoint(code))}) inside text in double quotes: write it as \\u${code.toString(16).padStart(4, '0')}`;
}

/** What jsonc-parser's error `kind` (its name for it) means, said as a curator would fix it. */
function describe(kind: string, text: string, offset: number): string {
  switch (kind) {
    case 'InvalidCommentToken':
      return 'a comment: JSON allows none, remove it (a note can go in a "description")';
    case 'ValueExpected':
      return offset >= text.trimEnd().length
        ? 'the text ends where a value is expected (the file is empty or cut short)'
        : 'a value is expected here (text in double quotes, a number, true, false, null, an object or a list)';
    case 'PropertyNameExpected':
      return 'a property name in double quotes is expected here';
    case 'ColonExpected':
      return 'a colon is expected here, after the property name';
    case 'CommaExpected':
      return 'a comma is expected here, between two items (or the end of the object or list)';
    case 'CloseBraceExpected':
      return 'the object is not closed: a "}" is missing';
    case 'CloseBracketExpected':
      return 'the list is not closed: a "]" is missing';
    case 'EndOfFileExpected':
      return 'there is text after the end of the JSON document';
    case 'UnexpectedEndOfString':
      return 'the text in double quotes is never closed';
    case 'InvalidCharacter':
      return 'the text in double quotes holds a tab, a line break or another control character: write it as \\t, \\n or \\u00XX';
    case 'InvalidEscapeCharacter':
    case 'InvalidUnicode':
      return 'the text in double quotes holds a backslash escape JSON does not have: write a backslash itself as \\\\';
    case 'InvalidNumberFormat':
    case 'UnexpectedEndOfNumber':
      return 'a number JSON cannot read (JSON numbers are written like 12, -3.5 or 1e6)';
    default: {
      const code = text.codePointAt(offset) ?? 0;
      // An invisible or non-ASCII character (a no-break space, a zero-width one, a curly quote) is named.
      return code < 0x20 || code > 0x7e
        ? `an unexpected character, ${codePointOf(String.fromCodePoint(code))}, here: between values JSON allows only spaces, tabs and line breaks, and text goes in straight double quotes`
        : `unexpected text here (${JSON.stringify(text.slice(offset, offset + 20))}); text goes in double quotes`;
    }
  }
}

/** The offset of the last character before `offset` that is not white space (-1: none). */
function lastNonSpaceBefore(text: string, offset: number): number {
  let at = offset - 1;
  while (at >= 0 && /\s/.test(text.charAt(at))) at--;
  return at;
}

/** The line and column of `offset` as an editor shows them: CRLF, CR and LF each end a line; columns in UTF-16 units. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const breaks = before.match(/\r\n|\r|\n/g)?.length ?? 0;
  const lastBreak = Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
  return { line: breaks + 1, column: offset - lastBreak };
}
