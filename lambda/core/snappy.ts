/**
 * Snappy compression of one Parquet page: the raw Snappy format (the input's length as a varint, then
 * literals and back-references of up to 65,535 bytes), making the same choices as hyparquet-writer
 * 0.17's own compressor, byte for byte: the same hash of four bytes, the same table of the last position
 * of each hash (2^1 to 2^14 entries, by the input's size), the same growing stride over input that finds
 * no match, and the same split of a long match into copies. A file is therefore the same whichever of
 * the two wrote it (the tests compare them on generated inputs).
 *
 * What differs is the cost: the library writes through a growable byte writer, a call and a bounds check
 * per byte, and a new buffer for every page, grown by doubling from 1 KiB; here the bytes go straight into
 * one buffer, sized for the largest output a page can have and kept from page to page, and literals are
 * copied in one `set`. The page writer copies the result into the file before it compresses another
 * page, so the result is a view of that buffer, valid until the next call.
 */

/** The largest table: 2^14 positions, as the library's. */
const MAX_TABLE_BITS = 14;
/** The farthest back a copy reaches (two-byte offsets). */
const MAX_OFFSET = 0xffff;
/** The last bytes of the input are never looked up: they end as a literal. */
const INPUT_MARGIN = 15;
/** The hash's multiplier (the reference implementation's). */
const HASH_MULTIPLIER = 0x1e35a7bd;

/** Literals shorter than this are copied byte by byte, longer ones in one `set`. */
const SHORT_LITERAL = 32;

/** One table per size, reused (and cleared) from call to call. */
const tables: Uint32Array[] = [];
/** The output buffer, kept between calls and grown when a page could need more. */
let output = new Uint8Array(1 << 16);

/** The most bytes the compressed form of `length` bytes can take: every byte a literal, plus tags. */
function maxCompressedLength(length: number): number {
  return 32 + length + Math.floor(length / 6);
}

function load32(input: Uint8Array, at: number): number {
  return (
    (input[at] ?? 0) |
    ((input[at + 1] ?? 0) << 8) |
    ((input[at + 2] ?? 0) << 16) |
    ((input[at + 3] ?? 0) << 24)
  );
}

function same32(input: Uint8Array, a: number, b: number): boolean {
  return (
    input[a] === input[b] &&
    input[a + 1] === input[b + 1] &&
    input[a + 2] === input[b + 2] &&
    input[a + 3] === input[b + 3]
  );
}

/** Writes a literal of `count` bytes of `input` from `from` at `op`; returns where the output goes on. */
function literal(out: Uint8Array, op: number, input: Uint8Array, from: number, count: number): number {
  const value = count - 1;
  if (count <= 60) out[op++] = value << 2;
  else {
    const bytes = value < 0x100 ? 1 : value < 0x10000 ? 2 : value < 0x1000000 ? 3 : 4;
    out[op++] = (59 + bytes) << 2;
    for (let i = 0; i < bytes; i++) out[op++] = (value >>> (8 * i)) & 0xff;
  }
  // Most literals are a few bytes between matches: copied a byte at a time, they cost less than the view
  // that `set` needs.
  if (count < SHORT_LITERAL) for (let i = 0; i < count; i++) out[op + i] = input[from + i] ?? 0;
  else out.set(input.subarray(from, from + count), op);
  return op + count;
}

/** A copy of at most 64 bytes: four to eleven bytes from under 2,048 back in two bytes, else in three. */
function shortCopy(out: Uint8Array, op: number, offset: number, count: number): number {
  if (count < 12 && offset < 2048) {
    out[op] = 1 + ((count - 4) << 2) + ((offset >>> 8) << 5);
    out[op + 1] = offset & 0xff;
    return op + 2;
  }
  out[op] = 2 + ((count - 1) << 2);
  out[op + 1] = offset & 0xff;
  out[op + 2] = offset >>> 8;
  return op + 3;
}

/** A copy of any length: copies of 64 bytes while at least 68 are left, one of 60 if over 64 are, then the rest. */
function copy(out: Uint8Array, op: number, offset: number, count: number): number {
  let left = count;
  let at = op;
  while (left >= 68) {
    at = shortCopy(out, at, offset, 64);
    left -= 64;
  }
  if (left > 64) {
    at = shortCopy(out, at, offset, 60);
    left -= 60;
  }
  return shortCopy(out, at, offset, left);
}

function hashAt(input: Uint8Array, at: number, shift: number): number {
  return Math.imul(load32(input, at), HASH_MULTIPLIER) >>> shift;
}

/**
 * The Snappy-compressed form of `input`: a view of a buffer that the next call overwrites, so the caller
 * copies it (as hyparquet-writer's page writer does, at once) before it compresses again.
 */
export function snappyCompress(input: Uint8Array): Uint8Array {
  const length = input.length;
  const need = maxCompressedLength(length);
  if (output.length < need) output = new Uint8Array(Math.max(need, 2 * output.length));
  const out = output;
  let op = 0;

  // The uncompressed length, seven bits at a time, lowest first.
  for (let rest = length; ; rest >>>= 7) {
    if (rest < 0x80) {
      out[op++] = rest;
      break;
    }
    out[op++] = (rest & 0x7f) | 0x80;
  }

  let nextEmit = 0;
  if (length >= INPUT_MARGIN) {
    let bits = 1;
    while (1 << bits <= length && bits <= MAX_TABLE_BITS) bits++;
    bits--;
    const shift = 32 - bits;
    const table = (tables[bits] ??= new Uint32Array(1 << bits));
    table.fill(0);
    const limit = length - INPUT_MARGIN;

    let ip = 1;
    let nextHash = hashAt(input, ip, shift);
    scan: for (;;) {
      // Look for a match, stepping further the longer none is found (one byte more every 32 misses).
      let skip = 32;
      let nextIp = ip;
      let candidate = 0;
      do {
        ip = nextIp;
        const current = nextHash;
        nextIp = ip + (skip++ >>> 5);
        if (ip > limit) break scan;
        nextHash = hashAt(input, nextIp, shift);
        candidate = table[current] ?? 0;
        table[current] = ip;
      } while (ip - candidate > MAX_OFFSET || !same32(input, ip, candidate));

      op = literal(out, op, input, nextEmit, ip - nextEmit);

      // Copy the match, and go on copying while the position after it matches at once.
      do {
        const base = ip;
        let matched = 4;
        while (ip + matched < length && input[ip + matched] === input[candidate + matched]) matched++;
        ip += matched;
        op = copy(out, op, base - candidate, matched);
        nextEmit = ip;
        if (ip >= limit) break scan;
        table[hashAt(input, ip - 1, shift)] = ip - 1;
        const current = hashAt(input, ip, shift);
        candidate = table[current] ?? 0;
        table[current] = ip;
      } while (ip - candidate <= MAX_OFFSET && same32(input, ip, candidate));

      ip++;
      nextHash = hashAt(input, ip, shift);
    }
  }
  if (nextEmit < length) op = literal(out, op, input, nextEmit, length - nextEmit);
  return out.subarray(0, op);
}
