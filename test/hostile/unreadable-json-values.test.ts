/**
 * JSON that `JSON.parse` accepts but no later step can use: a lone surrogate written as an escape
 * (`"\ud800"`, no Unicode text: the content hash's canonical JSON throws on it, and no UTF-8 file holds it)
 * and a number beyond a 64-bit float (`1e400`, read as Infinity, which the schema compiler then calls
 * "not a number" at line 1, column 1). Each is refused where it is written, as a schema or descriptor
 * error, not a crash with a stack trace after validation said the dataset was valid.
 */
import { describe, expect, it } from 'vitest';
import { FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA } from '../support/dataset-fixture.js';
import { hostileWorkspace, publishAll, publishedDatasetFiles } from './hostile-workspace.js';

const schemaLines = JSON.stringify(FIXTURE_SCHEMA, null, 2);

describe('a schema or descriptor holding JSON no later step can use', () => {
  it('refuses a lone surrogate in a schema title at its line, column and pointer, and publishes nothing', async () => {
    const ws = await hostileWorkspace({
      sample: {
        schemaText: schemaLines.replace('"title": "sample row",', '"title": "sample \\ud800 row",'),
      },
    });
    const { outcomes } = await publishAll(ws);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected']);
    expect(outcomes[0]?.report.issues).toEqual([
      expect.objectContaining({
        code: 'schema-error',
        line: 4,
        column: 12,
        field: '/title',
        message: expect.stringContaining('lone surrogate, U+D800') as string,
      }),
    ]);
    expect(await publishedDatasetFiles(ws)).toEqual([]);
  });

  it('refuses a lone surrogate in a descriptor keyword', async () => {
    const ws = await hostileWorkspace({
      sample: { descriptor: { ...FIXTURE_DESCRIPTOR, keywords: ['test', '\udc00'] } },
    });
    const { outcomes } = await publishAll(ws);
    expect(outcomes[0]?.report.issues).toEqual([
      expect.objectContaining({ code: 'descriptor-error', field: '/keywords/1' }),
    ]);
    expect(await publishedDatasetFiles(ws)).toEqual([]);
  });

  it('refuses 1e400 where it is written, saying it is beyond a 64-bit float', async () => {
    const ws = await hostileWorkspace({
      sample: {
        schemaText: schemaLines.replace('"minimum": 0', '"minimum": 0,\n      "maximum": 1e400'),
      },
    });
    const { outcomes } = await publishAll(ws);
    const [issue] = outcomes[0]?.report.issues ?? [];
    expect(issue).toEqual(
      expect.objectContaining({
        code: 'schema-error',
        field: '/properties/value_musd/maximum',
        message: expect.stringMatching(/1e400 is beyond what a 64-bit float holds/) as string,
      }),
    );
    expect(issue?.line).toBeGreaterThan(1);
  });

  it('still accepts a well-formed surrogate pair, written as two escapes', async () => {
    const ws = await hostileWorkspace({
      sample: { descriptor: { ...FIXTURE_DESCRIPTOR, keywords: ['test', '\ud83d\ude00'] } },
    });
    const { outcomes } = await publishAll(ws);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['published']);
  });
});
