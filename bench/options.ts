/**
 * The bench's command line, `npm run bench -- [options]`, read with the `opendata` CLI's parser
 * (bin/cli-arguments.ts): an unknown or mistyped option, a missing value and options npm kept for itself
 * (no `--`) are each said in one line, as `npm run opendata` says them. And what the report's header says
 * about the runs.
 */
import { parseOptions, UsageError, type OptionSet } from '../bin/cli-arguments.js';
import { optionLines, type OptionSpec } from '../bin/cli-commands.js';

export const BENCH_OPTIONS = {
  large: { type: 'boolean', help: 'add 10^7 rows to the default sizes (about 1.1 GB of CSV)' },
  runs: {
    type: 'string',
    value: 'N',
    default: '3',
    help: 'runs per size, of which the median is printed; sizes from 1,000,000 rows run once',
  },
  sizes: {
    type: 'string',
    value: 'N,N…',
    help: 'the row counts to measure (default: 10000,100000,1000000)',
  },
  'heap-mb': {
    type: 'string',
    value: 'MB',
    help: "cap each measured process's old space (--max-old-space-size), at least 16",
  },
  'semi-space-mb': {
    type: 'string',
    value: 'MB',
    help: "cap each measured process's young generation (--max-semi-space-size), at least 1",
  },
  'no-node24': { type: 'boolean', help: 'measure under the local Node only, not under Node 24 too' },
  'no-s3': { type: 'boolean', help: "skip publishing to moto's S3 (which holds every object in memory)" },
  'out-dir': {
    type: 'string',
    value: 'DIR',
    help: "where the datasets and published trees go (default: the system's temporary folder)",
  },
} as const satisfies Record<string, OptionSpec>;

const BENCH: OptionSet = {
  name: 'bench',
  options: BENCH_OPTIONS,
  positionals: false,
  npmRun: 'npm run bench --',
  dashDashBefore: 'the options',
};

export const USAGE = `usage: npm run bench -- ${Object.entries(BENCH_OPTIONS)
  .map(([name, option]) => `[--${name}${'value' in option ? ` ${option.value}` : ''}]`)
  .join(' ')}`;

/** What `npm run bench -- --help` prints. */
export function benchHelp(): string {
  return [
    USAGE,
    '',
    'Measures validating and publishing generated trade datasets beside DuckDB, then the Lambda bundles.',
    '',
    'Options:',
    ...optionLines(BENCH_OPTIONS, true),
    '',
    'See BENCHMARKS.md.',
  ].join('\n');
}

/**
 * Sizes from here up measure once the operations no speed target is judged by, and their unchanged republish
 * is not re-measured.
 */
export const ONE_RUN_FROM = 1e6;

/** Sizes from here up (10^7 rows: minutes a publish) measure every operation once. */
export const EVERY_OPERATION_ONCE_FROM = 1e7;

/**
 * The operations issue 15's speed targets are judged by (publish to a directory against DuckDB, with Node's
 * default heap and with the CLI's heap setting; validate against parsing alone): at 10^6 rows, where the
 * targets are read, they keep every run asked for, so that the verdict is a median rather than one sample of
 * a shared machine.
 */
export const TARGET_OPERATIONS: readonly string[] = [
  'parse',
  'validate',
  'publish dir',
  'publish cli',
  'duckdb',
];

/** The runs made of `operation` at `size` when `runs` were asked for. */
export function runsAt(size: number, runs: number, operation: string): number {
  if (size < ONE_RUN_FROM) return runs;
  return size < EVERY_OPERATION_ONCE_FROM && TARGET_OPERATIONS.includes(operation) ? runs : 1;
}

/** What the command line asked for. */
export interface BenchOptions {
  readonly runs: number;
  readonly sizes: readonly number[];
  /** `--max-old-space-size` and `--max-semi-space-size` of each measured process, when capped. */
  readonly heapMb: number | undefined;
  readonly semiSpaceMb: number | undefined;
  readonly node24: boolean;
  readonly s3: boolean;
  readonly outDir: string | undefined;
}

/**
 * The bench's options from its arguments, or `'help'` for `--help`. Throws a {@link UsageError} naming the
 * option for anything it cannot run with. `env` is where npm leaves the options it kept for itself.
 */
export function parseBenchArguments(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): BenchOptions | 'help' {
  const { values } = parseOptions(BENCH, args, env);
  if (values.help === true) return 'help';
  const text = (name: keyof typeof BENCH_OPTIONS): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const runsText = text('runs') ?? '3';
  if (!/^\d+$/.test(runsText) || Number(runsText) < 1)
    throw new UsageError(`--runs must be a whole number, 1 or more, not "${runsText}"`);
  const sizesText = text('sizes');
  const sizes =
    sizesText?.split(',').map(Number) ?? (values.large === true ? [1e4, 1e5, 1e6, 1e7] : [1e4, 1e5, 1e6]);
  if (sizes.some((size) => !Number.isInteger(size) || size < 1))
    throw new UsageError(
      `--sizes must be row counts separated by commas, such as 10000,100000, not "${sizesText}"`,
    );
  const megabytes = (name: 'heap-mb' | 'semi-space-mb', least: number): number | undefined => {
    const given = text(name);
    if (given === undefined) return undefined;
    if (!(Number(given) >= least)) throw new UsageError(`--${name} must be ${least} or more, not "${given}"`);
    return Number(given);
  };
  return {
    runs: Number(runsText),
    sizes,
    heapMb: megabytes('heap-mb', 16),
    semiSpaceMb: megabytes('semi-space-mb', 1),
    node24: values['no-node24'] !== true,
    s3: values['no-s3'] !== true,
    outDir: text('out-dir'),
  };
}

/**
 * How many runs the report's figures come from, as its header says it: every size below {@link ONE_RUN_FROM}
 * rows runs each operation `runs` times; below {@link EVERY_OPERATION_ONCE_FROM}, only the
 * {@link TARGET_OPERATIONS} do; from there, one run of each.
 */
export function describeRuns(runs: number, sizes: readonly number[]): string {
  const rows = (list: readonly number[]) => {
    const shown = list.map((size) => size.toLocaleString('en'));
    const last = shown.pop();
    return `${shown.length === 0 ? '' : `${shown.join(', ')} and `}${last} rows`;
  };
  const all = sizes.filter((size) => runsAt(size, runs, 'publish s3') > 1);
  const targets = sizes.filter(
    (size) => runsAt(size, runs, 'publish s3') === 1 && runsAt(size, runs, 'parse') > 1,
  );
  const once = sizes.filter((size) => runsAt(size, runs, 'parse') === 1);
  if (once.length === sizes.length) return 'one run of each operation';
  const operations = TARGET_OPERATIONS.join(', ').replace(/, ([^,]*)$/, ' and $1');
  const medians = [
    ...(all.length === 0 ? [] : [once.length + targets.length === 0 ? '' : ` at ${rows(all)}`]),
    ...(targets.length === 0 ? [] : [` of ${operations} at ${rows(targets)} (one run of the others)`]),
  ];
  return `medians of ${runs} runs${medians.join(', and')}${once.length === 0 ? '' : `, one run at ${rows(once)}`}`;
}
