#!/usr/bin/env node
/**
 * The `opendata` command line: a thin adapter that parses arguments, builds
 * stores, calls the core and prints. Run as `npm run opendata -- <command>`.
 */
import { makeDirectory, pathKind } from '../lambda/store/file-system.js';
import path from 'node:path';
import { isOpenDataError, messageOf, oneLine } from '../lambda/core/errors.js';
import { formatIssue } from '../lambda/core/issue.js';
import { ImmutableKeyError, ObjectStoreError, type ObjectStore } from '../lambda/core/object-store.js';
import { CorruptCatalogError } from '../lambda/core/history.js';
import { baseUrlProblem } from '../lambda/core/catalog-shape.js';
import { bucketPrefixProblem } from '../lambda/core/relative-key.js';
import { CorruptPublishedFileError } from '../lambda/core/publish.js';
import { ScratchDirectory, ScratchSpaceError } from '../lambda/core/scratch.js';
import {
  publishDatasets,
  SiteMetaError,
  SiteUpdateError,
  validateDatasets,
  type DatasetOutcome,
  type ProgressListener,
} from '../lambda/core/pipeline.js';
import type { SiteNote } from '../lambda/core/site.js';
import type { SourceLocation } from '../lambda/core/sources.js';
import type { DatasetReport } from '../lambda/core/validate.js';
import {
  DEFAULT_MAX_CATALOG_BYTES,
  DEFAULT_VERIFY_DEADLINE_MS,
  VerifyDeadlineError,
  verifyPublishedTree,
} from '../lambda/core/verify.js';
import { ContainedDirectoryReader } from '../lambda/store/contained-directory-reader.js';
import { HttpReader, redactCredentials } from '../lambda/store/http-reader.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS } from '../lambda/store/network-timeouts.js';
import { LocalDirectoryStore } from '../lambda/store/local-directory.js';
import { checkedRecordFor } from './checked-record.js';
import { isMainModule } from './main-module.js';
import { createSiteServer } from './site-server.js';
import {
  baseUrlNote,
  describeOutcome,
  describeRules,
  issueTotal,
  whereToLook,
  type Destination,
  type ReportLines,
} from './publish-report.js';
import { localSourceTexts } from './source-texts-folder.js';
import { didYouMean } from '../lambda/core/suggest.js';
import {
  isParseArgsError,
  parseCommandArguments,
  UsageError,
  type ParsedArguments,
} from './cli-arguments.js';
import { COMMAND_NAMES, commandHelp, generalHelp, isCommandName, type CommandName } from './cli-commands.js';
import { invalidDatasetIdMessage, isValidDatasetId } from '../lambda/core/dataset-id.js';
import { csvWithoutDescriptor, csvWithoutDescriptorMessage, findDatasetIds } from '../lambda/core/sources.js';
import { textProblem } from '../lambda/core/text-rules.js';
import { forTerminal } from './terminal-text.js';
import { terminalProgress, type ProgressStream, type TerminalProgress } from './progress.js';

/** How many of the derived files a repair wrote are named one by one (the rest are counted). */
const REPAIRED_SHOWN = 20;

export { forTerminal };

/** Exit codes of the CLI contract. */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

type Env = Readonly<Record<string, string | undefined>>;

/** What a run reads from its surroundings besides the arguments (tests pass their own). */
export interface CliContext {
  /** Where `npm_config_*` variables, `OPEN_DATA_SOURCES_DIR` and `OPEN_DATA_CACHE_DIR` are looked up (default: `process.env`). */
  readonly env?: Env;
  /**
   * Where `publish` and `validate` draw their progress line, if it is a
   * terminal (see `progress.ts`). Default: standard error when the run prints
   * to the console; none when the caller captures the output.
   */
  readonly progress?: ProgressStream;
}

