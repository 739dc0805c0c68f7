/**
 * Folders left by failed attempts hold version numbers; however many there are, a new version passes
 * over them and is published, and the report names them without listing each.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, publishWorkspace, readJson } from '../support/workspace.js';

const DEBRIS = 60;

describe('version numbers held by folders of failed attempts', () => {
  it(`are passed over, ${DEBRIS} of them, and the new version published after them`, async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws)).code).toBe(0);
    // Unlisted folders 1.0.1 to 1.0.60, each holding a file no attempt of this content would write.
    for (let patch = 1; patch <= DEBRIS; patch++) {
      const folder = path.join(ws.out, 'datasets', 'trade', `1.0.${patch}`);
      await mkdir(folder);
      await writeFile(path.join(folder, 'trade.csv'), `left by attempt ${patch}\n`);
    }
    const csv = path.join(ws.data, 'trade.csv');
    await writeFile(
      csv,
      (await readFile(csv, 'utf8')).replace("One item of the paper's", "An item of the paper's"),
    );

    const { code, stdout } = await publishWorkspace(ws);

    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(
        `^trade +published 1\\.0\\.${DEBRIS + 1} \\(patch, \\d+ rows; skipped 1\\.0\\.1, 1\\.0\\.2, 1\\.0\\.3 and ${DEBRIS - 3} more, to 1\\.0\\.${DEBRIS}: held by unlisted folders`,
        'm',
      ),
    );
    const catalog = await readJson<{ datasets: { id: string; latest: string }[] }>(
      path.join(ws.out, 'catalog.json'),
    );
    expect(catalog.datasets.find((dataset) => dataset.id === 'trade')?.latest).toBe(`1.0.${DEBRIS + 1}`);
    // Each left as found.
    expect(await readFile(path.join(ws.out, 'datasets', 'trade', '1.0.7', 'trade.csv'), 'utf8')).toBe(
      'left by attempt 7\n',
    );
  });
});
