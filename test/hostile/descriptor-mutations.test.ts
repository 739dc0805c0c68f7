/**
 * The real curated descriptor and row schema of `transport` (the smallest
 * dataset), mutated at random the way a curator's slip or a hostile edit
 * would (a key deleted, renamed or written twice, a value of another JSON
 * type, unknown keys, array items swapped), validated beside the real CSV.
 * Validation must never throw: every issue names one of the dataset's files,
 * a JSON file's issue carries a pointer that exists in the mutated document
 * or is a missing member of one that does, a descriptor issue is on the line
 * where the value it names (or its nearest existing parent) is written, every
 * message is one line, and a run takes well under ten seconds.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIssue, type Issue } from '../../lambda/core/issue.js';
import { validateDatasets } from '../../lambda/core/pipeline.js';
import { cli, REPO_ROOT } from '../support/workspace.js';
import { hostileWorkspace, type HostileWorkspace } from './hostile-workspace.js';

const ID = 'transport';
const SEED = 20261205;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = readonly (string | number)[];

/** One JSON text to write: a value, and members to write a second time (object path ⇒ key ⇒ value). */
interface Mutated {
  readonly value: Json;
  readonly duplicates: readonly { readonly at: Path; readonly key: string; readonly value: Json }[];
}

/** Every path to a value in `value` (the root included), in document order. */
function pathsOf(value: Json, at: Path = []): Path[] {
  const here: Path[] = [at];
  if (Array.isArray(value)) value.forEach((item, index) => here.push(...pathsOf(item, [...at, index])));
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) here.push(...pathsOf(item, [...at, key]));
  return here;
}

function get(value: Json, at: Path): Json {
  let here = value;
  for (const segment of at) here = (here as Record<string | number, Json>)[segment] as Json;
  return here;
}

/** `value` with the container at `at` replaced by what `change` makes of a copy of it. */
function edit(value: Json, at: Path, change: (here: Json) => Json): Json {
  if (at.length === 0) return change(structuredClone(value));
  const [head, ...rest] = at;
  if (Array.isArray(value))
    return value.map((item, index) => (index === head ? edit(item, rest, change) : item));
  const object = value as Record<string, Json>;
  return Object.fromEntries(
    Object.entries(object).map(([key, item]) => [key, key === head ? edit(item, rest, change) : item]),
  );
}

const nested = (depth: number): Json => (depth === 0 ? [] : [nested(depth - 1)]);

/** Values of every JSON type, the awkward ones included, by name (fast-check prints the name). */
const VALUES: Record<string, Json> = {
  null: null,
  true: true,
  zero: 0,
  negative: -1,
  fraction: 1.5,
  huge: 1e308,
  'huge negative': -1e308,
  'past 2^53': Number.MAX_SAFE_INTEGER + 2,
  'empty string': '',
  string: 'x',
  'long string': 'a'.repeat(20_000),
  'two lines': 'line\nbreak',
  'empty array': [],
  array: [1, 'a', null],
  'empty object': {},
  object: { unknown: 1 },
  'array 60 deep': nested(60),
  'array 1000 deep': nested(1000),
};
const otherValue: fc.Arbitrary<string> = fc.constantFrom(...Object.keys(VALUES));
const valueNamed = (name: string): Json => VALUES[name] ?? null;

type Mutation =
  | { kind: 'delete'; pick: number }
  | { kind: 'set'; pick: number; value: string }
  | { kind: 'rename'; pick: number; name: string }
  | { kind: 'duplicate'; pick: number; value: string }
  | { kind: 'unknown'; pick: number; name: string; value: string }
  | { kind: 'swap'; pick: number; other: number };

const keyName = fc.constantFrom(
  'x',
  'unknown',
  '__proto__',
  'constructor',
  '',
  'a/b',
  'ti~tle',
  'id',
  'type',
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('set' as const), pick: fc.nat(), value: otherValue }),
  fc.record({ kind: fc.constant('rename' as const), pick: fc.nat(), name: keyName }),
  fc.record({ kind: fc.constant('duplicate' as const), pick: fc.nat(), value: otherValue }),
  fc.record({ kind: fc.constant('unknown' as const), pick: fc.nat(), name: keyName, value: otherValue }),
  fc.record({ kind: fc.constant('swap' as const), pick: fc.nat(), other: fc.nat() }),
);

