import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../bin/opendata.js';
import { suggest } from '../../lambda/core/suggest.js';
import { cli, datasetIds, makeWorkspace } from '../support/workspace.js';

/** Runs the CLI in-process with the environment given (where npm leaves its variables), capturing what it prints. */
async function cliWithEnv(env: Record<string, string>, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (line) => out.push(line), err: (line) => err.push(line) }, { env });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('an unknown dataset id', () => {
  it.each(['validate', 'publish'])(
    '%s names the datasets there are and the closest one, writes nothing and exits 2',
    async (command) => {
      const ws = await makeWorkspace();
      const target = command === 'publish' ? ['--out', ws.out] : [];

      const { code, stdout, stderr } = await cli(
        command,
        'trad',
        '--data',
        ws.data,
        '--schemas',
        ws.schemas,
        ...target,
      );

      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.split('\n')).toEqual([
        `opendata: unknown dataset "trad": there is no ${ws.data}/trad.dataset.json (did you mean "trade"?); the datasets are ${await datasetIds(ws.data)}`,
        `Run "npm run opendata -- ${command} --help" for usage.`,
      ]);
      expect(existsSync(ws.out)).toBe(false);
    },
  );

  it('offers no guess when nothing is close, but still lists the datasets', async () => {
    const ws = await makeWorkspace();

    const { code, stderr } = await cli('validate', 'population', '--data', ws.data, '--schemas', ws.schemas);

    expect(code).toBe(2);
    expect(stderr).toContain(
      `unknown dataset "population": there is no ${ws.data}/population.dataset.json; the datasets are ${await datasetIds(ws.data)}`,
    );
    expect(stderr).not.toContain('did you mean');
  });
});

