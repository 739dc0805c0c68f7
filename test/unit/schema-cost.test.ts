import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SCHEMA_LIMITS } from '../../lambda/core/limits.js';
import { compileRowSchema } from '../../lambda/core/row-schema.js';
import { rowEvaluationCount, SATURATED } from '../../lambda/core/schema-cost.js';

/** Applicators by what they apply to: the same value, one value under it, or every property. */
const IN_PLACE = ['allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else', 'dependentSchemas'] as const;
const CHILD_ONCE = ['properties', 'items', 'prefixItems', 'contains', 'unevaluatedItems'] as const;
const CHILD_EACH = [
  'additionalProperties',
  'patternProperties',
  'propertyNames',
  'unevaluatedProperties',
] as const;
type Keyword = (typeof IN_PLACE)[number] | (typeof CHILD_ONCE)[number] | (typeof CHILD_EACH)[number];
const LISTS = new Set<Keyword>(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const MAPS = new Set<Keyword>(['properties', 'patternProperties', 'dependentSchemas']);

/** A schema as a model: what it applies, and the definition it refers to (one declared before). */
interface Model {
  readonly apply: readonly (readonly [Keyword, readonly Model[]])[];
  readonly ref?: number;
}

/** The model as JSON Schema; `$defs` named d0, d1, … */
function render(model: Model): Record<string, unknown> {
  const schema: Record<string, unknown> = { type: 'string' };
  for (const [keyword, children] of model.apply) {
    const rendered = children.map(render);
    schema[keyword] = LISTS.has(keyword)
      ? rendered
      : MAPS.has(keyword)
        ? Object.fromEntries(rendered.map((child, i) => [`k${i}`, child]))
        : rendered[0];
  }
  if (model.ref !== undefined) schema.$ref = `#/$defs/d${model.ref}`;
  return schema;
}

/** The count by expanding every reference, without remembering anything. */
function expand(model: Model, defs: readonly Model[], level: 0 | 1, columns: number): number {
  let count = 1;
  for (const [keyword, children] of model.apply) {
    const inPlace = (IN_PLACE as readonly string[]).includes(keyword);
    if (!inPlace && level === 1) continue;
    const times = (CHILD_EACH as readonly string[]).includes(keyword) ? columns : 1;
    for (const child of children) count += times * expand(child, defs, inPlace ? level : 1, columns);
  }
  if (model.ref !== undefined) count += expand(defs[model.ref] as Model, defs, level, columns);
  return count;
}

/** A model at most `depth` applicators deep whose references go to definitions 0 … refs-1. */
function modelOf(refs: number, depth = 3): fc.Arbitrary<Model> {
  const ref = refs === 0 ? fc.constant(undefined) : fc.option(fc.nat(refs - 1), { nil: undefined });
  const apply: fc.Arbitrary<Model['apply']> =
    depth === 0
      ? fc.constant([])
      : fc
          .uniqueArray(
            fc.tuple(
              fc.constantFrom<Keyword>(...IN_PLACE, ...CHILD_ONCE, ...CHILD_EACH),
              fc.array(modelOf(refs, depth - 1), { minLength: 1, maxLength: 3 }),
            ),
            { maxLength: 3, selector: ([keyword]) => keyword },
          )
          .map((entries) =>
            // A keyword that takes one subschema gets one.
            entries.map(([k, c]) => [k, LISTS.has(k) || MAPS.has(k) ? c : c.slice(0, 1)] as const),
          );
  return fc
    .tuple(apply, ref)
    .map(([applied, to]) => (to === undefined ? { apply: applied } : { apply: applied, ref: to }));
}

/** Up to five definitions, each referring only to those before it (a DAG), and a root using them. */
const dag = fc
  .integer({ min: 0, max: 5 })
  .chain((n) =>
    fc.tuple(
      fc.tuple(...Array.from({ length: n }, (_, i) => modelOf(i))),
      modelOf(n),
      fc.integer({ min: 1, max: 4 }),
    ),
  );

describe('rowEvaluationCount', () => {
  it('equals the count of expanding every reference, on DAG-shaped schemas', () => {
    fc.assert(
      fc.property(dag, ([defs, root, columns]) => {
        const schema = {
          ...render(root),
          $defs: Object.fromEntries(defs.map((def, i) => [`d${i}`, render(def)])),
        };
        const cost = rowEvaluationCount(schema, { columns, limit: SATURATED });
        expect(cost.unresolved).toEqual([]);
        expect(cost.cycle).toBe(false);
        expect(cost.count).toBe(expand(root, defs, 0, columns));
      }),
      { numRuns: 300 },
    );
  });

  it('counts 2^n evaluations for n definitions each referring twice to the one before, in linear time', () => {
    const doubling = (n: number): Record<string, unknown> => {
      const defs: Record<string, unknown> = { d0: { type: 'string' } };
      for (let i = 1; i <= n; i++)
        defs[`d${i}`] = { allOf: [{ $ref: `#/$defs/d${i - 1}` }, { $ref: `#/$defs/d${i - 1}` }] };
      return { $defs: defs, $ref: `#/$defs/d${n}` };
    };
    // d_i = 1 + 2 (1 + d_{i-1}), d_0 = 1: d_i = 2^(i+2) - 3; the root adds one.
    expect(rowEvaluationCount(doubling(10), { columns: 1, limit: SATURATED }).count).toBe(2 ** 12 - 2);
    const started = performance.now();
    const huge = rowEvaluationCount(doubling(5000), { columns: 1, limit: 1000 });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(huge.count).toBe(SATURATED);
    // d_7 = 509 is within 1000, d_8 = 1021 is not.
    expect(huge.pointer).toBe('/$defs/d8');
  });

  it('a reference back to a schema being counted counts nothing, and is reported as a cycle', () => {
    const cost = rowEvaluationCount(
      { $defs: { a: { allOf: [{ type: 'string' }, { $ref: '#/$defs/a' }] } }, $ref: '#/$defs/a' },
      { columns: 1, limit: SATURATED },
    );
    expect(cost).toMatchObject({ count: 4, cycle: true });
  });

  it('a reference back through a property applies the schema once more, to a value, and is no cycle', () => {
    const schema = { properties: { a: { $ref: '#' } }, allOf: [{ type: 'string' }] };
    // At the row: root, properties/a, allOf/0; at a value: the root again and its allOf/0.
    expect(rowEvaluationCount(schema, { columns: 1, limit: SATURATED })).toMatchObject({
      count: 5,
      cycle: false,
    });
  });

  it('follows $ids, anchors and $dynamicRef to the costliest dynamic anchor', () => {
    const schema = {
      $id: 'https://example.org/row.json',
      $defs: {
        other: { $id: 'other.json', allOf: [true, true] },
        named: { $anchor: 'named', not: true },
        meta: { $dynamicAnchor: 'meta', anyOf: [true, true, true] },
      },
      allOf: [{ $ref: 'other.json' }, { $ref: '#named' }, { $dynamicRef: '#meta' }],
    };
    // root 1 + allOf (3 refs, each 1) + other (3) + named (2) + meta (4)
    expect(rowEvaluationCount(schema, { columns: 1, limit: SATURATED })).toMatchObject({
      count: 13,
      unresolved: [],
    });
  });

  it('reports a $ref it cannot follow', () => {
    expect(
      rowEvaluationCount({ allOf: [{ $ref: '#/$defs/none' }] }, { columns: 1, limit: SATURATED }).unresolved,
    ).toEqual([{ ref: '#/$defs/none', pointer: '/allOf/0/$ref' }]);
  });
});

describe("the project's own schemas", () => {
  const dir = path.join(import.meta.dirname, '../../schemas');
  const files = readdirSync(dir).filter((file) => file.endsWith('.json'));

  it.each(files)('%s is far below the limit', (file) => {
    const schema = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Record<string, unknown>;
    const columns = Object.keys((schema.properties as object | undefined) ?? {}).length;
    const cost = rowEvaluationCount(schema, { columns, limit: SCHEMA_LIMITS.maxRowEvaluations });
    expect(cost.unresolved).toEqual([]);
    expect(cost.count).toBeLessThan(SCHEMA_LIMITS.maxRowEvaluations / 100);
  });

  it.each(
    files.filter(
      (file) => !['catalog', 'dataset', 'site', 'validation-report'].includes(file.split('.')[0] ?? ''),
    ),
  )('%s compiles as a row schema', (file) => {
    const schema: unknown = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    expect(compileRowSchema(schema, file)).toMatchObject({ ok: true });
  });
});

describe('compileRowSchema and references', () => {
  const row = (extra: Record<string, unknown>) => ({
    type: 'object',
    properties: { id: { type: 'integer' } },
    additionalProperties: false,
    ...extra,
  });

  it('a $ref to the draft 2020-12 meta-schema is counted through it, and compiles', () => {
    const schema = row({ allOf: [{ $ref: 'https://json-schema.org/draft/2020-12/schema' }] });
    expect(compileRowSchema(schema, 'x.schema.json')).toMatchObject({ ok: true });
  });

  it('a $ref that leads nowhere is a schema-error at its pointer', () => {
    const result = compileRowSchema(row({ allOf: [{ $ref: '#/$defs/none' }] }), 'x.schema.json');
    expect(result).toMatchObject({
      ok: false,
      issues: [{ code: 'schema-error', file: 'x.schema.json', field: '/allOf/0/$ref' }],
    });
  });
});
