import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/temp-dir.js';
import { cli, makeWorkspace } from '../support/workspace.js';

// Where a dataset's file should be, something that is no file: a named pipe, a folder, a link leading out of
// the folder. It is that dataset's issue, said as what is there; the other datasets are still published.

describe("something that is no file in a dataset's place", () => {
  // A named pipe stopped the whole run at its first look ("could not stat", exit 1): no dataset published,
  // and no report of any.
  it.each([
    ['the CSV', 'transport.csv', 'data', 'the CSV file'],
    ['the schema', 'transport.schema.json', 'schemas', 'the JSON Schema'],
  ])(
    "%s as a named pipe is that dataset's issue, and the others are published",
    async (_what, name, folder, said) => {
      const ws = await makeWorkspace();
      const file = path.join(folder === 'data' ? ws.data : ws.schemas, name);
      await rm(file);
      execFileSync('mkfifo', [file]);

      const run = await cli('publish', '--data', ws.data, '--schemas', ws.schemas, '--out', ws.out);

      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `${file}: [file-missing] ${said} of dataset "transport" is no file (a named pipe is there): put the file itself there`,
      );
      expect(run.stdout).toMatch(/^trade +published 1\.0\.0/m);
      expect(existsSync(path.join(ws.out, 'datasets', 'transport'))).toBe(false);
    },
  );

  // Links that lead to one another (ELOOP) stopped every run, that of other datasets too ("could not stat").
  it("names links in a loop, in place of the CSV or the schema, as that dataset's issue", async () => {
    const ws = await makeWorkspace();
    const csv = path.join(ws.data, 'transport.csv');
    await rm(csv);
    await symlink(csv, csv);
    const schema = path.join(ws.schemas, 'visits.schema.json');
    const other = path.join(ws.schemas, 'other.json');
    await rm(schema);
    await symlink(other, schema);
    await symlink(schema, other);

    const run = await cli('publish', '--data', ws.data, '--schemas', ws.schemas, '--out', ws.out);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `[file-missing] the CSV file of dataset "transport" is no file (a symbolic link to ${csv} is there, which leads to no file`,
    );
    expect(run.stderr).toContain(
      `[file-missing] the JSON Schema of dataset "visits" is no file (a symbolic link to ${other} is there, which leads to no file`,
    );
    expect(run.stdout).toMatch(/^trade +published 1\.0\.0/m);
  });

  // A descriptor is found by its name in the data folder's listing, which has only files: the CSV it would
  // describe is then one without a descriptor, neither validated nor published, said with what is there.
  it('says what stands where a descriptor should be, beside the CSV left unpublished', async () => {
    const ws = await makeWorkspace();
    const descriptor = path.join(ws.data, 'transport.dataset.json');
    await rm(descriptor);
    execFileSync('mkfifo', [descriptor]);

    const run = await cli('publish', '--data', ws.data, '--schemas', ws.schemas, '--out', ws.out);

    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      `opendata: warning: ${path.join(ws.data, 'transport.csv')} has no descriptor ${descriptor} (there is a named pipe, not a file), so it is neither validated nor published`,
    );
    expect(run.stdout).toMatch(/^trade +published 1\.0\.0/m);
  });

  // A link out of the folder, or a folder, was said to be missing, where the curator sees it there.
  it('names a link leading out of the folder, and a folder, for what they are', async () => {
    const ws = await makeWorkspace();
    const outside = path.join(await makeTempDir('opendata-outside-'), 'transport.csv');
    await writeFile(outside, 'a,b\n1,2\n');
    await rm(path.join(ws.data, 'transport.csv'));
    await symlink(outside, path.join(ws.data, 'transport.csv'));
    await rm(path.join(ws.schemas, 'visits.schema.json'));
    await mkdir(path.join(ws.schemas, 'visits.schema.json'));

    const run = await cli('validate', '--data', ws.data, '--schemas', ws.schemas);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `[file-missing] the CSV file of dataset "transport" is no file (a symbolic link to ${outside} is there, which leads out of the tree: no file is read or served through it): put the file itself there`,
    );
    expect(run.stderr).toContain(
      '[file-missing] the JSON Schema of dataset "visits" is no file (a folder is there): put the file itself there',
    );
    expect(run.stdout).toMatch(/^trade: valid/m);
  });
});