interface Output {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs one CLI invocation and resolves to its exit code (`serve` resolves once listening). */
export async function runCli(
  argv: readonly string[],
  output: Output = consoleOutput,
  context: CliContext = {},
): Promise<number> {
  // Ids, file names, cell values and error messages all come from input: every printed line is escaped here,
  // at the one place all printing passes through, so no command can forget to.
  const io: Output = {
    out: (line) => output.out(forTerminal(line)),
    err: (line) => output.err(forTerminal(line)),
  };
  const [command, ...rest] = argv;
  const env = context.env ?? process.env;
  const progressStream = context.progress ?? (output === consoleOutput ? process.stderr : undefined);
  const progress = (): TerminalProgress | undefined =>
    progressStream === undefined ? undefined : terminalProgress(progressStream, env);
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
        io.out(generalHelp());
        return command === undefined ? EXIT.usage : EXIT.ok;
      case 'help': {
        const [topic] = rest;
        if (topic === undefined) {
          io.out(generalHelp());
          return EXIT.ok;
        }
        if (!isCommandName(topic))
          throw new UsageError(`no help for "${topic}": not a command${didYouMean(topic, COMMAND_NAMES)}`);
        io.out(commandHelp(topic));
        return EXIT.ok;
      }
      case 'validate':
        return await validateCommand(rest, io, env, progress);
      case 'publish':
        return await publishCommand(rest, io, env, progress);
      case 'serve':
        return await serveCommand(rest, io, env);
      case 'verify':
        return await verifyCommand(rest, io, env);
      default:
        throw new UsageError(
          `unknown command "${command}"${didYouMean(command, COMMAND_NAMES)}; the commands are ${COMMAND_NAMES.join(', ')}`,
        );
    }
  } catch (error) {
    const failure = cliFailure(error, command !== undefined && isCommandName(command) ? command : undefined);
    // Anything else is a bug: it propagates, and the entry point prints its stack and exits 3.
    if (failure === undefined) throw error;
    for (const line of failure.lines) io.err(line);
    return failure.exitCode;
  }
}

/** How the CLI reports an error it expects: the lines to print and the exit code. */
export interface CliFailure {
  readonly exitCode: typeof EXIT.invalid | typeof EXIT.usage;
  readonly lines: readonly string[];
}

/**
 * The CLI's error model: a usage error exits 2; an error a user can act on
 * (every `OpenDataError`, the store and catalog errors not yet converted to
 * it, and a file-system refusal such as an output folder that cannot be
 * written) is one line and exits 1. `undefined` for anything else, a bug,
 * which the entry point reports with its stack and exit code 3.
 */
export function cliFailure(error: unknown, command?: CommandName): CliFailure | undefined {
  if (error instanceof UsageError || isParseArgsError(error)) {
    return {
      exitCode: EXIT.usage,
      lines: [
        // One line, as every other failure is: the message quotes what was typed, line feeds and all (the
        // other controls are escaped where every printed line is).
        `opendata: ${(error as Error).message.replaceAll('\n', '\\u000a')}`,
        `Run "npm run opendata -- ${command === undefined ? '' : `${command} `}--help" for usage.`,
      ],
    };
  }
  if (isOperationalError(error)) {
    const cause =
      error.cause instanceof Error && !error.message.includes(error.cause.message)
        ? ` (${error.cause.message})`
        : '';
    return { exitCode: EXIT.invalid, lines: [oneLine(`opendata: ${error.message}${cause}`)] };
  }
  const system = fileSystemFailure(error);
  if (system !== undefined) return { exitCode: EXIT.invalid, lines: [oneLine(`opendata: ${system}`)] };
  return undefined;
}

/** System calls that create or change files: their refusal means a folder cannot be written. */
const WRITING_CALLS: ReadonlySet<string> = new Set([
  'mkdir',
  'open',
  'write',
  'rename',
  'link',
  'unlink',
  'rmdir',
  'copyfile',
  'mkdtemp',
]);

/**
 * A Node.js file-system error (`code` such as `EACCES`, the `syscall` and the
 * `path`) as one sentence naming the path and the operating system's reason,
 * e.g. `cannot write public: permission denied (EACCES)`.
 */
function fileSystemFailure(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const {
    code,
    syscall,
    path: file,
  } = error as Error & { code?: unknown; syscall?: unknown; path?: unknown };
  if (typeof code !== 'string' || !/^E[A-Z0-9]+$/.test(code) || typeof syscall !== 'string') return undefined;
  // Node's message is "<CODE>: <reason>, <syscall> '<path>'"; the reason is the part a person reads.
  const reason = /^E[A-Z0-9]+: ([^,]+)/.exec(error.message)?.[1] ?? code;
  const target = typeof file === 'string' ? file : '(unknown path)';
  const verb = WRITING_CALLS.has(syscall) ? 'cannot write' : `cannot ${syscall}`;
  return `${verb} ${target}: ${reason} (${code})`;
}

