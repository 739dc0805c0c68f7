/** A small JSON document as the version folder writes it: two-space indent, final newline. */
export function prettyJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
}
