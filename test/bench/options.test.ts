import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { describeRuns, parseBenchArguments, runsAt, TARGET_OPERATIONS, USAGE } from '../../bench/options.js';
import { UsageError } from '../../bin/cli-arguments.js';
import { REPO_ROOT } from '../support/workspace.js';

const run = promisify(execFile);

/**
 * `npm run bench` with these arguments and these variables from npm, stopped before it measures anything
 * (every case here is help or a usage error). The run's own npm variables are left out.
 */
async function bench(args: readonly string[], npmEnv: Record<string, string> = {}) {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_config_'))),
    ...npmEnv,
  };
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], {
      cwd: REPO_ROOT,
      env,
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('npm run bench -- --help', () => {
  it('prints the usage and every option, and exits 0', async () => {
    const { code, stdout, stderr } = await bench(['--help']);

    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe(USAGE);
    expect(stdout).toContain('--no-s3');
    expect(stderr).toBe('');
  });
});

describe('an option the bench cannot run with', () => {
  it('is one line naming it, then the usage, exit 2: no stack trace', async () => {
    const { code, stdout, stderr } = await bench(['--size', '10']);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toEqual([
      'unknown option --size for bench (did you mean --sizes?)',
      USAGE,
    ]);
  });

  it('given without "--", so that npm kept it, says so instead of reading its value as an argument', async () => {
    // What `npm run bench --sizes 1000` gives the bench: npm keeps --sizes (npm_config_sizes=true), passes 1000 on.
    const { code, stderr } = await bench(['1000'], { npm_config_sizes: 'true' });

    expect(code).toBe(2);
    expect(stderr.trimEnd().split('\n')).toEqual([
      'npm took --sizes as its own option: put "--" before the options, as in "npm run bench -- --sizes …"',
      USAGE,
    ]);
  });

  it.each([
    [['--runs'], '--runs needs a value: --runs N'],
    [['--runs', '0'], '--runs must be a whole number, 1 or more, not "0"'],
    [['--runs', '1.5'], '--runs must be a whole number, 1 or more, not "1.5"'],
    [['--sizes', '10,x'], '--sizes must be row counts separated by commas, such as 10000,100000, not "10,x"'],
    [['--heap-mb', '8'], '--heap-mb must be 16 or more, not "8"'],
    [['--no-s3=yes'], '--no-s3 takes no value (got "yes")'],
    [
      ['-x'],
      "unknown option -x for bench (bench's options: --large, --runs, --sizes, --heap-mb, --semi-space-mb, --no-node24, --no-s3, --out-dir)",
    ],
    [['1000'], 'bench takes no arguments (got "1000")'],
  ])('%j says: %s', (args, message) => {
    expect(() => parseBenchArguments(args)).toThrow(new UsageError(message));
  });
});

describe('parseBenchArguments', () => {
  it('reads the defaults, and every option', () => {
    expect(parseBenchArguments([])).toEqual({
      runs: 3,
      sizes: [1e4, 1e5, 1e6],
      heapMb: undefined,
      semiSpaceMb: undefined,
      node24: true,
      s3: true,
      outDir: undefined,
    });
    expect(
      parseBenchArguments([
        '--large',
        '--runs',
        '5',
        '--heap-mb',
        '64',
        '--semi-space-mb',
        '1',
        '--no-node24',
        '--no-s3',
        '--out-dir',
        'x',
      ]),
    ).toEqual({
      runs: 5,
      sizes: [1e4, 1e5, 1e6, 1e7],
      heapMb: 64,
      semiSpaceMb: 1,
      node24: false,
      s3: false,
      outDir: 'x',
    });
    expect(parseBenchArguments(['--sizes', '1e4,2000'])).toMatchObject({ sizes: [10_000, 2000] });
    expect(parseBenchArguments(['-h'])).toBe('help');
  });

  it('names the --no- options npm took as its own negation (npm run bench --no-s3 sets npm_config_s3 to nothing)', () => {
    expect(() => parseBenchArguments([], { npm_config_s3: '', npm_config_node24: '' })).toThrow(
      new UsageError(
        'npm took --no-node24, --no-s3 as its own options: put "--" before the options, as in "npm run bench -- --no-node24 --no-s3"',
      ),
    );
    expect(parseBenchArguments(['--no-s3'], { npm_config_s3: '' })).toMatchObject({ s3: false });
  });
});

describe("the header's account of the runs", () => {
  it("says what ran: medians where a size ran more than once, only the targets' operations repeated at 10^6 rows", () => {
    expect(describeRuns(3, [1e4, 1e5, 1e6])).toBe(
      'medians of 3 runs at 10,000 and 100,000 rows, and of parse, validate, publish dir, publish cli and duckdb at 1,000,000 rows (one run of the others)',
    );
    expect(describeRuns(3, [1e4, 1e5, 1e6, 1e7])).toBe(
      'medians of 3 runs at 10,000 and 100,000 rows, and of parse, validate, publish dir, publish cli and duckdb at 1,000,000 rows (one run of the others), one run at 10,000,000 rows',
    );
    expect(describeRuns(3, [1e6])).toBe(
      'medians of 3 runs of parse, validate, publish dir, publish cli and duckdb at 1,000,000 rows (one run of the others)',
    );
    expect(describeRuns(3, [1e5, 1e7])).toBe('medians of 3 runs at 100,000 rows, one run at 10,000,000 rows');
    expect(describeRuns(5, [1000])).toBe('medians of 5 runs');
    expect(describeRuns(2, [1000, 2000, 3000])).toBe('medians of 2 runs');
  });

  it('repeats at 10^6 rows only the operations a speed target is judged by, and nothing at 10^7', () => {
    expect(TARGET_OPERATIONS.map((operation) => runsAt(1e6, 3, operation))).toEqual([3, 3, 3, 3, 3]);
    expect(['publish fn', 'publish s3'].map((operation) => runsAt(1e6, 3, operation))).toEqual([1, 1]);
    expect([...TARGET_OPERATIONS, 'publish s3'].map((operation) => runsAt(1e7, 3, operation))).toEqual([
      1, 1, 1, 1, 1, 1,
    ]);
    expect(runsAt(1e5, 3, 'publish s3')).toBe(3);
  });

  it('speaks of no medians when every size ran once', () => {
    expect(describeRuns(1, [1000])).toBe('one run of each operation');
    expect(describeRuns(3, [1e7])).toBe('one run of each operation');
  });
});
