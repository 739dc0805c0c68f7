import { describe, expect, it } from 'vitest';
import { compileRowSchema, RowSchemaScope } from '../../lambda/core/row-schema.js';

// A process keeps the row schemas it compiled, by their JSON text: a warm function publishing on a
// schedule compiles a schema once. What a run checks before compiling still runs every time, and a
// schema that differs in anything is compiled on its own.

function schemaWith(column: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    type: 'object',
    properties: { code: { type: 'string', ...column } },
    required: ['code'],
    additionalProperties: false,
    ...extra,
  };
}

function compiled(schema: unknown, file = 'codes.schema.json', scope?: RowSchemaScope) {
  const result = compileRowSchema(schema, file, scope);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.value;
}

describe('row schemas compiled in one process', () => {
  it('are compiled once: the same schema again, read afresh, gets the check already compiled', () => {
    const first = compiled(schemaWith({ pattern: '^[A-Z]{3}$' }));
    const again = compiled(JSON.parse(JSON.stringify(schemaWith({ pattern: '^[A-Z]{3}$' }))));
    expect(again.validate).toBe(first.validate);
    expect(again.validate({ code: 'KAZ' })).toBe(true);
    expect(again.validate({ code: 'kaz' })).toBe(false);
    expect(again.validate.errors?.[0]?.keyword).toBe('pattern');
  });

  it('are told apart by any difference: a constraint, a title', () => {
    const base = compiled(schemaWith({ pattern: '^[A-Z]{3}$' }));
    const otherPattern = compiled(schemaWith({ pattern: '^[A-Z]{2}$' }));
    expect(otherPattern.validate).not.toBe(base.validate);
    expect(base.validate({ code: 'AZ' })).toBe(false);
    expect(otherPattern.validate({ code: 'AZ' })).toBe(true);
    const titled = compiled(schemaWith({ pattern: '^[A-Z]{3}$', title: 'Country code' }));
    expect(titled.validate).not.toBe(base.validate);
  });

  it('still refuses, every time, what is checked before compiling: an $id another schema of the run took', () => {
    const schema = { ...schemaWith({ maxLength: 3 }), $id: 'https://example.org/codes.schema.json' };
    const scope = new RowSchemaScope();
    compiled(schema, 'a.schema.json', scope);
    const second = compileRowSchema(schema, 'b.schema.json', scope);
    expect(second.ok).toBe(false);
    // A new run (a new scope) compiles it again, from the process's kept check.
    expect(compiled(schema, 'b.schema.json', new RowSchemaScope()).validate({ code: 'ABCD' })).toBe(false);
  });

  it('still refuses a schema that does not compile, every time it is given', () => {
    const broken = schemaWith({ minimum: 'three' });
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = compileRowSchema(broken, 'broken.schema.json');
      expect(result.ok).toBe(false);
    }
  });

  it('keep a bounded number: past it, the least recently used is compiled again, with the same verdicts', () => {
    const first = compiled(schemaWith({ maxLength: 1 }));
    for (let length = 2; length <= 40; length++) compiled(schemaWith({ maxLength: length }));
    const recompiled = compiled(schemaWith({ maxLength: 1 }));
    expect(recompiled.validate).not.toBe(first.validate);
    expect(recompiled.validate({ code: 'A' })).toBe(true);
    expect(recompiled.validate({ code: 'AB' })).toBe(false);
  });
});