/** `document` with `change` applied to one of its members (chosen by `pick`). */
function mutate(document: Mutated, change: Mutation): Mutated {
  const { value } = document;
  const paths = pathsOf(value);
  const members = paths.filter((at) => at.length > 0 && typeof at.at(-1) === 'string');
  const objects = paths.filter((at) => {
    const here = get(value, at);
    return here !== null && typeof here === 'object' && !Array.isArray(here);
  });
  const arrays = paths.filter((at) => Array.isArray(get(value, at)) && (get(value, at) as Json[]).length > 1);
  const pick = <T>(list: readonly T[], index: number): T | undefined =>
    list.length === 0 ? undefined : list[index % list.length];
  switch (change.kind) {
    case 'delete':
    case 'rename': {
      const at = pick(members, change.pick);
      if (at === undefined) return document;
      const key = at.at(-1) as string;
      const next = edit(value, at.slice(0, -1), (here) => {
        const entries = Object.entries(here as Record<string, Json>);
        return Object.fromEntries(
          change.kind === 'delete'
            ? entries.filter(([name]) => name !== key)
            : entries.map(([name, item]) => [name === key ? change.name : name, item]),
        );
      });
      return { value: next, duplicates: document.duplicates };
    }
    case 'set': {
      const at = pick(paths, change.pick);
      return at === undefined
        ? document
        : { ...document, value: edit(value, at, () => valueNamed(change.value)) };
    }
    case 'duplicate': {
      const at = pick(members, change.pick);
      if (at === undefined) return document;
      const entry = { at: at.slice(0, -1), key: at.at(-1) as string, value: valueNamed(change.value) };
      return { ...document, duplicates: [...document.duplicates, entry] };
    }
    case 'unknown': {
      const at = pick(objects, change.pick);
      if (at === undefined) return document;
      return {
        ...document,
        value: edit(value, at, (here) => ({ ...(here as object), [change.name]: valueNamed(change.value) })),
      };
    }
    case 'swap': {
      const at = pick(arrays, change.pick);
      if (at === undefined) return document;
      return {
        ...document,
        value: edit(value, at, (here) => {
          const items = [...(here as Json[])];
          const [a, b] = [change.pick % items.length, change.other % items.length];
          [items[a], items[b]] = [items[b] as Json, items[a] as Json];
          return items;
        }),
      };
    }
  }
}

/** The JSON text of `document` and the line each pointer's value is written on (its member name's line). */
interface Written {
  readonly text: string;
  readonly lines: ReadonlyMap<string, number>;
}

const pointerOf = (at: Path): string =>
  at.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');

/**
 * Writes `document`, one object member a line, each duplicate after the
 * members of its object (so it is the one `JSON.parse` keeps), and notes
 * where every value that `JSON.parse` keeps is written.
 */
function written(document: Mutated): Written {
  const parts: string[] = [];
  const lines = new Map<string, number>();
  let line = 1;
  const put = (text: string): void => {
    parts.push(text);
    for (const char of text) if (char === '\n') line++;
  };
  const forget = (pointer: string): void => {
    for (const key of [...lines.keys()]) if (key.startsWith(`${pointer}/`)) lines.delete(key);
  };
  const write = (value: Json, at: Path): void => {
    if (!lines.has(pointerOf(at))) lines.set(pointerOf(at), line);
    if (Array.isArray(value)) {
      put('[');
      value.forEach((item, index) => {
        if (index > 0) put(',');
        lines.delete(pointerOf([...at, index]));
        write(item, [...at, index]);
      });
      put(']');
      return;
    }
    if (value === null || typeof value !== 'object') {
      put(JSON.stringify(value));
      return;
    }
    put('{\n');
    const members: [string, Json, boolean][] = Object.entries(value).map(([key, item]) => [key, item, false]);
    for (const duplicate of document.duplicates)
      if (JSON.stringify(duplicate.at) === JSON.stringify(at))
        members.push([duplicate.key, duplicate.value, true]);
    members.forEach(([key, item, isDuplicate], index) => {
      if (index > 0) put(',\n');
      const pointer = pointerOf([...at, key]);
      lines.set(pointer, line);
      forget(pointer);
      put(`${JSON.stringify(key)}:`);
      if (isDuplicate) put(JSON.stringify(item));
      else write(item, [...at, key]);
    });
    put('\n}');
  };
  write(document.value, []);
  return { text: parts.join(''), lines };
}

/** Whether `pointer` names a value in `document`. */
function exists(document: unknown, pointer: string): boolean {
  if (pointer === '') return true;
  let here = document;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (here === null || typeof here !== 'object' || !Object.hasOwn(here, segment)) return false;
    here = (here as Record<string, unknown>)[segment];
  }
  return true;
}

/** The pointer of the container holding what `pointer` names. */
function parentOf(pointer: string): string {
  return pointer.slice(0, Math.max(0, pointer.lastIndexOf('/')));
}

let ws: HostileWorkspace;
let realDescriptor: Json;
let realSchema: Json;

beforeAll(async () => {
  const csv = await readFile(path.join(REPO_ROOT, 'data', `${ID}.csv`), 'utf8');
  realDescriptor = JSON.parse(
    await readFile(path.join(REPO_ROOT, 'data', `${ID}.dataset.json`), 'utf8'),
  ) as Json;
  realSchema = JSON.parse(
    await readFile(path.join(REPO_ROOT, 'schemas', `${ID}.schema.json`), 'utf8'),
  ) as Json;
  ws = await hostileWorkspace({ [ID]: { csv, descriptor: realDescriptor, schema: realSchema } });
});