const OPERATIONAL_ERRORS = [
  ObjectStoreError,
  ScratchSpaceError,
  CorruptCatalogError,
  CorruptPublishedFileError,
  SiteMetaError,
  ImmutableKeyError,
];

function isOperationalError(error: unknown): error is Error {
  return isOpenDataError(error) || OPERATIONAL_ERRORS.some((type) => error instanceof type);
}

/**
 * The curated files and source texts a command reads, and what to say at the
 * end when the source texts were missing (once, however many datasets).
 */
function sourceLocation(
  values: ParsedArguments['values'],
  env: Env,
): { source: SourceLocation; notice: () => string | undefined } {
  const [dataDir, schemasDir] = [text(values, 'data') ?? 'data', text(values, 'schemas') ?? 'schemas'];
  const { texts, notice } = localSourceTexts(text(values, 'sources'), env);
  const source = {
    data: new LocalDirectoryStore(dataDir),
    schemas: new LocalDirectoryStore(schemasDir),
    dataLabel: dataDir.replace(/\/+$/, ''),
    schemasLabel: schemasDir.replace(/\/+$/, ''),
    texts,
  };
  return { source, notice };
}

/**
 * Refuses a folder to publish into that is a file, or that is a folder the run reads from: the published tree
 * would be written among the datasets or schemas. (A folder inside one is left alone: `--data .` with the
 * default `public/` is a layout that reads only the data folder's own files.)
 */
async function checkOutFolder(
  folder: string,
  sources: readonly (readonly [string, string])[],
): Promise<void> {
  for (const [name, source] of sources)
    if (path.resolve(source) === path.resolve(folder))
      throw new UsageError(
        `--out ${folder} is the ${name} folder (${source}): the published tree would be written among the files it is made from; give another folder`,
      );
  const kind = pathKind(folder);
  if (kind === 'file' || kind === 'other')
    throw new UsageError(`--out ${folder} is a file, not a folder: give a folder to publish into`);
}