describe('a mistyped option', () => {
  it.each([
    [
      ['publish', '--base', 'https://data.example.org/'],
      'unknown option --base for publish (did you mean --base-url?)',
    ],
    [
      ['publish', '--baseurl', 'https://data.example.org/'],
      'unknown option --baseurl for publish (did you mean --base-url?)',
    ],
    [['validate', '--frmat', 'json'], 'unknown option --frmat for validate (did you mean --format?)'],
    [['validate', '--DATA', 'data'], 'unknown option --DATA for validate (did you mean --data?)'],
    [['publish', '--Base-URL', 'x'], 'unknown option --Base-URL for publish (did you mean --base-url?)'],
    [
      ['verify', 'public', '--deadline', '5'],
      'unknown option --deadline for verify (did you mean --deadline-ms?)',
    ],
    [
      ['serve', '--out', 'public'],
      "--out is an option of publish, not of serve (serve's options: --dir, --port)",
    ],
    [
      ['validate', '--zzzzzz'],
      "unknown option --zzzzzz for validate (validate's options: --data, --schemas, --sources, --format)",
    ],
    [['publish', '--out'], '--out needs a value: --out DIR'],
    [['validate', '--data='], '--data needs a value: --data DIR'],
    [
      ['serve', '--port', '-1'],
      '--port needs a value: --port N; a value that starts with "-" is written --port=-1',
    ],
    [
      ['publish', '--out', '--data'],
      '--out needs a value: --out DIR; a value that starts with "-" is written --out=--data',
    ],
    [['validate', 'TRADE'], 'unknown dataset "TRADE": dataset ids are lowercase (did you mean trade?)'],
    [['validate', '--help=yes'], '--help takes no value (got "yes")'],
    [
      ['pubish'],
      'unknown command "pubish" (did you mean "publish"?); the commands are validate, publish, serve, verify',
    ],
    [['validate', '--format', 'jsno'], '--format must be text or json, not "jsno" (did you mean "json"?)'],
    [
      ['publish', '--out', 'public', '--out', 'site'],
      '--out is given twice, as "public" and as "site": give it once',
    ],
    [
      ['serve', '--port=8080', '--dir', 'public', '--port', '9090'],
      '--port is given twice, as "8080" and as "9090": give it once',
    ],
  ])('%j says: %s', async (args, message) => {
    const { code, stdout, stderr } = await cli(...args);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    const [first, hint, ...rest] = stderr.split('\n');
    expect(first).toBe(`opendata: ${message}`);
    expect(hint).toMatch(/^Run "npm run opendata -- (\w+ )?--help" for usage\.$/);
    expect(rest).toEqual([]);
  });

  it('given twice with the same value is taken as given once', async () => {
    const ws = await makeWorkspace();

    const { code, stderr } = await cli(
      'validate',
      '--data',
      ws.data,
      '--schemas',
      ws.schemas,
      `--data=${ws.data}`,
    );

    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('is escaped for the terminal like every other line', async () => {
    const { code, stderr } = await cli('validate', '--x\u001b[2J\u202e');

    expect(code).toBe(2);
    expect(stderr).toContain('unknown option --x\\u001b[2J\\u202e for validate');
    // eslint-disable-next-line no-control-regex -- the point is that no control character is left
    expect(stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202e]/);
  });

  it('guesses only what is close', () => {
    expect(suggest('base', ['out', 'base-url', 'bucket'])).toBe('base-url');
    expect(suggest('bukcet', ['out', 'base-url', 'bucket'])).toBe('bucket');
    expect(suggest('verbose', ['out', 'base-url', 'bucket'])).toBeUndefined();
    // A candidate in other letter case is what was meant, however many letters differ.
    expect(suggest('BASE-URL', ['out', 'base-url', 'bucket'])).toBe('base-url');
  });
});

describe('options npm kept for itself', () => {
  it('are named, with the "--" that hands them over, before anything runs', async () => {
    const ws = await makeWorkspace();

    // What `npm run opendata publish --out DIR` gives the CLI: npm keeps --out (npm_config_out=true) and passes DIR on.
    const { code, stderr } = await cliWithEnv({ npm_config_out: 'true' }, 'publish', ws.out);

    expect(code).toBe(2);
    expect(stderr).toContain(
      'opendata: npm took --out as its own option: put "--" before the command, as in "npm run opendata -- publish --out …"',
    );
    expect(existsSync(ws.out)).toBe(false);
  });

  it('are named when npm kept one with its value: npm start --message "…" publishes nothing without it', async () => {
    const ws = await makeWorkspace();

    // What `npm start --message "fix a typo"` gives the CLI: npm reads --message as its own setting, value and all.
    const { code, stderr } = await cliWithEnv(
      { npm_config_message: 'fix a typo' },
      'publish',
      '--out',
      ws.out,
    );

    expect(code).toBe(2);
    expect(stderr).toContain(
      'opendata: npm took --message as its own option: put "--" before the command, as in "npm run opendata -- publish --message …"',
    );
    expect(existsSync(ws.out)).toBe(false);
  });

  it('are not blamed when the option reached the CLI', async () => {
    const ws = await makeWorkspace();

    const { code } = await cliWithEnv(
      { npm_config_data: 'true' },
      'validate',
      'trade',
      '--data',
      ws.data,
      '--schemas',
      ws.schemas,
    );

    expect(code).toBe(0);
  });
});

describe('help', () => {
  it.each(['validate', 'publish', 'serve', 'verify'])(
    '"%s --help" prints that command\'s help and exits 0',
    async (command) => {
      const others = ['validate', 'publish', 'serve', 'verify'].filter((name) => name !== command);

      const flag = await cli(command, '--help');
      const short = await cli(command, '-h');
      const topic = await cli('help', command);

      expect(flag.code).toBe(0);
      expect(flag.stdout).toMatch(new RegExp(`^Usage: npm run opendata -- ${command}\\b`));
      expect(flag.stdout).toContain('-h, --help');
      for (const other of others) expect(flag.stdout).not.toContain(`opendata -- ${other}`);
      expect(short.stdout).toBe(flag.stdout);
      expect(topic).toEqual(flag);
    },
  );

  it('lists every command and its options in the general help, each option once per command', async () => {
    const { code, stdout } = await cli('--help');

    expect(code).toBe(0);
    for (const command of ['validate', 'publish', 'serve', 'verify'])
      expect(stdout).toMatch(new RegExp(`^${command}\\b`, 'm'));
    expect(stdout).toContain('--base-url URL');
    expect(stdout).toContain('Run "npm run opendata -- <command> --help" for one command in detail.');
  });

  it('keeps every help line within 80 columns', async () => {
    const pages = await Promise.all([
      cli('--help'),
      ...['validate', 'publish', 'serve', 'verify'].map((c) => cli(c, '--help')),
    ]);

    const long = pages.flatMap(({ stdout }) => stdout.split('\n')).filter((line) => line.length > 80);

    expect(long).toEqual([]);
  });
});