afterAll(async () => {
  await rm(ws.root, { recursive: true, force: true });
});

const files = () => ({
  descriptor: path.join(ws.data, `${ID}.dataset.json`),
  schema: path.join(ws.schemas, `${ID}.schema.json`),
  csv: path.join(ws.data, `${ID}.csv`),
});

/** The problems with one issue of a run on the texts written; empty when it keeps the promise. */
function problemsOf(issue: Issue, texts: { descriptor: Written; schema: Written }): string[] {
  const problems: string[] = [];
  const paths = files();
  const json =
    issue.file === paths.descriptor
      ? texts.descriptor
      : issue.file === paths.schema
        ? texts.schema
        : undefined;
  const text = json?.text;
  if (text === undefined && issue.file !== paths.csv)
    problems.push(`names no file of the dataset: ${issue.file}`);
  if (/[\n\r]/.test(issue.message)) problems.push('message is not one line');
  if (formatIssue(issue).includes('\n')) problems.push('formatted issue is not one line');
  if (!(issue.line >= 0 && issue.column >= 0)) problems.push('no place');
  if (text !== undefined) {
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      return problems; // the text is not JSON (it cannot be here), nothing to point into
    }
    if (issue.field === undefined) {
      if (issue.code !== 'limit-exceeded') problems.push('a JSON file issue without a pointer');
    } else if (!issue.field.startsWith('/') && issue.field !== '') {
      problems.push(`field is not a JSON pointer: ${issue.field}`);
    } else if (!exists(document, issue.field) && !exists(document, parentOf(issue.field))) {
      problems.push(`pointer names nothing in the document, nor its parent: ${issue.field}`);
    } else if (json === texts.descriptor && issue.line > 0) {
      // Descriptor issues are placed on the line of the value they name, or of its nearest existing parent.
      let pointer = issue.field === '/' ? '' : issue.field;
      while (!exists(document, pointer)) pointer = parentOf(pointer);
      // A member written twice keeps its later value on one line: its members are on the line of its name.
      let line = json.lines.get(pointer);
      for (let up = pointer; line === undefined;) line = json.lines.get((up = parentOf(up)));
      if (issue.line !== line)
        problems.push(`placed on line ${issue.line}, but ${pointer || '/'} is on line ${line}`);
    }
  }
  return problems;
}

async function runOnce(descriptor: Mutated, schema: Mutated) {
  const texts = { descriptor: written(descriptor), schema: written(schema) };
  await writeFile(files().descriptor, texts.descriptor.text);
  await writeFile(files().schema, texts.schema.text);
  const started = performance.now();
  const results = await validateDatasets(ws.source);
  const elapsed = performance.now() - started;
  return { texts, results, elapsed };
}

const target = fc.record({
  inDescriptor: fc.array(mutation, { minLength: 0, maxLength: 3 }),
  inSchema: fc.array(mutation, { minLength: 0, maxLength: 2 }),
});

describe('mutated real descriptor and schema', () => {
  it('the unmutated files of transport are valid', async () => {
    const { results } = await runOnce(
      { value: realDescriptor, duplicates: [] },
      { value: realSchema, duplicates: [] },
    );
    expect(results.map((result) => result.report.issues)).toEqual([[]]);
  });

  it('validation never throws, and every issue names its file, an existing pointer and one line', async () => {
    await fc.assert(
      fc.asyncProperty(target, async ({ inDescriptor, inSchema }) => {
        const descriptor = inDescriptor.reduce(mutate, { value: realDescriptor, duplicates: [] } as Mutated);
        const schema = inSchema.reduce(mutate, { value: realSchema, duplicates: [] } as Mutated);
        const { texts, results, elapsed } = await runOnce(descriptor, schema);
        expect(elapsed).toBeLessThan(10_000);
        const issues = results.flatMap((result) => result.report.issues);
        const problems = issues.flatMap((issue) =>
          problemsOf(issue, texts).map((problem) => `${problem} in ${formatIssue(issue)}`),
        );
        expect(problems).toEqual([]);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('the CLI reports a mutated descriptor as located one-line issues and exits 1', async () => {
    const descriptor = mutate(
      mutate({ value: realDescriptor, duplicates: [] }, { kind: 'set', pick: 1, value: 'null' }),
      { kind: 'delete', pick: 3 },
    );
    await runOnce(descriptor, { value: realSchema, duplicates: [] });
    const result = await cli('validate', '--data', ws.data, '--schemas', ws.schemas);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(line).toMatch(/transport\.dataset\.json:\d+:\d+: \[descriptor-error\] \/\S*: /);
  });
});