/** An option's value as given or defaulted; `undefined` when absent without a default. */
function text(values: ParsedArguments['values'], name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A whole number of milliseconds from 1 to 2^31-1 given as `--<name>`, else `fallback`. */
function positiveOption(values: ParsedArguments['values'], name: string, fallback: number): number {
  const given = text(values, name);
  if (given === undefined) return fallback;
  // Timers cannot wait longer than 2^31-1 ms (a longer delay would fire at once).
  if (!/^[1-9]\d{0,9}$/.test(given) || Number(given) > 2 ** 31 - 1)
    throw new UsageError(
      `--${name} must be a whole number from 1 to 2147483647, not ${JSON.stringify(given)}`,
    );
  return Number(given);
}

/** `--connect-timeout-ms` and `--idle-timeout-ms`: how long to wait for a server. */
function serverTimeouts(values: ParsedArguments['values']): {
  connectTimeoutMs: number;
  idleTimeoutMs: number;
} {
  return {
    connectTimeoutMs: positiveOption(values, 'connect-timeout-ms', DEFAULT_CONNECT_TIMEOUT_MS),
    idleTimeoutMs: positiveOption(values, 'idle-timeout-ms', DEFAULT_IDLE_TIMEOUT_MS),
  };
}

/**
 * Checks the ids asked for against the datasets in the data folder: an id
 * with no descriptor there is a usage error listing the datasets that exist
 * and the closest one; so is an id that is not an id at all (the pipeline's
 * own `invalid-id` issue is for ids that reach it otherwise).
 */
async function checkDatasetIds(source: SourceLocation, ids: readonly string[]): Promise<void> {
  const known = await findDatasetIds(source);
  if (known.length === 0) {
    // A data folder given as a file (or not there) holds no datasets: said as what it is.
    const kind = pathKind(source.dataLabel);
    if (kind === 'missing') throw new UsageError(`no data folder ${source.dataLabel}: give --data DIR`);
    if (kind !== 'folder')
      throw new UsageError(
        `${source.dataLabel} is not a folder: give --data the folder that holds the datasets`,
      );
    throw new UsageError(`no datasets found in ${source.dataLabel} (expected <id>.dataset.json files)`);
  }
  // A descriptor whose name is no id (a look-alike letter) names no dataset to list: its own run says so.
  const listed = known.filter((name) => isValidDatasetId(name));
  for (const id of ids) {
    // An id in other letter case is no id at all, but the one meant is plain: said as a usage error.
    const lower = id.toLowerCase();
    if (lower !== id && known.includes(lower))
      throw new UsageError(`unknown dataset "${id}": dataset ids are lowercase (did you mean ${lower}?)`);
    // An id that is no file stem (`../trade`, `-x`) names nothing to look for: said before anything is read.
    if (!isValidDatasetId(id))
      throw new UsageError(`${invalidDatasetIdMessage(id)}; the datasets are ${listed.join(', ')}`);
    if (known.includes(id)) continue;
    throw new UsageError(
      `unknown dataset "${id}": there is no ${source.dataLabel}/${id}.dataset.json${didYouMean(id, listed)}; the datasets are ${listed.join(', ')}`,
    );
  }
}

/** Warns of each CSV of the data folder that no descriptor names: it is neither validated nor published. */
async function warnOfCsvWithoutDescriptor(source: SourceLocation, io: Output): Promise<void> {
  for (const found of await csvWithoutDescriptor(source))
    io.err(`opendata: warning: ${csvWithoutDescriptorMessage(source, found)}`);
}

/** Makes the progress line of a run, when there is a terminal to draw it on. */
type ProgressFactory = () => TerminalProgress | undefined;

/** Runs `work` with a progress line, erased before anything else is printed, also when `work` fails. */
async function withProgress<T>(
  factory: ProgressFactory,
  work: (onProgress: ProgressListener | undefined) => Promise<T>,
): Promise<T> {
  const progress = factory();
  try {
    return await work(progress?.listener);
  } finally {
    progress?.finish();
  }
}

async function validateCommand(
  args: readonly string[],
  io: Output,
  env: Env,
  progress: ProgressFactory,
): Promise<number> {
  const { values, positionals } = parseCommandArguments('validate', args, env);
  if (values.help === true) return help(io, 'validate');
  const format = text(values, 'format');
  if (format !== 'text' && format !== 'json')
    throw new UsageError(
      `--format must be text or json, not "${format}"${didYouMean(format ?? '', ['text', 'json'])}`,
    );
  const { source, notice } = sourceLocation(values, env);
  await checkDatasetIds(source, positionals);
  await warnOfCsvWithoutDescriptor(source, io);
  const results = await withProgress(progress, (onProgress) =>
    validateDatasets(source, positionals, { onProgress }),
  );
  const reports = results.map((result) => result.report);
  const valid = reports.every((report) => report.valid);
  if (format === 'json') {
    io.out(JSON.stringify({ valid, datasets: reports }, null, 2));
  } else {
    for (const report of reports) printReport(report, io);
  }
  printNotice(notice(), io);
  return valid ? EXIT.ok : EXIT.invalid;
}

function printReport(report: DatasetReport, io: Output): void {
  const rules = describeRules(report);
  if (report.valid) {
    io.out(`${report.id}: valid (${report.rows} ${report.rows === 1 ? 'row' : 'rows'})`);
  } else {
    for (const issue of report.issues) io.err(formatIssue(issue));
    const more = report.truncated ? ' (only the first ones are listed)' : '';
    io.out(`${report.id}: invalid, ${issueTotal(report)}${more}`);
  }
  if (rules !== undefined) io.out(`${report.id}: ${rules}`);
}

async function publishCommand(
  args: readonly string[],
  io: Output,
  env: Env,
  progress: ProgressFactory,
): Promise<number> {
  const { values, positionals, given } = parseCommandArguments('publish', args, env);
  if (values.help === true) return help(io, 'publish');
  const [out, bucket, prefix, endpoint, baseUrl] = ['out', 'bucket', 'prefix', 'endpoint', 'base-url'].map(
    (name) => text(values, name),
  );
  if (out !== undefined && bucket !== undefined)
    throw new UsageError('use either --out or --bucket, not both');
  if (bucket === undefined && (prefix !== undefined || endpoint !== undefined)) {
    throw new UsageError('--prefix and --endpoint only apply with --bucket');
  }
  // Every key of the site is the prefix and a path under it, and is served at that path: a ".." or "%2e%2e"
  // segment, an empty one or a control character would publish a tree no URL reaches (S3 takes any key).
  const prefixProblem = prefix === undefined ? undefined : bucketPrefixProblem(prefix);
  if (prefixProblem !== undefined)
    throw new UsageError(
      `--prefix ${JSON.stringify(prefix)} ${prefixProblem}: the site is served from its keys, so the prefix is a plain folder path such as "site" or "open-data/kz-az"`,
    );
  const timeouts = serverTimeouts(values);
  const waits = ['connect-timeout-ms', 'idle-timeout-ms'].filter((name) => given.has(name));
  if (bucket === undefined && waits.length > 0)
    throw new UsageError(
      `${waits.map((name) => `--${name}`).join(' and ')} only ${waits.length === 1 ? 'applies' : 'apply'} with --bucket: a folder has no server to wait for`,
    );
  if (baseUrl !== undefined) checkBaseUrl(baseUrl);
  const message = text(values, 'message');
  if (message !== undefined) {
    const problem = message.trim() === '' ? 'is empty' : textProblem(message, 'paragraph');
    if (problem !== undefined) throw new UsageError(`--message ${problem}`);
  }
  const now = publishTime(process.env.SOURCE_DATE_EPOCH);
  // A version dated ahead of the clock is dated so for good, and so is every version after it: a new version
  // is never dated before the one it follows. Refused before anything is read or written.
  const latestAccepted = Math.floor((Date.now() + FUTURE_EPOCH_SLACK_MS) / 1000);
  if (now.getTime() > latestAccepted * 1000)
    throw new UsageError(
      `SOURCE_DATE_EPOCH is ${now.toISOString()}, more than a day in the future: the version would be dated so for good, and every later version after it; unset it, or give a time no later than ${latestAccepted}`,
    );
  // Within a day ahead, clocks that differ a little: taken, and said, as the next version will follow it.
  if (now.getTime() > Date.now())
    io.err(
      `opendata: warning: SOURCE_DATE_EPOCH is ${now.toISOString()}, ahead of this machine's clock: versions published later are dated after it`,
    );

  const { source, notice } = sourceLocation(values, env);
  await checkDatasetIds(source, positionals);
  await warnOfCsvWithoutDescriptor(source, io);

  let store: ObjectStore;
  let checkedRecord: string | undefined;
  let destination: string;
  let place: Destination;
  if (bucket !== undefined) {
    // Loaded only to publish to a bucket: a publish to a folder never uses the AWS SDK's S3 client. Under
    // Node 20 the SDK warns, in six lines on every run, that its releases after January 2027 need Node 22:
    // the version this project pins runs on Node 20, and moving past it is the project's to do (package.json's
    // engines), not the user's. The variable is the SDK's own switch; one already set is left as it is.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const { createS3Client, S3Store } = await import('../lambda/store/s3.js');
    store = new S3Store({
      client: createS3Client({ ...(endpoint === undefined ? {} : { endpoint }), ...timeouts }),
      bucket,
      ...(prefix === undefined ? {} : { prefix }),
    });
    destination = `s3://${bucket}/${prefix ?? ''}`;
    place = { kind: 'bucket', url: destination.endsWith('/') ? destination : `${destination}/` };
  } else {
    const folder = out ?? 'public';
    await checkOutFolder(folder, [
      ['data', text(values, 'data') ?? 'data'],
      ['schemas', text(values, 'schemas') ?? 'schemas'],
    ]);
    await makeDirectory(folder);
    checkedRecord = await checkedRecordFor(folder, env);
    store = new LocalDirectoryStore(folder, checkedRecord === undefined ? {} : { checkedRecord });
    // As given relative to here when it lies below; otherwise the absolute path, not a chain of "../".
    const relative = path.relative(process.cwd(), path.resolve(folder));
    const shown = relative === '' ? '.' : relative.startsWith('..') ? path.resolve(folder) : relative;
    destination = `${shown}/`;
    place = { kind: 'folder', folder: shown, isDefault: out === undefined };
  }

  // A run killed outright (kill -9, out of memory) had no chance to remove its scratch files; they go now.
  const abandoned = await ScratchDirectory.removeAbandoned();
  if (abandoned.length > 0)
    io.err(
      `opendata: removed ${abandoned.length === 1 ? 'the scratch folder' : `${abandoned.length} scratch folders`} of an earlier run stopped before it could clean up: ${abandoned.join(', ')}`,
    );

  const print = (lines: ReportLines) => {
    for (const line of lines.err) io.err(line);
    for (const line of lines.out) io.out(line);
  };
  const report = (outcomes: readonly DatasetOutcome[], notes: readonly SiteNote[]): number => {
    const width = Math.max(...outcomes.map((outcome) => outcome.id.length));
    for (const outcome of outcomes)
      print(
        describeOutcome(
          outcome,
          width,
          notes.filter((note) => note.id === outcome.id).map((note) => note.message),
        ),
      );
    return width;
  };
  const result = await withProgress(progress, (onProgress) =>
    publishDatasets({
      source,
      store,
      ids: positionals,
      now,
      chosenTime: (process.env.SOURCE_DATE_EPOCH ?? '') !== '',
      ...(baseUrl === undefined ? {} : { baseUrl }),
      ...(message === undefined ? {} : { message }),
      ...(onProgress === undefined ? {} : { onProgress }),
    }),
  )
    .catch((error: unknown) => {
      // The versions are listed though the pages are not all drawn: what each dataset published is said first.
      if (error instanceof SiteUpdateError) report(error.outcomes, []);
      throw error;
    })
    .finally(async () => {
      // What this run read and wrote stays known, whether or not it published: a later run reads only the rest.
      if (!(store instanceof LocalDirectoryStore)) return;
      await store
        .saveCheckedFiles()
        .catch((error: unknown) =>
          io.err(
            `opendata: warning: could not keep the record of the files checked in ${destination} (${checkedRecord ?? ''}: ${messageOf(error)}); the next publish reads them all again`,
          ),
        );
    });
  const { outcomes, catalogWritten, problems } = result;
  const width = report(outcomes, result.notes);
  for (const id of result.notInSource)
    io.out(
      `${id.padEnd(width)}  not in ${source.dataLabel}: its published versions stay listed in the catalog, as they were`,
    );
  if (result.empty) {
    // A first run that published nothing writes nothing: no empty catalog or site to mistake for a publication.
    io.out(`nothing published, so nothing was written to ${destination}`);
    return outcomes.some((outcome) => outcome.status === 'rejected') ? EXIT.invalid : EXIT.ok;
  }
  io.out(`catalog.json ${catalogWritten ? 'updated' : 'unchanged'} in ${destination}`);
  for (const problem of problems)
    io.err(`${destination}${problem.path}: ${problem.message} (read back after publishing)`);
  if (problems.length > 0)
    io.err(
      `a published file must never change, and no run rewrites one: restore ${problems.length === 1 ? 'it' : 'them'} from a copy (a backup, or the bucket's version history on S3), then run verify`,
    );
  const repaired = result.siteFilesWritten;
  if (repaired.length > 0 && !outcomes.some((outcome) => outcome.status === 'published')) {
    io.out(
      `${repaired.length} file${repaired.length === 1 ? '' : 's'} drawn from the catalog (latest/, pages, charts, citations, feed, DCAT catalog) ${repaired.length === 1 ? 'was' : 'were'} missing or out of date, and written:`,
    );
    // Each by name, as far as a screen holds them: what a hand edit or a crash had left.
    for (const key of repaired.slice(0, REPAIRED_SHOWN)) io.out(`  ${destination}${key}`);
    if (repaired.length > REPAIRED_SHOWN) io.out(`  and ${repaired.length - REPAIRED_SHOWN} more`);
  }
  if (message !== undefined && !outcomes.some((outcome) => outcome.status === 'published'))
    io.out('--message not used: no dataset has a new version');
  print(baseUrlNote(result));
  io.out(whereToLook(place, result.baseUrl));
  printNotice(notice(), io);
  if (problems.length > 0) return EXIT.invalid;
  return outcomes.some((outcome) => outcome.status === 'rejected') ? EXIT.invalid : EXIT.ok;
}

function printNotice(line: string | undefined, io: Output): void {
  if (line !== undefined) io.err(line);
}

/** A base URL the site can be served from: an absolute http(s) URL with no query, fragment or user name. */
function checkBaseUrl(baseUrl: string): void {
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {
    url = undefined;
  }
  if (url === undefined || !/^https?:$/.test(url.protocol))
    throw new UsageError(`--base-url must be an http(s) URL, not "${baseUrl}"`);
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(baseUrl))
    throw new UsageError(
      `--base-url is where the site is served from: no query or fragment, not "${baseUrl}"`,
    );
  // Shown in full in every page, feed, catalog and citation: a password there would be published.
  if (url.username !== '' || url.password !== '')
    throw new UsageError(
      `--base-url is published in every page and catalog: no user name or password ("user:password@"); give the site's public address`,
    );
  const problem = baseUrlProblem(baseUrl);
  if (problem !== undefined)
    throw new UsageError(
      `--base-url "${baseUrl}" ${problem}: write each character the URL needs escaped as a %-escape of its UTF-8 bytes`,
    );
}

