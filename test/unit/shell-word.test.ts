import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shellWord } from '../../lambda/core/shell-word.js';

/** What a POSIX shell makes of `word` as the one argument of printf. */
function readBackByShell(shell: string, word: string): string {
  return execFileSync(shell, ['-c', `printf '%s' ${word}`], { encoding: 'utf8' });
}

describe('shellWord', () => {
  it('gives text a shell reads back unchanged as one word, whatever it holds', () => {
    // Anything an argument can hold (no NUL), with the characters shells treat specially made likely.
    const special = fc.constantFrom(
      ' ',
      "'",
      '"',
      '\\',
      '$',
      '`',
      '!',
      '*',
      '?',
      '[',
      ']',
      '~',
      '#',
      ';',
      '&',
      '|',
      '<',
      '>',
      '(',
      ')',
      '{',
      '}',
      '\n',
      '\t',
      '-',
      '=',
      '%',
    );
    const text = fc
      .array(fc.oneof(special, fc.string({ unit: 'grapheme', maxLength: 3 })), {
        minLength: 1,
        maxLength: 12,
      })
      .map((parts) => parts.join('').replaceAll('\0', ''))
      .filter((value) => value !== '');
    fc.assert(
      fc.property(text, fc.constantFrom('/bin/sh', '/bin/bash'), (value, shell) => {
        expect(readBackByShell(shell, shellWord(value))).toBe(value);
      }),
      { seed: 20261206, numRuns: 150 },
    );
  });

  it('leaves a plain path as it is, and quotes one with a space or a quote', () => {
    expect(shellWord('public/site-2026')).toBe('public/site-2026');
    expect(shellWord('my site')).toBe("'my site'");
    expect(shellWord("it's")).toBe("'it'\\''s'");
  });
});
