import type { RegExpEngine, RegExpLike } from 'ajv/dist/types/index.js';
import { RE2JS } from 're2js';
import { messageOf, OpenDataError } from './errors.js';

/**
 * Compiles a JSON Schema `pattern` (ECMAScript syntax, searched anywhere in
 * the string) with RE2, whose matching time is linear in the input: a
 * curator's `^(a+)+$` cannot make a 1 MiB cell take minutes, as it does with a
 * backtracking engine. ECMAScript-only syntax RE2 has a spelling for
 * (`\u00e9`, `(?<name>…)`, `[^]`) is translated; what it cannot match in
 * linear time (backreferences, lookahead, lookbehind) throws
 * {@link UnsupportedPatternError}.
 */
export function compileLinearPattern(pattern: string): RegExpLike {
  const compiled = compileRe2(pattern);
  const linear: RegExpLike & { toString(): string } = {
    test: (text: string) => compiled.test(text),
    // ajv keys its compiled patterns by this text, so two patterns must never share it.
    toString: () => `re2:${pattern}`,
  };
  return linear;
}

/** The RE2 program behind {@link compileLinearPattern}, set to answer `test` with its DFA. */
export function compileRe2(pattern: string): RE2JS {
  // JSON Schema's patterns are ECMAScript's: one V8 refuses (`(?i)a`, `\pL`, `\Qa\E`, RE2's own spellings)
  // is refused here too, rather than matched with the meaning RE2 gives it. Compiled, never run.
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    throw invalidPattern(pattern, messageOf(error));
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(RE2JS.translateRegExp(withEcmaScriptClasses(pattern)));
  } catch (error) {
    throw new UnsupportedPatternError(pattern, messageOf(error));
  }
  preferAutomaton(compiled);
  return compiled;
}

/** `\uD8xx\uDCxx`: a lead surrogate's escape, then a trail surrogate's (hex digits in either case). */
const SURROGATE_PAIR_ESCAPE = /^\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})/i;

/** ECMAScript's white space and line terminators (what its `\s` matches), as class members. */
const WHITE_SPACE = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
/** Every code point but those of {@link WHITE_SPACE} (ECMAScript's `\S`), as class members. */
const NOT_WHITE_SPACE =
  '\\u0000-\\u0008\\u000e-\\u001f!-\\u009f\\u00a1-\\u167f\\u1681-\\u1fff\\u200b-\\u2027\\u202a-\\u202e\\u2030-\\u205e\\u2060-\\u2fff\\u3001-\\ufefe\\uff00-\\u{10ffff}';

/**
 * The same ECMAScript pattern with `.`, `\s` and `\S` written out as classes: RE2 spells them alike but
 * means less (its `.` stops only at \n, not at \r, U+2028 or U+2029; its `\s` is ASCII's five). Classes
 * are followed as ECMAScript reads them with the `u` flag (the first `]` ends one, `[` inside is a
 * letter, escaped for RE2, which would read `[[:digit:]]` as a POSIX class). A surrogate pair written
 * as two escapes (`\ud83d\ude00`), one code point to ECMAScript, becomes that code point (`\u{1f600}`):
 * RE2 would read two. Other escapes are kept as they are.
 */
function withEcmaScriptClasses(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === '\\') {
      const pair = SURROGATE_PAIR_ESCAPE.exec(pattern.slice(index, index + 12));
      if (pair !== null) {
        const lead = Number.parseInt(pair[1] ?? '', 16);
        const trail = Number.parseInt(pair[2] ?? '', 16);
        out += `\\u{${(0x10000 + (lead - 0xd800) * 0x400 + (trail - 0xdc00)).toString(16)}}`;
        index += 11;
        continue;
      }
      const next = pattern[index + 1] ?? '';
      index++;
      if (next === 's') out += inClass ? WHITE_SPACE : `[${WHITE_SPACE}]`;
      else if (next === 'S') out += inClass ? NOT_WHITE_SPACE : `[${NOT_WHITE_SPACE}]`;
      else out += char + next;
    } else if (inClass) {
      if (char === ']') inClass = false;
      out += char === '[' ? '\\[' : char;
    } else if (char === '[') {
      inClass = true;
      out += char;
      if (pattern[index + 1] === '^') out += pattern[++index];
    } else out += char === '.' ? '[^\\n\\r\\u2028\\u2029]' : char;
  }
  return out;
}

/**
 * re2js answers a yes/no `test` with its one-pass matcher whenever the pattern
 * is one-pass, before it tries its DFA; the one-pass matcher is built to
 * return submatches, which `test` never asks for, and it is the slower of the
 * two: about 1.0 µs against 0.2 µs per trade `id` (`^[a-z0-9]+(-[a-z0-9]+)*$`),
 * Node 20, warm. Both run in linear time, and where the DFA gives up (its
 * state cache is bounded) re2js falls back to its bit-state or NFA matcher,
 * as it does for any pattern that is not one-pass. Clearing the one-pass
 * program (a field of re2js's declared `re2Input`; `test/unit/linear-regexp.test.ts`
 * fails if an upgrade renames it) sends `test` to the DFA; the answers are the
 * same (the same test compares them with V8's own engine on generated input).
 */
function preferAutomaton(compiled: RE2JS): void {
  const program: { onepass: unknown } = compiled.re2Input;
  if (!('onepass' in program)) throw new Error('re2js no longer has re2Input.onepass: see preferAutomaton');
  program.onepass = null;
}

/**
 * The engine handed to ajv as `code.regExp`, used for `pattern` and
 * `patternProperties`. ajv passes the `u` flag; RE2 always matches by code
 * point, so it needs no flag.
 */
export const linearRegExp: RegExpEngine = Object.assign((pattern: string) => compileLinearPattern(pattern), {
  // Only read when ajv generates standalone code, which this project never does.
  code: 'compileLinearPattern',
});

/**
 * A pattern this project cannot run: not an ECMAScript regular expression (with the `u` flag, as JSON
 * Schema reads it), or one RE2 cannot compile. Thrown by {@link compileLinearPattern}.
 */
export class UnsupportedPatternError extends OpenDataError {
  override readonly name = 'UnsupportedPatternError';
  readonly code = 'unsupported-pattern';
  constructor(
    readonly pattern: string,
    readonly reason: string,
    message = `RE2 cannot compile this pattern (${reason}); patterns run in linear time, so backreferences, lookahead and lookbehind are not available`,
  ) {
    super(message);
  }
}

/** A pattern that is no ECMAScript regular expression. */
function invalidPattern(pattern: string, reason: string): UnsupportedPatternError {
  return new UnsupportedPatternError(
    pattern,
    reason,
    `not an ECMAScript regular expression (${reason}); JSON Schema patterns are read as JavaScript's RegExp reads them with the u flag`,
  );
}
