import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { cliFailure } from '../../bin/opendata.js';
import { collectRows, Spill } from '../../lambda/core/row-source.js';
import { ScratchChangedError } from '../../lambda/core/scratch.js';
import { scratchForEachTest } from '../support/scratch.js';

describe('a spill changed by another program during the run', () => {
  const scratch = scratchForEachTest();

  it('is said to have been changed, naming the file, and the CLI prints it as one line with exit 1, not as a bug', async () => {
    // Prepare: rows spilled and closed, then the file overwritten behind the run's back.
    const spill = await Spill.rows(scratch.current, 'run');
    await spill.add([
      { id: 'a', year: 1 },
      { id: 'b', year: 2 },
    ]);
    const { path } = spill.written;
    const rows = await spill.close();
    await writeFile(path, '{"id":"a","year":1}\nnot json at all\n');

    // Act
    const reading = collectRows(rows.open());

    // Assess
    const error = await reading.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ScratchChangedError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain('another program changed it during the run');
    expect(cliFailure(error)).toMatchObject({ exitCode: 1, lines: [expect.stringContaining(path)] });
  });

  it('reads back as written when nothing changed it', async () => {
    const spill = await Spill.rows(scratch.current, 'run');
    await spill.add([{ id: 'a', year: 1 }]);
    expect(await collectRows((await spill.close()).open())).toEqual([{ id: 'a', year: 1 }]);
  });
});
