import type { RegExpEngine, RegExpLike } from 'ajv/dist/types/index.js';
import { RE2JS } from 're2js';
import { OpenDataError } from './errors.js';

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
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(RE2JS.translateRegExp(pattern));
  } catch (error) {
    throw new UnsupportedPatternError(pattern, error instanceof Error ? error.message : String(error));
  }
  const linear: RegExpLike & { toString(): string } = {
    test: (text: string) => compiled.test(text),
    // ajv keys its compiled patterns by this text, so two patterns must never share it.
    toString: () => `re2:${pattern}`,
  };
  return linear;
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

/** A pattern RE2 cannot compile; thrown by {@link compileLinearPattern}. */
export class UnsupportedPatternError extends OpenDataError {
  override readonly name = 'UnsupportedPatternError';
  readonly code = 'unsupported-pattern';
  constructor(
    readonly pattern: string,
    readonly reason: string,
  ) {
    super(
      `RE2 cannot compile this pattern (${reason}); patterns run in linear time, so backreferences, lookahead and lookbehind are not available`,
    );
  }
}
