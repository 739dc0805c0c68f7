import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonDocument } from '../../lambda/core/json-document.js';
import { REPO_ROOT } from '../support/workspace.js';

/** The issue a text gives, as `line:column message`. */
function issueOf(text: string): string {
  const parsed = parseJsonDocument(text, 'x.json', 'descriptor-error');
  if (parsed.ok) throw new Error('parsed');
  const [issue] = parsed.issues;
  return `${issue?.line}:${issue?.column} ${issue?.message}`;
}

/** Line and column of `offset` in `text`, as an editor counts them. */
function at(text: string, offset: number): string {
  const before = text.slice(0, offset);
  return `${before.split('\n').length}:${offset - before.lastIndexOf('\n')}`;
}

const DESCRIPTOR = readFileSync(path.join(REPO_ROOT, 'data', 'trade-by-year.dataset.json'), 'utf8');

describe('a JSON document with a syntax error', () => {
  it('names a trailing comma where it is, before "]" or "}", whatever Node says', () => {
    expect(issueOf('{\n  "a": [\n    "x",\n  ],\n  "b": 1\n}')).toBe(
      '3:8 is not valid JSON: a comma before "]" with nothing after it (a trailing comma): JSON allows none, remove it',
    );
    expect(issueOf('{\n  "a": 1,\n}\n')).toBe(
      '2:9 is not valid JSON: a comma before "}" with nothing after it (a trailing comma): JSON allows none, remove it',
    );
  });

  it('names a comment, a missing comma, an unclosed string and an empty file', () => {
    expect(issueOf('{\n  // why\n  "a": 1\n}')).toBe(
      '2:3 is not valid JSON: a comment: JSON allows none, remove it (a note can go in a "description")',
    );
    expect(issueOf('{\n  "a": 1\n  "b": 2\n}')).toMatch(/^3:3 is not valid JSON: a comma is expected here/);
    expect(issueOf('{"a": "abc')).toMatch(
      /^1:7 is not valid JSON: the text in double quotes is never closed$/,
    );
    expect(issueOf('')).toMatch(/^1:1 is not valid JSON: the text ends where a value is expected/);
  });

  it('is an issue, not a crash, however deeply its lists and objects nest', () => {
    expect(issueOf('['.repeat(5000))).toMatch(/^1:\d+ is not valid JSON: /);
    expect(issueOf('{"a":'.repeat(30_000))).toMatch(/^1:\d+ is not valid JSON: /);
  });

  it('points at a line break or a tab inside text in double quotes, and says what it is', () => {
    expect(issueOf('{\n  "a": 1,\n  "b": "one\ntwo"\n}')).toBe(
      '3:12 is not valid JSON: a line break inside text in double quotes: JSON text stays on one line, write the break as \\n',
    );
    expect(issueOf('{"a": "x\ty"}')).toBe(
      '1:9 is not valid JSON: a tab inside text in double quotes: write it as \\t',
    );
    expect(issueOf('{"a": "abc\\"}')).toMatch(
      /^1:7 is not valid JSON: the text in double quotes is never closed$/,
    );
  });

  it('counts lines as an editor does in a file of CR or CRLF line endings', () => {
    for (const newline of ['\r', '\r\n', '\n'])
      expect(issueOf(['{', '  "a": 1', '  "b" 2', '}'].join(newline))).toMatch(
        /^3:3 is not valid JSON: a comma is expected here/,
      );
  });

  it('names an invisible character and a leading zero', () => {
    expect(issueOf('{"a":\u00a01}')).toMatch(
      /^1:6 is not valid JSON: an unexpected character, U\+00A0, here/,
    );
    expect(issueOf('{"a": 07}')).toBe(
      '1:7 is not valid JSON: a number with a leading zero: JSON writes 7, not 07',
    );
  });

  it('points at the comma itself wherever a trailing comma is added to the real descriptor', () => {
    // Every "]" or "}" that closes a non-empty list or object: a comma added after its last item.
    const closers = [...DESCRIPTOR.matchAll(/[^\s[{](\s*)[\]}]/g)].map((match) => (match.index ?? 0) + 1);
    expect(closers.length).toBeGreaterThan(20);
    fc.assert(
      fc.property(fc.constantFrom(...closers), (offset) => {
        const text = `${DESCRIPTOR.slice(0, offset)},${DESCRIPTOR.slice(offset)}`;
        expect(issueOf(text)).toBe(
          `${at(text, offset)} is not valid JSON: a comma before "${text
            .slice(offset + 1)
            .trimStart()
            .charAt(0)}" with nothing after it (a trailing comma): JSON allows none, remove it`,
        );
      }),
    );
  });

  it('points at a comment put before any line of the real descriptor', () => {
    const starts = [...DESCRIPTOR.matchAll(/\n(\s*)(?=")/g)].map(
      (match) => (match.index ?? 0) + match[0].length,
    );
    fc.assert(
      fc.property(fc.constantFrom(...starts), (offset) => {
        const text = `${DESCRIPTOR.slice(0, offset)}// a note\n${DESCRIPTOR.slice(offset)}`;
        expect(issueOf(text)).toMatch(new RegExp(`^${at(text, offset)} is not valid JSON: a comment`));
      }),
    );
  });
});

describe('a JSON document with a key twice in one object', () => {
  it('is refused at the repeated key, named by its pointer, escapes decoded; any document without one parses as JSON.parse does', async () => {
    // Objects of distinct keys, as JSON.stringify writes them: none refused.
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value, null, 2);
        expect(parseJsonDocument(text, 'x.json', 'descriptor-error')).toEqual({
          ok: true,
          value: JSON.parse(text),
        });
      }),
      { numRuns: 300 },
    );
    const cases: [string, number, number, string][] = [
      ['{\n  "title": "Trade",\n  "title": "Something else"\n}', 3, 3, '/title'],
      ['{"columns": [{"name": "a"}, {"name": "b", "name": "c"}]}', 1, 43, '/columns/1/name'],
      ['{"maximum": 10, "\\u006daximum": 1e9}', 1, 17, '/maximum'],
      ['{"a/b~c": 1, "a/b~c": 2}', 1, 14, '/a~1b~0c'],
    ];
    for (const [text, line, column, field] of cases) {
      const parsed = parseJsonDocument(text, 'x.json', 'schema-error');
      expect(parsed.ok ? undefined : parsed.issues).toEqual([
        expect.objectContaining({ code: 'schema-error', file: 'x.json', line, column, field }),
      ]);
      expect(parsed.ok ? '' : parsed.issues[0]?.message).toMatch(/^has the key ".+" twice in one object: /);
    }
  });
});
