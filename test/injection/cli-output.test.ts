import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cliFailure, publishTime } from '../../bin/opendata.js';
import { OpenDataError } from '../../lambda/core/errors.js';
import { cli, makeWorkspace, publishWorkspace, REPO_ROOT } from '../support/workspace.js';

const run = promisify(execFile);

/** What a terminal would act on: C0 and C1 controls but tab and line feed, DEL, and bidi controls. */
const TERMINAL_CONTROL =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point of this pattern
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const ESCAPES = '\u001b[2J\u001b]0;pwned\u0007\u009b31m\r\u202e';

describe('everything the CLI prints that came from input has its control characters escaped', () => {
  it('an unknown command', async () => {
    const { code, stderr } = await cli(`x${ESCAPES}`);

    expect(code).toBe(2);
    expect(TERMINAL_CONTROL.exec(stderr)?.[0]).toBeUndefined();
    expect(stderr).toContain('unknown command "x\\u001b[2J\\u001b]0;pwned\\u0007\\u009b31m\\u000d\\u202e"');
  });

  it('a line feed in an option value, in the usage error that refuses it, which stays one line', async () => {
    const { code, stderr } = await cli('validate', '--format', 'x\nt: valid (2 rows)');

    expect(code).toBe(2);
    expect(stderr.split('\n')).toEqual([
      'opendata: --format must be text or json, not "x\\u000at: valid (2 rows)"',
      'Run "npm run opendata -- validate --help" for usage.',
    ]);
  });

  it('a dataset id given on the command line, in the usage error that refuses it', async () => {
    const ws = await makeWorkspace();
    const id = `evil${ESCAPES}`;

    const { code, stdout, stderr } = await cli('validate', id, '--data', ws.data, '--schemas', ws.schemas);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(TERMINAL_CONTROL.exec(stderr)?.[0]).toBeUndefined();
    expect(stderr).toContain('"evil\\u001b[2J');
  });

  it('dataset ids and file names in validation output (text and JSON)', async () => {
    const ws = await makeWorkspace();
    const id = `evil${ESCAPES}`;
    // A descriptor whose file name is no dataset id: found in the data folder and reported as an issue.
    await writeFile(
      path.join(ws.data, `${id}.dataset.json`),
      await readFile(path.join(ws.data, 'trade.dataset.json')),
    );

    const text = await cli('validate', '--data', ws.data, '--schemas', ws.schemas);
    const json = await cli('validate', '--format', 'json', '--data', ws.data, '--schemas', ws.schemas);

    expect(text.code).toBe(1);
    expect(TERMINAL_CONTROL.exec(text.stdout + text.stderr)?.[0]).toBeUndefined();
    expect(text.stdout).toContain('evil\\u001b[2J');
    expect(TERMINAL_CONTROL.exec(json.stdout)?.[0]).toBeUndefined();
    // Escaped the JSON way, so the output still parses to the very same id.
    const report = JSON.parse(json.stdout) as { datasets: { id: string }[] };
    expect(report.datasets.map((dataset) => dataset.id)).toContain(id);
  });

  it('a folder name quoted in every issue, and a cell value however it is reported', async () => {
    const ws = await makeWorkspace();
    const data = path.join(ws.root, `data${ESCAPES}`);
    await rename(ws.data, data);
    const file = path.join(data, 'trade.csv');
    const csv = await readFile(file, 'utf8');
    await writeFile(file, csv.replace(',turnover,value,', ',turnover,value\u009b2J\u202e,'));

    const { code, stdout, stderr } = await cli('validate', 'trade', '--data', data, '--schemas', ws.schemas);

    expect(code).toBe(1);
    expect(TERMINAL_CONTROL.exec(stdout + stderr)?.[0]).toBeUndefined();
    // Escaped here or already by the issue formatter (`\u{1b}`); either way shown, not acted on.
    expect(stderr).toMatch(/\/data\\u(\{1b\}|001b)\[2J/);
  });
});

describe('SOURCE_DATE_EPOCH is checked before anything is written', () => {
  it.each(['99999999999999999', '253402300800', '1e3', '-1', ' 5'])(
    'refuses %j as a usage error naming the variable, writing nothing',
    async (value) => {
      const ws = await makeWorkspace();
      process.env.SOURCE_DATE_EPOCH = value;
      try {
        const { code, stderr } = await publishWorkspace(ws);

        expect(code).toBe(2);
        expect(stderr).toContain('SOURCE_DATE_EPOCH');
        expect(existsSync(ws.out)).toBe(false);
      } finally {
        delete process.env.SOURCE_DATE_EPOCH;
      }
    },
  );

  it('accepts any time up to the end of year 9999 (RFC 3339 has four-digit years)', () => {
    expect(publishTime('253402300799').toISOString()).toBe('9999-12-31T23:59:59.000Z');
    expect(publishTime('0').toISOString()).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('an output folder that cannot be written', () => {
  it('under a file: one line naming the folder and the reason, exit 1, no stack trace', async () => {
    const ws = await makeWorkspace();
    const file = path.join(ws.root, 'a-file');
    await writeFile(file, 'not a folder');
    const out = path.join(file, 'public');

    const { code, stderr } = await cli('publish', '--data', ws.data, '--schemas', ws.schemas, '--out', out);

    expect(code).toBe(1);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toContain(out);
    expect(stderr).toMatch(/cannot write/);
    expect(stderr).toContain('ENOTDIR');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  const canDropRoot = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv');
  it.skipIf(!canDropRoot)(
    'read-only (as an unprivileged user): names the folder and EACCES, exit 1',
    async () => {
      const ws = await makeWorkspace();
      await chmod(ws.root, 0o755);
      const readOnly = path.join(ws.root, 'read-only');
      await mkdir(readOnly, { mode: 0o555 });
      await chmod(readOnly, 0o555);
      for (const out of [readOnly, path.join(readOnly, 'public')]) {
        const result = await run(
          '/usr/bin/setpriv',
          [
            '--reuid=65534',
            '--regid=65534',
            '--clear-groups',
            process.execPath,
            '--import',
            'tsx',
            'bin/opendata.ts',
            'publish',
            '--data',
            ws.data,
            '--schemas',
            ws.schemas,
            '--out',
            out,
          ],
          { cwd: REPO_ROOT, env: { ...process.env, HOME: ws.root }, timeout: 50_000 },
        ).then(
          () => ({ code: 0, stderr: '' }),
          (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? '' }),
        );

        expect(result.code, out).toBe(1);
        expect(result.stderr, out).toContain(readOnly);
        expect(result.stderr, out).toContain('EACCES');
        expect(result.stderr, out).not.toMatch(/\n\s+at /);
      }
    },
  );
});

class HostileTestError extends OpenDataError {
  override readonly name = 'HostileTestError';
  readonly code = 'hostile-test';
}

describe('the error model at the top of the CLI', () => {
  it('prints any OpenDataError as one line and exits 1', () => {
    const failure = cliFailure(new HostileTestError('first line\nsecond \u001b[31mline'));

    expect(failure?.exitCode).toBe(1);
    expect(failure?.lines).toEqual(['opendata: first line; second \\u{1b}[31mline']);
  });

  it('names the path and the reason of a file-system error (EACCES)', () => {
    const denied = Object.assign(new Error("EACCES: permission denied, open '/srv/site/x.tmp'"), {
      code: 'EACCES',
      errno: -13,
      syscall: 'open',
      path: '/srv/site/x.tmp',
    });

    expect(cliFailure(denied)).toEqual({
      exitCode: 1,
      lines: ['opendata: cannot write /srv/site/x.tmp: permission denied (EACCES)'],
    });
  });

  it('leaves anything else to be reported as a bug (exit 3 with the stack)', () => {
    expect(cliFailure(new TypeError('x is undefined'))).toBeUndefined();
    expect(cliFailure('a string')).toBeUndefined();
  });
});