/**
 * The last second a published time can name: catalog times are RFC 3339,
 * whose years have four digits (9999-12-31T23:59:59Z).
 */
const MAX_SOURCE_DATE_EPOCH = 253_402_300_799;

/** How far ahead of the clock a SOURCE_DATE_EPOCH may be before the publish is refused (clocks differ a little). */
const FUTURE_EPOCH_SLACK_MS = 24 * 60 * 60 * 1000;

/**
 * The publish time: `SOURCE_DATE_EPOCH` (seconds) when set, so a tree can be
 * rebuilt byte for byte. Checked here, before anything is written: a value
 * past year 9999 would otherwise pass as a number and fail only when the first
 * time is formatted, after files were written.
 */
export function publishTime(sourceDateEpoch: string | undefined): Date {
  if (sourceDateEpoch === undefined || sourceDateEpoch === '') return new Date();
  if (!/^\d+$/.test(sourceDateEpoch))
    throw new UsageError(`SOURCE_DATE_EPOCH must be whole seconds since 1970, not "${sourceDateEpoch}"`);
  const seconds = Number(sourceDateEpoch);
  if (seconds > MAX_SOURCE_DATE_EPOCH)
    throw new UsageError(
      `SOURCE_DATE_EPOCH must be at most ${MAX_SOURCE_DATE_EPOCH} (9999-12-31T23:59:59Z), not ${sourceDateEpoch}`,
    );
  return new Date(seconds * 1000);
}

