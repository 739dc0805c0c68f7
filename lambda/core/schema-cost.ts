import { pointerSegment, isJsonObject } from './json-limits.js';

/**
 * How many subschemas checking one row can make the validator evaluate, counted on the schema
 * before it is compiled. A `$ref` (or `$dynamicRef`) is counted every time it is followed: a
 * 2 KB schema of 40 `$defs`, each an `allOf` of two references to the one before, is 2^41
 * evaluations a row, though every other schema limit passes it.
 *
 * A row is an object whose values are scalars, so a subschema is applied either to the row
 * itself (level 0) or to one of its values or keys (level 1). At level 0 every applicator counts:
 * the in-place ones (`allOf`, `anyOf`, `oneOf`, `not`, `if`, `then`, `else`, `dependentSchemas`,
 * `$ref`, `$dynamicRef`) at level 0, the ones that apply to a value or key at level 1, those
 * applying to every property (`additionalProperties`, `patternProperties`, `propertyNames`,
 * `unevaluatedProperties`) once per column. At level 1 only the in-place applicators count: a
 * scalar has nothing under it. `$defs` are reached only through references; a `$dynamicRef`
 * counts as the costliest schema it can reach.
 *
 * Each (subschema, level) is counted once and remembered, so the work is linear in the schema's
 * size however large the count; the count stops growing at {@link SATURATED}. A reference back to
 * a subschema still being counted at the same level applies the schema to the same value without
 * end: it counts nothing here, and is left to the self-reference handling of `row-schema.ts`
 * (`cycle` says one was met). Until the stack overflows, each turn of such a cycle may cost up to the
 * limit: a cycle beside 65,000 evaluations took 0.85 s, once. The walk keeps its own stack, so a long chain of references does not
 * overflow the JavaScript one.
 */

/** Where a count stops growing: far above any limit, and exact below it. */
export const SATURATED = Number.MAX_SAFE_INTEGER;

/** The count for a schema, and where it passes `limit`, if it does. */
export interface RowCost {
  /** Subschema evaluations one row can cause, at most {@link SATURATED}. */
  readonly count: number;
  /**
   * When `count` is over the limit: the JSON pointer of the subschema where the count passes it
   * (its own count is over the limit, no subschema it applies is). A pointer into another document
   * (a meta-schema) starts with that document's URI.
   */
  readonly pointer?: string;
  /** Whether a reference applying a schema to the same value without end was met. */
  readonly cycle: boolean;
  /** `$ref`s that lead nowhere this count can follow, with their pointers. */
  readonly unresolved: readonly { readonly ref: string; readonly pointer: string }[];
}

export interface RowCostOptions {
  /** How many columns a row has: applicators to every property run once per column. */
  readonly columns: number;
  /** The count over which {@link RowCost.pointer} is looked for. */
  readonly limit: number;
  /** A schema the validator knows beside this one (a meta-schema), by URI without fragment. */
  readonly external?: (uri: string) => unknown;
}

/** Applicators to the same value. */
const IN_PLACE_LISTS = ['allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else'];
const IN_PLACE_MAPS = ['dependentSchemas', 'dependencies'];
/** Applicators to one value or key under the instance. */
const CHILD_ONCE_LISTS = ['items', 'prefixItems', 'contains', 'additionalItems', 'unevaluatedItems'];
const CHILD_ONCE_MAPS = ['properties'];
/** Applicators to every property of the instance (or its key). */
const CHILD_EACH_LISTS = ['additionalProperties', 'propertyNames', 'unevaluatedProperties'];
const CHILD_EACH_MAPS = ['patternProperties'];
/** Where subschemas are declared without being applied. */
const DECLARING_MAPS = ['$defs', 'definitions'];

type Level = 0 | 1;

/** A subschema in a document: its value, base URI and where it is. */
interface Node {
  readonly schema: unknown;
  readonly base: string;
  readonly pointer: string;
}

/** One thing a subschema applies: `times` × the costliest of `targets`. */
interface Group {
  readonly targets: readonly Node[];
  readonly level: Level;
  readonly times: number;
}

/** A document's schema resources (by `$id`), anchors and dynamic anchors. */
interface Index {
  readonly resources: Map<string, Node>;
  readonly anchors: Map<string, Node>;
  readonly dynamic: Map<string, Node[]>;
}

