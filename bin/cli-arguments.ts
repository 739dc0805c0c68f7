/**
 * Reads a command's arguments with `node:util`'s `parseArgs`, and turns the
 * mistakes people make into one line that says how to fix them: a mistyped
 * option names the one meant, an option of another command says whose it is,
 * and options npm kept for itself (`npm run opendata publish --out x`, without
 * `--`) are told apart from a typo.
 */
import { closest, distance } from 'fastest-levenshtein';
import { parseArgs } from 'node:util';
import { COMMAND_NAMES, COMMANDS, type CommandName, type CommandSpec } from './cli-commands.js';

/** The command line itself is wrong (exit 2): a CLI-local error, never thrown by the core. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * The closest of `candidates` to `input`, when it is close enough to be what
 * was meant: at most a third of its length away (at least 2 edits for short
 * words), or a candidate it begins (`--base` for `--base-url`).
 */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0 || input === '') return undefined;
  const prefixed = candidates.filter((candidate) => candidate.startsWith(input));
  if (prefixed.length === 1) return prefixed[0];
  const best = closest(input, candidates);
  return distance(input, best) <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined;
}

/** ` (did you mean "x"?)`, or nothing. */
export function didYouMean(input: string, candidates: readonly string[], quote = '"'): string {
  const guess = suggest(input, candidates);
  return guess === undefined ? '' : ` (did you mean ${quote}${guess}${quote}?)`;
}

type Values = Record<string, string | boolean | undefined>;

/** What a command was given: option values (defaults filled in) and the other arguments. */
export interface ParsedArguments {
  readonly values: Values & { readonly help?: boolean };
  readonly positionals: readonly string[];
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
  const spec: CommandSpec = COMMANDS[name];
  const options = {
    ...Object.fromEntries(
      Object.entries(spec.options).map(([option, { type, default: fallback }]) => [
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
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    given.add(token.name);
    const known = token.name === 'help' ? { type: 'boolean' } : spec.options[token.name];
    if (known === undefined) throw new UsageError(unknownOption(name, token.rawName, token.name));
    if (known.type === 'string' && token.value === undefined)
      throw new UsageError(
        `${token.rawName} needs a value: ${token.rawName} ${spec.options[token.name]?.value ?? 'VALUE'}`,
      );
    if (known.type === 'boolean' && token.value !== undefined)
      throw new UsageError(`${token.rawName} takes no value (got "${token.value}")`);
  }
  const parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  const values = parsed.values as Values;
  if (values.help !== true) checkNpmKeptOptions(name, given, env);
  return { values, positionals: parsed.positionals };
}

function unknownOption(command: CommandName, raw: string, name: string): string {
  const own = Object.keys(COMMANDS[command].options);
  const listed = `${command}'s options: ${own.map((option) => `--${option}`).join(', ')}`;
  const owner = raw.startsWith('--')
    ? COMMAND_NAMES.find((other) => other !== command && Object.hasOwn(COMMANDS[other].options, name))
    : undefined;
  if (owner !== undefined) return `${raw} is an option of ${owner}, not of ${command} (${listed})`;
  const guess = raw.startsWith('--') ? suggest(name, [...own, 'help']) : undefined;
  if (guess !== undefined) return `unknown option ${raw} for ${command} (did you mean --${guess}?)`;
  return `unknown option ${raw} for ${command} (${listed})`;
}

/**
 * `npm run opendata publish --out x` (no `--` after the script name) gives
 * `--out` to npm, which sets `npm_config_out=true`, and passes `x` on as an
 * argument: the run would then go on with a dataset id "x" and the default
 * folder. Said plainly instead.
 */
function checkNpmKeptOptions(
  command: CommandName,
  given: ReadonlySet<string>,
  env: Readonly<Record<string, string | undefined>>,
): void {
  const kept = Object.keys(COMMANDS[command].options).filter(
    (option) => !given.has(option) && env[`npm_config_${option.replaceAll('-', '_')}`] === 'true',
  );
  if (kept.length === 0) return;
  const flags = kept.map((option) => `--${option}`).join(', ');
  throw new UsageError(
    `npm took ${flags} as its own option${kept.length === 1 ? '' : 's'}: put "--" before the command, as in "npm run opendata -- ${command} ${kept.map((option) => `--${option} …`).join(' ')}"`,
  );
}
