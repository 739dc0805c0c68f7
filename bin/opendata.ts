#!/usr/bin/env node
/**
 * The `opendata` command line: a thin adapter that parses arguments, builds
 * stores, calls the core and prints. Run as `npm run opendata -- <command>`.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatIssue } from '../lambda/core/issue.js';
import { ImmutableKeyError, ObjectStoreError, type ObjectStore } from '../lambda/core/object-store.js';
import { VersionConflictError } from '../lambda/core/catalog.js';
import {
  CorruptCatalogError,
  CorruptPublishedFileError,
  ImmutableFileConflictError,
} from '../lambda/core/publish.js';
import { ScratchSpaceError } from '../lambda/core/scratch.js';
import {
  publishDatasets,
  SiteMetaError,
  validateDatasets,
  type DatasetOutcome,
} from '../lambda/core/pipeline.js';
import type { SourceLocation } from '../lambda/core/sources.js';
import type { DatasetReport } from '../lambda/core/validate.js';
import { verifyPublishedTree } from '../lambda/core/verify.js';
import { HttpReader } from '../lambda/store/http-reader.js';
import { LocalDirectoryStore } from '../lambda/store/local-directory.js';
import { createS3Client, S3Store } from '../lambda/store/s3.js';
import { createSiteServer } from './site-server.js';

/** Exit codes of the CLI contract. */
export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

const HELP = `opendata — validate and publish the curated open datasets

Usage: npm run opendata -- <command> [options]

Commands:
  validate [ids…]   check datasets without writing anything
      --data DIR          curated CSVs and descriptors (default: data)
      --schemas DIR       JSON Schemas (default: schemas)
      --format text|json  output format (default: text)
  publish [ids…]    validate, then publish every valid dataset
      --data DIR, --schemas DIR
      --out DIR           publish to a local directory (default: public)
      --bucket NAME       publish to an S3 bucket instead
      --prefix P          key prefix inside the bucket
      --endpoint URL      S3-compatible endpoint (e.g. a local test server)
      --base-url URL      absolute site URL for download links
  serve             serve a published tree with production headers
      --dir DIR           (default: public)
      --port N            (default: 8080)
  verify <dir|url>  check every catalog file's size and SHA-256

Exit codes: 0 success, 1 invalid data or mismatch, 2 usage error.
SOURCE_DATE_EPOCH, if set, is used as the publish time (reproducible builds).
`;

class UsageError extends Error {
  override readonly name = 'UsageError';
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
export async function runCli(argv: readonly string[], io: Output = consoleOutput): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(HELP);
        return command === undefined ? EXIT.usage : EXIT.ok;
      case 'validate':
        return await validateCommand(rest, io);
      case 'publish':
        return await publishCommand(rest, io);
      case 'serve':
        return await serveCommand(rest, io);
      case 'verify':
        return await verifyCommand(rest, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.err(`opendata: ${(error as Error).message}`);
      io.err('Run "npm run opendata -- --help" for usage.');
      return EXIT.usage;
    }
    if (isOperationalError(error)) {
      // Problems a user can act on (storage, a corrupt catalog, bad site metadata): a message, not a stack trace.
      const cause =
        error.cause instanceof Error && !error.message.includes(error.cause.message)
          ? ` (${error.cause.message})`
          : '';
      io.err(`opendata: ${error.message}${cause}`);
      return EXIT.invalid;
    }
    throw error;
  }
}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: readonly string[], options: T) {
  return parseArgs({
    args: [...args],
    options: { ...options, help: { type: 'boolean', short: 'h' } } as T & {
      help: { type: 'boolean'; short: 'h' };
    },
    allowPositionals: true,
    strict: true,
  });
}

const OPERATIONAL_ERRORS = [
  ObjectStoreError,
  ScratchSpaceError,
  CorruptCatalogError,
  CorruptPublishedFileError,
  SiteMetaError,
  ImmutableFileConflictError,
  VersionConflictError,
  ImmutableKeyError,
];