export function rowEvaluationCount(root: unknown, options: RowCostOptions): RowCost {
  const index: Index = { resources: new Map(), anchors: new Map(), dynamic: new Map() };
  const indexed = new Set<string>();
  const unresolved: { ref: string; pointer: string }[] = [];
  const reported = new Set<unknown>();
  const columns = Math.max(1, options.columns);

  indexDocument(root, '', '', index);
  indexed.add('');

  // Many references name the same target: each (base, reference) is resolved once.
  const resolved = new Map<string, Node | undefined>();
  const resolve = (ref: string, from: Node): Node | undefined => {
    const key = `${from.base}\u0000${ref}`;
    if (resolved.has(key)) return resolved.get(key);
    const target = resolveOnce(ref, from);
    resolved.set(key, target);
    return target;
  };
  const resolveOnce = (ref: string, from: Node): Node | undefined => {
    const full = resolveUri(from.base, ref);
    if (full === undefined) return undefined;
    const hash = full.indexOf('#');
    const uri = hash === -1 ? full : full.slice(0, hash);
    const fragment = hash === -1 ? '' : full.slice(hash + 1);
    let resource = index.resources.get(uri);
    if (resource === undefined && !indexed.has(uri) && options.external !== undefined) {
      indexed.add(uri);
      const document = options.external(uri);
      if (document !== undefined) {
        indexDocument(document, uri, `${uri}#`, index);
        resource = index.resources.get(uri);
      }
    }
    if (resource === undefined) return undefined;
    if (fragment === '') return resource;
    let decoded: string;
    try {
      decoded = decodeURIComponent(fragment);
    } catch {
      return undefined;
    }
    if (!decoded.startsWith('/')) return index.anchors.get(`${uri}#${decoded}`);
    let value: unknown = resource.schema;
    let { base, pointer } = resource;
    for (const raw of decoded.slice(1).split('/')) {
      const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
      if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return undefined;
      value = (value as Record<string, unknown>)[segment];
      pointer = `${pointer}/${pointerSegment(segment)}`;
      if (isJsonObject(value) && typeof value.$id === 'string') base = resolveId(value.$id, base);
    }
    return { schema: value, base, pointer };
  };

  /** What `node` applies at `level`, as groups. */
  const groups = (node: Node, level: Level): Group[] => {
    const { schema, pointer } = node;
    if (!isJsonObject(schema)) return [];
    const base = typeof schema.$id === 'string' ? resolveId(schema.$id, node.base) : node.base;
    const here = { schema, base, pointer };
    const result: Group[] = [];
    const add = (keywords: string[], maps: boolean, childLevel: Level, times: number): void => {
      for (const keyword of keywords) {
        const value = schema[keyword];
        if (value === undefined) continue;
        const at = `${pointer}/${keyword}`;
        const subs: [unknown, string][] = maps
          ? isJsonObject(value)
            ? Object.entries(value).map(([key, sub]) => [sub, `${at}/${pointerSegment(key)}`])
            : []
          : Array.isArray(value)
            ? value.map((sub, i) => [sub, `${at}/${i}`])
            : [[value, at]];
        for (const [sub, subPointer] of subs) {
          // A dependencies entry may be a list of property names: no subschema.
          if (!isJsonObject(sub) && typeof sub !== 'boolean') continue;
          result.push({ targets: [{ schema: sub, base, pointer: subPointer }], level: childLevel, times });
        }
      }
    };
    add(IN_PLACE_LISTS, false, level, 1);
    add(IN_PLACE_MAPS, true, level, 1);
    if (level === 0) {
      add(CHILD_ONCE_LISTS, false, 1, 1);
      add(CHILD_ONCE_MAPS, true, 1, 1);
      add(CHILD_EACH_LISTS, false, 1, columns);
      add(CHILD_EACH_MAPS, true, 1, columns);
    }
    const follow = (keyword: '$ref' | '$dynamicRef'): Node[] => {
      const ref = schema[keyword];
      if (typeof ref !== 'string') return [];
      const target = resolve(ref, here);
      const targets = target === undefined ? [] : [target];
      if (keyword === '$dynamicRef') {
        const hash = ref.indexOf('#');
        const name = hash === -1 ? '' : ref.slice(hash + 1);
        targets.push(...(index.dynamic.get(name) ?? []));
      }
      if (targets.length === 0 && !reported.has(schema)) {
        reported.add(schema);
        unresolved.push({ ref, pointer: `${pointer}/${keyword}` });
      }
      return targets;
    };
    for (const keyword of ['$ref', '$dynamicRef'] as const) {
      const targets = follow(keyword);
      if (targets.length > 0) result.push({ targets, level, times: 1 });
    }
    return result;
  };

  // Counts per schema value, base and level (`keyOf`); a value being counted is in `open`.
  const memo = new Map<string, number>();
  const open = new Set<string>();
  let cycle = false;
  let idSeq = 0;
  const ids = new WeakMap<object, number>();
  const keyOf = (node: Node, level: Level): string => {
    const schema = node.schema as object;
    let id = ids.get(schema);
    if (id === undefined) ids.set(schema, (id = idSeq++));
    return `${id}\u0000${level}\u0000${node.base}`;
  };
  const known = (node: Node, level: Level): number | undefined =>
    isJsonObject(node.schema) ? memo.get(keyOf(node, level)) : 1;

  interface Frame {
    readonly node: Node;
    readonly level: Level;
    readonly groups: Group[];
    group: number;
    target: number;
    best: number;
    total: number;
    readonly key: string;
  }
  const enter = (node: Node, level: Level): Frame => {
    const key = keyOf(node, level);
    open.add(key);
    return { node, level, groups: groups(node, level), group: 0, target: 0, best: 0, total: 1, key };
  };

  const count = (start: Node, level: Level): number => {
    const first = known(start, level);
    if (first !== undefined) return first;
    const stack: Frame[] = [enter(start, level)];
    let result = 0;
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as Frame;
      const group = frame.groups[frame.group];
      if (group === undefined) {
        stack.pop();
        open.delete(frame.key);
        memo.set(frame.key, frame.total);
        result = frame.total;
        const parent = stack[stack.length - 1];
        if (parent !== undefined) take(parent, frame.total);
        continue;
      }
      const target = group.targets[frame.target] as Node;
      const value = known(target, group.level);
      if (value !== undefined) {
        take(frame, value);
      } else if (open.has(keyOf(target, group.level))) {
        cycle = true;
        take(frame, 0);
      } else {
        stack.push(enter(target, group.level));
      }
    }
    return result;
  };

  /** Adds the count of the frame's current target, moving on to the next one. */
  function take(frame: Frame, value: number): void {
    const group = frame.groups[frame.group] as Group;
    frame.best = Math.max(frame.best, value);
    frame.target++;
    if (frame.target < group.targets.length) return;
    frame.total = saturate(frame.total + saturate(frame.best * group.times));
    frame.group++;
    frame.target = 0;
    frame.best = 0;
  }

  const rootNode: Node = { schema: root, base: '', pointer: '' };
  const total = count(rootNode, 0);
  if (total <= options.limit) return { count: total, cycle, unresolved };

  // Down from the root, into the costliest subschema while it is still over the limit.
  let node = rootNode;
  let level: Level = 0;
  const seen = new Set<string>();
  for (;;) {
    seen.add(keyOf(node, level));
    let next: { node: Node; level: Level; value: number } | undefined;
    for (const group of groups(node, level)) {
      for (const target of group.targets) {
        const value = known(target, group.level) ?? 0;
        if (value > options.limit && (next === undefined || value > next.value))
          next = { node: target, level: group.level, value };
      }
    }
    if (next === undefined || seen.has(keyOf(next.node, next.level))) break;
    ({ node, level } = next);
  }
  return { count: total, pointer: node.pointer, cycle, unresolved };
}

