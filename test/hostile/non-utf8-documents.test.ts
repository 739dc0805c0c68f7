/**
 * A schema, descriptor or `site.json` saved in another encoding than UTF-8 (Latin-1 `café` is the byte E9
 * where UTF-8 has C3 A9). The CSV is read as strict UTF-8 and such a byte is an `encoding-error`; these
 * documents were decoded leniently, so the byte became U+FFFD and went on: into the published title
 * ("Test caf� data"), or into an enum value that a cell holding U+FFFD then matched. Each is now an
 * `encoding-error` at the byte's line and column, and nothing is published.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_CSV, FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA } from '../support/dataset-fixture.js';
import { hostileWorkspace, publishAll, publishedDatasetFiles, SITE } from './hostile-workspace.js';

/** Replaces the UTF-8 text `from` in a file with the raw bytes `to`. */
async function replaceBytes(file: string, from: string, to: Uint8Array): Promise<void> {
  const bytes = await readFile(file);
  const at = bytes.indexOf(Buffer.from(from, 'utf8'));
  expect(at).toBeGreaterThanOrEqual(0);
  await writeFile(
    file,
    Buffer.concat([bytes.subarray(0, at), to, bytes.subarray(at + Buffer.byteLength(from, 'utf8'))]),
  );
}

const LATIN1_CAFE = Buffer.from('caf\xe9', 'latin1');

describe('a schema, descriptor or site.json that is not UTF-8', () => {
  it('refuses a Latin-1 byte in a descriptor title at its line and column, and publishes nothing', async () => {
    const ws = await hostileWorkspace({
      sample: {
        descriptorText: JSON.stringify({ ...FIXTURE_DESCRIPTOR, title: 'Sample cafe dataset' }, null, 1),
      },
    });
    await replaceBytes(path.join(ws.data, 'sample.dataset.json'), 'cafe', LATIN1_CAFE);
    const { outcomes } = await publishAll(ws);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected']);
    expect(outcomes[0]?.report.issues).toEqual([
      expect.objectContaining({
        code: 'encoding-error',
        file: path.join(ws.data, 'sample.dataset.json'),
        line: 3,
        column: 22,
        message: expect.stringContaining('invalid UTF-8 byte sequence at byte offset') as string,
      }),
    ]);
    expect(await publishedDatasetFiles(ws)).toEqual([]);
  });

  it('refuses an enum value holding a byte that is not UTF-8, which a cell holding U+FFFD matched', async () => {
    const schema = {
      ...FIXTURE_SCHEMA,
      properties: { ...FIXTURE_SCHEMA.properties, kind: { type: 'string', enum: ['turnover', 'exportX'] } },
    };
    const ws = await hostileWorkspace({
      sample: { schemaText: JSON.stringify(schema), csv: FIXTURE_CSV.replace(',export', ',export\ufffd') },
    });
    await replaceBytes(
      path.join(ws.schemas, 'sample.schema.json'),
      'exportX',
      Buffer.from('export\xff', 'latin1'),
    );
    const { outcomes } = await publishAll(ws);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected']);
    expect(outcomes[0]?.report.issues).toEqual([
      expect.objectContaining({
        code: 'encoding-error',
        file: path.join(ws.schemas, 'sample.schema.json'),
        line: 1,
      }),
    ]);
    expect(await publishedDatasetFiles(ws)).toEqual([]);
  });

  it('stops the run at a site.json that is not UTF-8, before anything is written', async () => {
    const ws = await hostileWorkspace({ sample: {} }, { ...SITE, title: 'Hostile cafe tests' });
    await replaceBytes(path.join(ws.data, 'site.json'), 'cafe', LATIN1_CAFE);
    await expect(publishAll(ws)).rejects.toThrow(
      /site\.json:1:\d+: \[encoding-error\] invalid UTF-8 byte sequence/,
    );
    expect(await publishedDatasetFiles(ws)).toEqual([]);
  });
});
