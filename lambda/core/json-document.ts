import type { Issue, IssueCode, Result } from './issue.js';
import { messageOf } from './errors.js';

/**
 * Parses a JSON file's text, turning a syntax error into an issue that names
 * the file, line and column of the error.
 */
export function parseJsonDocument(text: string, file: string, code: IssueCode): Result<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = messageOf(error);
    const position = /at position (\d+)/.exec(message);
    const { line, column } =
      position?.[1] === undefined ? { line: 1, column: 1 } : lineAndColumn(text, Number(position[1]));
    const issue: Issue = { code, file, line, column, message: `is not valid JSON: ${message}` };
    return { ok: false, issues: [issue] };
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastBreak = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastBreak };
}
