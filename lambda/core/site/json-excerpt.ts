import { JSONParser, TokenType } from '@streamparser/json';
import { messageOf, OpenDataError } from '../errors.js';

/** What to keep of a JSON object read as a stream of bytes. */
export interface ExcerptPlan {
  /** Top-level members kept whole. Each must be present: reading goes on until all have been seen. */
  readonly members: readonly string[];
  /**
   * Top-level members kept whole when present. Reading never waits for one, so
   * each must come before the lists in the file (as the pipeline writes them).
   */
  readonly optionalMembers?: readonly string[];
  /** Top-level arrays of which only the first elements are kept: the most to keep of each, by name. */
  readonly lists: Readonly<Record<string, number>>;
  /**
   * How many elements a list holds, when the members already read say so (the
   * `summary` of `changes.json`): such a list needs no more than that many, so
   * reading can stop without waiting for its closing bracket. `undefined` when
   * not known (yet).
   */
  readonly listLength?: (members: Readonly<Record<string, unknown>>, list: string) => number | undefined;
}

/** The kept members and list heads of an object, and whether the rest of the bytes were left unread. */
export interface Excerpt {
  /** The members, and each list cut to its limit (in file order). */
  readonly value: Readonly<Record<string, unknown>>;
  /** True when reading stopped before the end of the object (the stream was released unread). */
  readonly stoppedEarly: boolean;
}

/** A streamed JSON document is not valid JSON, is not an object, or lacks a member the plan needs. */
export class JsonExcerptError extends OpenDataError {
  override readonly name = 'JsonExcerptError';
  readonly code = 'json-excerpt';
}

/**
 * Reads a JSON object from a stream of chunks, keeping only the members and
 * list heads a {@link ExcerptPlan} asks for, so a file of any size is read with
 * bounded memory: list elements past a limit and members not asked for are
 * parsed one at a time and dropped. Members may come in any order; reading
 * stops as soon as every member has been seen and every list is complete or
 * full, and the stream is then released (its iterator's `return()` closes the
 * file or the socket). When a list comes before a member, the list is read
 * through to reach it: correct, only slower.
 *
 * @throws {JsonExcerptError} when the bytes are not a JSON object or a member or list is missing.
 */
export async function readJsonExcerpt(
  chunks: AsyncIterable<Uint8Array>,
  plan: ExcerptPlan,
): Promise<Excerpt> {
  const listNames = Object.keys(plan.lists);
  const clash = plan.members.find((name) => listNames.includes(name));
  if (clash !== undefined) throw new Error(`"${clash}" cannot be both a member and a list of an excerpt`);
  const members: Record<string, unknown> = {};
  const lists = new Map(listNames.map((name) => [name, [] as unknown[]]));
  const limitOf = (name: string): number => plan.lists[name] ?? 0;

  // Paths name the members and the elements of the lists, never the lists themselves: with
  // `keepStack: false` each emitted value is then detached from its parent, so a list of
  // millions of elements never accumulates in the parser.
  const parser = new JSONParser({
    paths: [
      ...[...plan.members, ...(plan.optionalMembers ?? [])].map((name) => `$.${name}`),
      ...listNames.map((name) => `$.${name}.*`),
    ],
    keepStack: false,
  });
  parser.onValue = ({ value, key, stack }) => {
    if (stack.length === 1 && typeof key === 'string') {
      members[key] = value;
      return;
    }
    const list = lists.get(String(stack[1]?.key));
    if (list !== undefined && list.length < limitOf(String(stack[1]?.key))) list.push(value);
  };

  // The token stream tells which top-level list has just closed (its `]` brings the depth back
  // to 1), including an empty one, which emits no element at all.
  const closed = new Set<string>();
  const keysSeen = new Set<string>();
  let depth = 0;
  let expectingKey = false;
  let currentKey: string | undefined;
  parser.onToken = ({ token, value }) => {
    if (token === TokenType.LEFT_BRACE || token === TokenType.LEFT_BRACKET) {
      if (depth === 0 && token === TokenType.LEFT_BRACKET) throw new JsonExcerptError('expected an object');
      depth++;
      expectingKey = depth === 1;
    } else if (token === TokenType.RIGHT_BRACE || token === TokenType.RIGHT_BRACKET) {
      depth--;
      if (depth === 1 && currentKey !== undefined && lists.has(currentKey)) closed.add(currentKey);
    } else if (depth === 1 && token === TokenType.COMMA) {
      expectingKey = true;
    } else if (depth === 1 && expectingKey && token === TokenType.STRING) {
      currentKey = String(value);
      keysSeen.add(currentKey);
      expectingKey = false;
    } else if (depth === 0) {
      throw new JsonExcerptError('expected an object');
    }
  };

  const listDone = (name: string, kept: readonly unknown[]): boolean => {
    if (closed.has(name) || kept.length >= limitOf(name)) return true;
    const length = plan.listLength?.(members, name);
    return length !== undefined && kept.length >= length;
  };
  const enough = (): boolean =>
    plan.members.every((name) => name in members) && [...lists].every(([name, kept]) => listDone(name, kept));

  // Only the parser's errors are about the JSON; a failing stream's own error passes through.
  const parse = (step: () => void): void => {
    try {
      step();
    } catch (error) {
      if (error instanceof JsonExcerptError) throw error;
      const reason = messageOf(error);
      throw new JsonExcerptError(`not valid JSON: ${reason}`, { cause: error });
    }
  };
  let stoppedEarly = false;
  for await (const chunk of chunks) {
    parse(() => parser.write(chunk));
    if (parser.isEnded) break;
    if (enough()) {
      stoppedEarly = true;
      break; // calls the iterator's return(), which releases the stream
    }
  }
  if (!parser.isEnded && !stoppedEarly) parse(() => parser.end());
  // Stopping early means every member was read and every list had what it needs (a list the
  // members say is empty need not have been reached); only a read to the end can miss something.
  const missing = stoppedEarly ? [] : [...plan.members, ...listNames].filter((name) => !keysSeen.has(name));
  if (missing.length > 0) {
    throw new JsonExcerptError(`the object has no ${missing.map((name) => `"${name}"`).join(', ')}`);
  }
  return { value: { ...members, ...Object.fromEntries(lists) }, stoppedEarly };
}
