import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_SCHEMA } from '../support/dataset-fixture.js';
import { hostileWorkspace, validateAll } from './hostile-workspace.js';

/** Where `member` (a JSON string literal followed by a colon) is in `text`: 1-based line and column. */
function positionOf(text: string, member: string): { line: number; column: number } {
  const at = text.indexOf(`${JSON.stringify(member)}:`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: (before.at(-1) ?? '').length + 1 };
}

describe('a schema-error in a schema written over many lines', () => {
  it.each([
    [
      'additionalProperties switched on',
      { ...FIXTURE_SCHEMA, additionalProperties: true },
      'additionalProperties',
    ],
    [
      'an unsupported column type',
      { ...FIXTURE_SCHEMA, properties: { ...FIXTURE_SCHEMA.properties, day: { type: 'array' } } },
      'day',
    ],
  ])('%s points at the line and column of the member', async (_name, schema, member) => {
    const schemaText = `${JSON.stringify(schema, null, 2)}\n`;
    const ws = await hostileWorkspace({ sample: { schemaText } });

    const [report] = (await validateAll(ws)).map((result) => result.report);

    expect(report?.issues).toEqual([
      expect.objectContaining({
        code: 'schema-error',
        file: path.join(ws.schemas, 'sample.schema.json'),
        ...positionOf(schemaText, member),
      }),
    ]);
    expect(positionOf(schemaText, member).line).toBeGreaterThan(1);
  });
});