async function serveCommand(args: readonly string[], io: Output, env: Env): Promise<number> {
  const { values, positionals, given } = parseCommandArguments('serve', args, env);
  if (values.help === true) return help(io, 'serve');
  const dir = text(values, 'dir') ?? 'public';
  if (positionals.length > 0)
    throw new UsageError(`serve takes no arguments (got "${positionals.join(' ')}")`);
  const portText = text(values, 'port') ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new UsageError(`--port must be a port number, not "${portText}"`);
  const kind = pathKind(dir);
  // A folder named on the command line that is not there is a usage error, as for verify and --sources;
  // the default one not there yet is a site not published yet. (`values` holds the default: `given` says
  // whether --dir was given.)
  if (kind !== 'folder' && given.has('dir'))
    throw new UsageError(
      kind === 'missing'
        ? `no folder ${dir}/ to serve (--dir names the published tree)`
        : `${dir} is not a folder: --dir names the published tree`,
    );
  if (kind !== 'folder') {
    io.err(`opendata: no folder ${dir}/ to serve: publish first (npm start)`);
    return EXIT.invalid;
  }
  const server = createSiteServer(dir);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES') throw error;
    io.err(
      `opendata: cannot listen on 127.0.0.1:${port}: ${code === 'EADDRINUSE' ? 'the port is in use' : 'permission denied'} (${code}); choose another with --port`,
    );
    return EXIT.invalid;
  }
  const address = server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  io.out(`Serving ${dir}/ at http://127.0.0.1:${actualPort}/ (Ctrl+C to stop)`);
  return EXIT.ok;
}

