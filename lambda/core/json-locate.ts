import { Tokenizer, TokenType } from '@streamparser/json';

/** A 1-based place in a text. */
export interface TextPlace {
  readonly line: number;
  readonly column: number;
}

/** A container being read: an object (and the member whose value comes next) or an array. */
type Frame =
  | { kind: 'object'; key: string | undefined; keyOffset: number; expectKey: boolean }
  | { kind: 'array'; index: number };

/**
 * Where the value a JSON pointer names is written in a JSON text (which has
 * already parsed): the line and column of its member name, or of the value
 * itself for an array element or the whole document. `undefined` when the
 * pointer names nothing in the text. Of a member written twice, the later
 * writing is the one located, as it is the one `JSON.parse` keeps. The text is tokenized by
 * `@streamparser/json`, which gives each token's byte offset.
 */
export function locatePointer(text: string, pointer: string): TextPlace | undefined {
  const target = pointer === '' || pointer === '/' ? [] : pointer.split('/').slice(1).map(unescapeSegment);
  const bytes = new TextEncoder().encode(text);
  const frames: Frame[] = [];
  let found: number | undefined;
  const tokenizer = new Tokenizer();
  tokenizer.onToken = ({ token, value, offset }) => {
    const top = frames.at(-1);
    if (top?.kind === 'object' && top.expectKey) {
      if (token === TokenType.STRING) {
        top.key = String(value);
        top.keyOffset = offset;
        top.expectKey = false;
      } else if (token === TokenType.RIGHT_BRACE) frames.pop();
      return;
    }
    switch (token) {
      case TokenType.COLON:
        return;
      case TokenType.COMMA:
        if (top?.kind === 'object') top.expectKey = true;
        else if (top?.kind === 'array') top.index++;
        return;
      case TokenType.RIGHT_BRACE:
      case TokenType.RIGHT_BRACKET:
        frames.pop();
        return;
      default:
        break;
    }
    // A value starts here: its path is the key or index of every open container. Only a value no deeper
    // than the target can be it or hold it, so a deeper one costs nothing (a document nested 20,000 deep).
    if (
      frames.length <= target.length &&
      frames.every((frame, index) => segmentOf(frame) === target[index])
    ) {
      // A member written twice is the later one (as `JSON.parse` reads it): a later writing of the
      // target or of one of its containers replaces what was found in an earlier one.
      found = frames.length === target.length ? (top?.kind === 'object' ? top.keyOffset : offset) : undefined;
    }
    if (token === TokenType.LEFT_BRACE)
      frames.push({ kind: 'object', key: undefined, keyOffset: offset, expectKey: true });
    else if (token === TokenType.LEFT_BRACKET) frames.push({ kind: 'array', index: 0 });
  };
  try {
    tokenizer.write(bytes);
  } catch {
    return undefined; // not JSON: the parse error itself is located where it is found
  }
  return found === undefined ? undefined : placeOfByte(bytes, found);
}

/** The key or index a container gives the value being read in it. */
function segmentOf(frame: Frame): string {
  return frame.kind === 'object' ? (frame.key ?? '') : String(frame.index);
}

function placeOfByte(bytes: Uint8Array, offset: number): TextPlace {
  const before = new TextDecoder().decode(bytes.subarray(0, offset));
  const lastBreak = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset === 0 ? 1 : before.length - lastBreak };
}

function unescapeSegment(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

/**
 * Where the value a pointer names is written, or, when the text lacks it (a
 * required member is missing), its nearest ancestor that is there.
 */
export function locateNearest(text: string, pointer: string): TextPlace {
  const segments = pointer === '/' ? [] : pointer.split('/').slice(1);
  for (let length = segments.length; length >= 0; length--) {
    const place = locatePointer(text, length === 0 ? '' : `/${segments.slice(0, length).join('/')}`);
    if (place !== undefined) return place;
  }
  return { line: 1, column: 1 };
}
