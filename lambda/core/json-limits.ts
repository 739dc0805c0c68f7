import type { Issue } from './issue.js';

/** Size and shape limits of one JSON document; see `SCHEMA_LIMITS` in `limits.ts`. */
export interface JsonDocumentLimits {
  readonly maxBytes: number;
  readonly maxDepth: number;
  /** Most keys of any one object. */
  readonly maxProperties: number;
}

/** Why a document's text is too large to parse, as a `limit-exceeded` issue, or undefined. */
export function checkJsonSize(text: string, file: string, limits: JsonDocumentLimits): Issue | undefined {
  const bytes = utf8Length(text, limits.maxBytes);
  if (bytes <= limits.maxBytes) return undefined;
  return fileTooLarge(file, limits.maxBytes);
}

/** The `limit-exceeded` issue of a document file larger than `maxBytes`. */
export function fileTooLarge(file: string, maxBytes: number): Issue {
  return {
    code: 'limit-exceeded',
    file,
    line: 1,
    column: 1,
    field: '',
    message: `the file is larger than the limit of ${maxBytes} bytes`,
  };
}

/**
 * The first place where a parsed document breaks the depth or object-size
 * limit, as a `limit-exceeded` issue with its JSON pointer. Walks without
 * recursion, so a document nested 100,000 deep is reported, not a stack
 * overflow; nothing below the depth limit is visited.
 */
export function checkJsonShape(value: unknown, file: string, limits: JsonDocumentLimits): Issue | undefined {
  const issue = (pointer: string, message: string): Issue => ({
    code: 'limit-exceeded',
    file,
    line: 1,
    column: 1,
    field: pointer,
    message,
  });
  const pending: { value: unknown; pointer: string; depth: number }[] = [{ value, pointer: '', depth: 1 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value: node, pointer, depth } = next;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limits.maxDepth)
      return issue(pointer, `nested more than ${limits.maxDepth} levels deep (the limit for this file)`);
    const entries = Array.isArray(node) ? node.entries() : Object.entries(node);
    let keys = 0;
    for (const [key, child] of entries) {
      keys++;
      if (typeof child === 'object' && child !== null)
        pending.push({
          value: child,
          pointer: `${pointer}/${pointerSegment(String(key))}`,
          depth: depth + 1,
        });
    }
    if (!Array.isArray(node) && keys > limits.maxProperties)
      return issue(pointer, `has ${keys} properties, more than the limit of ${limits.maxProperties}`);
  }
  return undefined;
}

/** One key as a JSON pointer segment (RFC 6901: `~` as `~0`, `/` as `~1`). */
export function pointerSegment(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The UTF-8 length of `text`, counting no further than just past `stopAbove`. */
function utf8Length(text: string, stopAbove: number): number {
  // Every UTF-16 code unit is at least one byte: a text this long is over the limit whatever it holds.
  if (text.length > stopAbove) return text.length;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4; // a surrogate pair is one four-byte character
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Whether a parsed JSON value is an object (not `null`, not an array), whose members can be read by name. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