async function verifyCommand(args: readonly string[], io: Output, env: Env): Promise<number> {
  const { values, positionals } = parseCommandArguments('verify', args, env);
  if (values.help === true) return help(io, 'verify');
  const [target, ...extra] = positionals;
  if (target === undefined || target === '' || extra.length > 0)
    throw new UsageError('verify takes one directory or base URL');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(target)?.[1];
  if (scheme !== undefined && !/^https?$/i.test(scheme))
    throw new UsageError(
      `verify reads a folder or an http(s) URL, not a ${scheme}: URL${/^file$/i.test(scheme) ? ` (for a local tree give its folder: ${JSON.stringify(target.replace(/^file:\/\//i, '') || '/')})` : ''}`,
    );
  if (scheme === undefined && path.basename(target.replace(/\/+$/, '')) === 'catalog.json')
    throw new UsageError(
      `verify takes the folder that holds catalog.json, not the file: ${JSON.stringify(path.dirname(target))}`,
    );
  if (scheme === undefined) {
    // A folder that is not there (a mistyped path) is the command line's mistake, not a site with nothing in it.
    const kind = pathKind(target);
    if (kind === 'missing') throw new UsageError(`verify ${target}: no such folder`);
    if (kind !== 'folder')
      throw new UsageError(`verify ${target}: not a folder; give the folder that holds catalog.json`);
  }
  const positive = (name: string, fallback: number): number => positiveOption(values, name, fallback);
  const deadlineMs = positive('deadline-ms', DEFAULT_VERIFY_DEADLINE_MS);
  const readerOptions = serverTimeouts(values);
  const maxCatalogBytes = positive('max-catalog-bytes', DEFAULT_MAX_CATALOG_BYTES);
  // The target may be a URL with credentials: nothing printed may show them, nor a control character from a hostile catalog.
  const print = (line: string): string => oneLine(redactCredentials(line));
  const shown = target.replace(/\/+$/, '');
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new VerifyDeadlineError(deadlineMs)), deadlineMs);
  let reader: HttpReader | ContainedDirectoryReader | undefined;
  try {
    reader = /^https?:\/\//i.test(target)
      ? new HttpReader(target, { ...readerOptions, signal: deadline.signal })
      : new ContainedDirectoryReader(target);
    const { checked, problems } = await verifyPublishedTree(reader, {
      signal: deadline.signal,
      maxCatalogBytes,
    });
    for (const problem of problems) io.err(print(`${shown}/${problem.path}: ${problem.message}`));
    if (problems.length > 0) {
      io.out(
        `verify: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${checked} files checked`,
      );
      return EXIT.invalid;
    }
    io.out(`verify: ok, ${checked} files match the catalog`);
    return EXIT.ok;
  } catch (error) {
    // verifyPublishedTree reports what it finds as problems; this is for a target that cannot be read at all.
    io.err(print(`opendata: verify ${shown}: ${messageOf(error)}`));
    return EXIT.invalid;
  } finally {
    clearTimeout(timer);
    if (reader instanceof HttpReader) reader.close();
  }
}

function help(io: Output, command: CommandName): number {
  io.out(commandHelp(command));
  return EXIT.ok;
}

if (isMainModule(import.meta.url)) {
  // Stopped by Ctrl-C or SIGTERM, a run removes its scratch files (about seven times the CSV) before it
  // exits as the signal would have it; published files are only ever replaced whole, so none is half
  // written. A second signal stops it at once.
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      for (const left of ScratchDirectory.removeLiveSync())
        process.stderr.write(
          `${forTerminal(`opendata: could not remove the scratch folder ${left.path} (${left.reason}); the next publish on this machine removes it`)}\n`,
        );
      process.exit(code);
    });
  }
  // A reader that stops early (`| head`) closes the pipe: what the run still says has nowhere to go, which
  // is no failure of the run. It goes on to its end (a publish is not cut short) and exits as it would have;
  // the write's error was an uncaught exception, a stack trace and exit code 1.
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    });
  runCli(process.argv.slice(2)).then(
    (code) => {
      // `serve` keeps the process alive through its server; everything else ends here.
      if (process.argv[2] !== 'serve' || code !== EXIT.ok) process.exitCode = code;
    },
    (error: unknown) => {
      // A bug: the stack is for the report, escaped like every other line (a message may quote input).
      process.stderr.write(
        `${forTerminal(`opendata: unexpected failure (a bug, please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)}\n`,
      );
      process.exitCode = 3;
    },
  );
}
