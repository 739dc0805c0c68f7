/**
 * Cuts bytes into pieces at the given offsets (each taken modulo the length plus one, then sorted and
 * deduplicated), as a stream may hand them over: any cut may fall inside a multi-byte character.
 */
export function cutBytes(bytes: Uint8Array, at: readonly number[]): Uint8Array[] {
  const offsets = [...new Set(at.map((offset) => offset % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const offset of [...offsets, bytes.length]) {
    pieces.push(bytes.slice(start, offset));
    start = offset;
  }
  return pieces;
}