function isOperationalError(error: unknown): error is Error {
  return OPERATIONAL_ERRORS.some((type) => error instanceof type);
}

/** `util.parseArgs` reports unknown options and missing values as TypeErrors with an `ERR_PARSE_ARGS_*` code. */
function isParseArgsError(error: unknown): boolean {
  const code: unknown =
    error instanceof TypeError ? (error as TypeError & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

const SOURCE_OPTIONS = {
  data: { type: 'string', default: 'data' },
  schemas: { type: 'string', default: 'schemas' },
} as const;

function sourceLocation(dataDir: string, schemasDir: string): SourceLocation {
  return {
    data: new LocalDirectoryStore(dataDir),
    schemas: new LocalDirectoryStore(schemasDir),
    dataLabel: dataDir.replace(/\/+$/, ''),
    schemasLabel: schemasDir.replace(/\/+$/, ''),
  };
}

async function validateCommand(args: readonly string[], io: Output): Promise<number> {
  const { values, positionals } = parse(args, {
    ...SOURCE_OPTIONS,
    format: { type: 'string', default: 'text' },
  });
  if (values.help === true) return help(io);
  if (values.format !== 'text' && values.format !== 'json')
    throw new UsageError(`--format must be text or json, not "${values.format}"`);
  const results = await validateDatasets(sourceLocation(values.data, values.schemas), positionals);
  if (results.length === 0)
    throw new UsageError(`no datasets found in ${values.data} (expected <id>.dataset.json files)`);
  const reports = results.map((result) => result.report);
  const valid = reports.every((report) => report.valid);
  if (values.format === 'json') {
    io.out(JSON.stringify({ valid, datasets: reports }, null, 2));
  } else {
    for (const report of reports) printReport(report, io);
  }
  return valid ? EXIT.ok : EXIT.invalid;
}

function printReport(report: DatasetReport, io: Output): void {
  if (report.valid) {
    io.out(`${report.id}: valid (${report.rows} rows)`);
    return;
  }
  for (const issue of report.issues) io.err(formatIssue(issue));
  const more = report.truncated ? ' (only the first ones are listed)' : '';
  io.out(
    `${report.id}: invalid, ${report.issues.length} issue${report.issues.length === 1 ? '' : 's'}${more}`,
  );
}

async function publishCommand(args: readonly string[], io: Output): Promise<number> {
  const { values, positionals } = parse(args, {
    ...SOURCE_OPTIONS,
    out: { type: 'string' },
    bucket: { type: 'string' },
    prefix: { type: 'string' },
    endpoint: { type: 'string' },
    'base-url': { type: 'string' },
  });
  if (values.help === true) return help(io);
  if (values.out !== undefined && values.bucket !== undefined)
    throw new UsageError('use either --out or --bucket, not both');
  if (values.bucket === undefined && (values.prefix !== undefined || values.endpoint !== undefined)) {
    throw new UsageError('--prefix and --endpoint only apply with --bucket');
  }
  const baseUrl = values['base-url'];
  if (baseUrl !== undefined && !/^https?:\/\//.test(baseUrl))
    throw new UsageError(`--base-url must be an http(s) URL, not "${baseUrl}"`);
  const now = publishTime(process.env.SOURCE_DATE_EPOCH);

  let store: ObjectStore;
  let destination: string;
  if (values.bucket !== undefined) {
    store = new S3Store({
      client: createS3Client({ ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }) }),
      bucket: values.bucket,
      ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
    });
    destination = `s3://${values.bucket}/${values.prefix ?? ''}`;
  } else {
    const out = values.out ?? 'public';
    await mkdir(out, { recursive: true });
    store = new LocalDirectoryStore(out);
    destination = `${path.relative(process.cwd(), path.resolve(out)) || '.'}/`;
  }

  const { outcomes, catalogWritten, problems } = await publishDatasets({
    source: sourceLocation(values.data, values.schemas),
    store,
    ids: positionals,
    now,
    ...(baseUrl === undefined ? {} : { baseUrl }),
  });
  if (outcomes.length === 0)
    throw new UsageError(`no datasets found in ${values.data} (expected <id>.dataset.json files)`);
  const width = Math.max(...outcomes.map((outcome) => outcome.id.length));
  for (const outcome of outcomes) io.out(describeOutcome(outcome, width, io));
  io.out(`catalog.json ${catalogWritten ? 'updated' : 'unchanged'} in ${destination}`);
  for (const problem of problems)
    io.err(`${destination}${problem.path}: ${problem.message} (read back after publishing)`);
  if (problems.length > 0) return EXIT.invalid;
  return outcomes.some((outcome) => outcome.status === 'rejected') ? EXIT.invalid : EXIT.ok;
}

function describeOutcome(outcome: DatasetOutcome, width: number, io: Output): string {
  const id = outcome.id.padEnd(width);
  switch (outcome.status) {
    case 'published':
      return `${id}  published ${outcome.version} (${outcome.change}, ${outcome.rows} rows)`;
    case 'unchanged':
      return `${id}  unchanged ${outcome.version}`;
    case 'rejected':
      for (const issue of outcome.report.issues) io.err(formatIssue(issue));
      return `${id}  rejected: ${outcome.report.issues.length} issue${outcome.report.issues.length === 1 ? '' : 's'}, published versions left as they were`;
  }
}

/** The publish time: `SOURCE_DATE_EPOCH` (seconds) when set, so a tree can be rebuilt byte for byte. */
export function publishTime(sourceDateEpoch: string | undefined): Date {
  if (sourceDateEpoch === undefined || sourceDateEpoch === '') return new Date();
  if (!/^\d+$/.test(sourceDateEpoch))
    throw new UsageError(`SOURCE_DATE_EPOCH must be whole seconds since 1970, not "${sourceDateEpoch}"`);
  return new Date(Number(sourceDateEpoch) * 1000);
}

async function serveCommand(args: readonly string[], io: Output): Promise<number> {
  const { values, positionals } = parse(args, {
    dir: { type: 'string', default: 'public' },
    port: { type: 'string', default: '8080' },
  });
  if (values.help === true) return help(io);
  if (positionals.length > 0)
    throw new UsageError(`serve takes no arguments (got "${positionals.join(' ')}")`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a port number, not "${values.port}"`);
  const server = createSiteServer(values.dir);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  io.out(`Serving ${values.dir}/ at http://127.0.0.1:${actualPort}/ (Ctrl+C to stop)`);
  return EXIT.ok;
}

async function verifyCommand(args: readonly string[], io: Output): Promise<number> {
  const { values, positionals } = parse(args, {});
  if (values.help === true) return help(io);
  const [target, ...extra] = positionals;
  if (target === undefined || extra.length > 0)
    throw new UsageError('verify takes one directory or base URL');
  const reader = /^https?:\/\//.test(target) ? new HttpReader(target) : new LocalDirectoryStore(target);
  const { checked, problems } = await verifyPublishedTree(reader);
  for (const problem of problems) io.err(`${target.replace(/\/+$/, '')}/${problem.path}: ${problem.message}`);
  if (problems.length > 0) {
    io.out(
      `verify: ${problems.length} problem${problems.length === 1 ? '' : 's'} in ${checked} files checked`,
    );
    return EXIT.invalid;
  }
  io.out(`verify: ok, ${checked} files match the catalog`);
  return EXIT.ok;
}

function help(io: Output): number {
  io.out(HELP);
  return EXIT.ok;
}

const invokedDirectly =
  process.argv[1] !== undefined &&
  path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
if (invokedDirectly) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      // `serve` keeps the process alive through its server; everything else ends here.
      if (process.argv[2] !== 'serve' || code !== EXIT.ok) process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `opendata: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 3;
    },
  );
}
