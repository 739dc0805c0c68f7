/**
 * Reads a command's arguments with `node:util`'s `parseArgs`, and turns the
 * mistakes people make into one line that says how to fix them: a mistyped
 * option names the one meant, an option of another command says whose it is,
 * and options npm kept for itself (`npm run opendata publish --out x`, without
 * `--`) are told apart from a typo.
 */
import { parseArgs } from 'node:util';
import { suggest } from '../lambda/core/suggest.js';
import { COMMAND_NAMES, COMMANDS, type CommandName, type OptionSpec } from './cli-commands.js';

/** The command line itself is wrong (exit 2): a CLI-local error, never thrown by the core. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Values = Record<string, string | boolean | undefined>;

/** What a command was given: option values (defaults filled in) and the other arguments. */
export interface ParsedArguments {
  readonly values: Values & { readonly help?: boolean };
  readonly positionals: readonly string[];
  /** The options written on the command line, as against those `values` holds by default. */
  readonly given: ReadonlySet<string>;
}

/** Options as {@link parseOptions} reads them: an `opendata` command's, or another script's (the bench's). */
export interface OptionSet {
  /** What the messages call the command: `unknown option --x for <name>`. */
  readonly name: string;
  readonly options: Readonly<Record<string, Pick<OptionSpec, 'type' | 'value' | 'default'>>>;
  /** Whether it takes arguments besides its options; when not, one is a usage error. */
  readonly positionals: boolean;
  /**
   * How npm runs it up to its options, and what the `--` there comes before, for the message about options
   * npm kept for itself: `npm run opendata -- publish`, `the command`.
   */
  readonly npmRun: string;
  readonly dashDashBefore: string;
  /** The other command an option belongs to, if any (`--out is an option of publish, not of serve`). */
  readonly ownerOf?: (option: string) => string | undefined;
}

/**
 * Parses `args` against the command's options (plus `-h`/`--help`). `env` is
 * where npm leaves options it took for itself (`npm_config_<name>=true`).
 */
export function parseCommandArguments(
  name: CommandName,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedArguments {
  const set: OptionSet = {
    name,
    options: COMMANDS[name].options,
    positionals: true,
    npmRun: `npm run opendata -- ${name}`,
    dashDashBefore: 'the command',
    ownerOf: (option) =>
      COMMAND_NAMES.find((other) => other !== name && Object.hasOwn(COMMANDS[other].options, option)),
  };
  return parseOptions(set, args, env);
}

/**
 * Parses `args` against `set`'s options (plus `-h`/`--help`), and says each
 * mistake in one line (a {@link UsageError}): an unknown option with the one
 * meant, a missing or unexpected value, options npm kept for itself.
 */
export function parseOptions(
  set: OptionSet,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): ParsedArguments {
  const options = {
    ...Object.fromEntries(
      Object.entries(set.options).map(([option, { type, default: fallback }]) => [
        option,
        fallback === undefined ? { type } : { type, default: fallback },
      ]),
    ),
    help: { type: 'boolean', short: 'h' },
  } as const;
  const { tokens } = parseArgs({
    args: [...args],
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const given = new Set<string>();
  // The value each option that takes one was first given, to refuse a second, different one.
  const first = new Map<string, string>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    given.add(token.name);
    const known = token.name === 'help' ? { type: 'boolean' } : set.options[token.name];
    if (known === undefined) throw new UsageError(unknownOption(set, token.rawName, token.name));
    const shape = `${token.rawName} ${set.options[token.name]?.value ?? 'VALUE'}`;
    if (known.type === 'string' && (token.value === undefined || token.value === ''))
      throw new UsageError(`${token.rawName} needs a value: ${shape}`);
    // parseArgs refuses `--port -1` as ambiguous (was a value forgotten?): said in words, with the way to give it.
    if (known.type === 'string' && !token.inlineValue && token.value?.startsWith('-') === true)
      throw new UsageError(
        `${token.rawName} needs a value: ${shape}; a value that starts with "-" is written ${token.rawName}=${token.value}`,
      );
    if (known.type === 'boolean' && token.value !== undefined)
      throw new UsageError(`${token.rawName} takes no value (got "${token.value}")`);
    if (known.type === 'string' && token.value !== undefined) {
      // parseArgs keeps the last of two: `--out a … --out b` would write to b without a word.
      const earlier = first.get(token.name);
      if (earlier !== undefined && earlier !== token.value)
        throw new UsageError(
          `${token.rawName} is given twice, as "${earlier}" and as "${token.value}": give it once`,
        );
      first.set(token.name, token.value);
    }
  }
  const parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  const values = parsed.values as Values;
  if (values.help === true) return { values, positionals: parsed.positionals, given };
  checkNpmKeptOptions(set, given, env);
  if (!set.positionals && parsed.positionals.length > 0)
    throw new UsageError(`${set.name} takes no arguments (got "${parsed.positionals.join(' ')}")`);
  return { values, positionals: parsed.positionals, given };
}

function unknownOption(set: OptionSet, raw: string, name: string): string {
  const own = Object.keys(set.options);
  const listed = `${set.name}'s options: ${own.map((option) => `--${option}`).join(', ')}`;
  const owner = raw.startsWith('--') ? set.ownerOf?.(name) : undefined;
  if (owner !== undefined) return `${raw} is an option of ${owner}, not of ${set.name} (${listed})`;
  const guess = raw.startsWith('--') ? suggest(name, [...own, 'help']) : undefined;
  if (guess !== undefined) return `unknown option ${raw} for ${set.name} (did you mean --${guess}?)`;
  return `unknown option ${raw} for ${set.name} (${listed})`;
}

/**
 * Options of ours that npm also reads as settings of its own with a value (`npm version --message`): given
 * without `--`, npm keeps the option and its value (`npm_config_message=the value`), and the run would go on
 * without them, silently.
 */
const NPM_VALUE_SETTINGS: ReadonlySet<string> = new Set(['message']);

/**
 * `npm run opendata publish --out x` (no `--` after the script name) gives
 * `--out` to npm, which sets `npm_config_out=true`, and passes `x` on as an
 * argument: the run would then go on with a dataset id "x" and the default
 * folder. Said plainly instead. A `--no-<name>` option npm takes as its own
 * negation, `npm_config_<name>` set to nothing.
 */
function checkNpmKeptOptions(
  set: OptionSet,
  given: ReadonlySet<string>,
  env: Readonly<Record<string, string | undefined>>,
): void {
  const npmConfig = (name: string) => env[`npm_config_${name.replaceAll('-', '_')}`];
  const kept = Object.entries(set.options)
    .filter(([option, { type }]) => {
      if (given.has(option)) return false;
      if (npmConfig(option) === 'true') return true;
      if (NPM_VALUE_SETTINGS.has(option) && (npmConfig(option) ?? '') !== '') return true;
      return type === 'boolean' && option.startsWith('no-') && npmConfig(option.slice(3)) === '';
    })
    .map(([option, { type }]) => (type === 'boolean' ? `--${option}` : `--${option} …`));
  if (kept.length === 0) return;
  const flags = kept.map((flag) => flag.replace(/ …$/, '')).join(', ');
  throw new UsageError(
    `npm took ${flags} as its own option${kept.length === 1 ? '' : 's'}: put "--" before ${set.dashDashBefore}, as in "${set.npmRun} ${kept.join(' ')}"`,
  );
}

/** `util.parseArgs` reports unknown options and missing values as TypeErrors with an `ERR_PARSE_ARGS_*` code. */
export function isParseArgsError(error: unknown): boolean {
  const code: unknown =
    error instanceof TypeError ? (error as TypeError & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