/** Records the resources, anchors and dynamic anchors of a document read from `uri`. */
function indexDocument(document: unknown, uri: string, pointer: string, index: Index): void {
  const stack: Node[] = [{ schema: document, base: uri, pointer }];
  index.resources.set(uri, stack[0] as Node);
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const { schema } = node;
    if (!isJsonObject(schema)) continue;
    let { base } = node;
    if (typeof schema.$id === 'string') {
      base = resolveId(schema.$id, base);
      if (!index.resources.has(base)) index.resources.set(base, { schema, base, pointer: node.pointer });
    }
    const here = { schema, base, pointer: node.pointer };
    for (const keyword of ['$anchor', '$dynamicAnchor']) {
      const anchor = schema[keyword];
      if (typeof anchor !== 'string') continue;
      const key = `${base}#${anchor}`;
      if (!index.anchors.has(key)) index.anchors.set(key, here);
      if (keyword === '$dynamicAnchor') {
        const list = index.dynamic.get(anchor) ?? [];
        list.push(here);
        index.dynamic.set(anchor, list);
      }
    }
    for (const keyword of [...IN_PLACE_MAPS, ...CHILD_ONCE_MAPS, ...CHILD_EACH_MAPS, ...DECLARING_MAPS]) {
      const map = schema[keyword];
      if (!isJsonObject(map)) continue;
      for (const [key, sub] of Object.entries(map))
        stack.push({ schema: sub, base, pointer: `${node.pointer}/${keyword}/${pointerSegment(key)}` });
    }
    for (const keyword of [...IN_PLACE_LISTS, ...CHILD_ONCE_LISTS, ...CHILD_EACH_LISTS]) {
      const value = schema[keyword];
      if (Array.isArray(value))
        value.forEach((sub, i) =>
          stack.push({ schema: sub, base, pointer: `${node.pointer}/${keyword}/${i}` }),
        );
      else if (value !== undefined)
        stack.push({ schema: value, base, pointer: `${node.pointer}/${keyword}` });
    }
  }
}

/** `ref` resolved against `base` as ajv resolves it, without an empty fragment; undefined if it cannot be. */
function resolveUri(base: string, ref: string): string | undefined {
  if (ref.startsWith('#')) return `${base}${ref}`.replace(/#\/?$/, '');
  try {
    return new URL(ref, base === '' ? undefined : base).href.replace(/#\/?$/, '');
  } catch {
    return undefined;
  }
}

/** An `$id` as ajv knows it: resolved against the enclosing base, without an empty fragment. */
function resolveId(id: string, base: string): string {
  return resolveUri(base, id) ?? id.replace(/#\/?$/, '');
}

function saturate(value: number): number {
  return value > SATURATED || Number.isNaN(value) ? SATURATED : value;
}
