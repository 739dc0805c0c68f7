/**
 * A descriptor or schema holding a key twice in one object reads one way to a reviewer (the first) and
 * another to JSON.parse (the last): `"maximum": 10` above `"maximum": 1e9` would let through what the
 * schema seems to refuse. Each is refused, at the repeated key.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, makeWorkspace } from '../support/workspace.js';

describe('a key twice in one object of a descriptor or schema', () => {
  it('is refused, naming the file, line, column and key, in the descriptor and in the schema', async () => {
    const ws = await makeWorkspace();
    const descriptor = path.join(ws.data, 'visits.dataset.json');
    const text = await readFile(descriptor, 'utf8');
    // A second title, after the first, on a line of its own.
    await writeFile(
      descriptor,
      text.replace(/\n(\s*)"title": /, '\n$1"title": "A title a reviewer does not see",\n$1"title": '),
    );
    const schema = path.join(ws.schemas, 'trade.schema.json');
    const parsed = JSON.parse(await readFile(schema, 'utf8')) as {
      properties: Record<string, Record<string, unknown>>;
    };
    const [first] = Object.keys(parsed.properties);
    const schemaText = JSON.stringify(parsed, null, 2).replace(
      `"${first}": {`,
      `"${first}": {\n      "description": "seen by a reviewer",\n      "description": "read by the tool",`,
    );
    await writeFile(schema, schemaText);

    const { code, stderr } = await cli('validate', '--data', ws.data, '--schemas', ws.schemas);

    expect(code).toBe(1);
    expect(stderr).toMatch(
      /visits\.dataset\.json:\d+:\d+: \[descriptor-error\] \/title: has the key "title" twice in one object: JSON readers keep one of the two/,
    );
    expect(stderr).toMatch(
      new RegExp(
        `trade\\.schema\\.json:\\d+:7: \\[schema-error\\] /properties/${first}/description: has the key "description" twice in one object`,
      ),
    );
  });
});
