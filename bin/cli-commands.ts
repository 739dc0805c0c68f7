/**
 * What each `opendata` command accepts, said once: the parser reads its
 * options from here and the help is written from here, so the two cannot
 * disagree.
 */
import { DEFAULT_MAX_CATALOG_BYTES, DEFAULT_VERIFY_DEADLINE_MS } from '../lambda/core/verify.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS } from '../lambda/store/network-timeouts.js';

/** One option of a command. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** What the value is, as the help shows it (`DIR`, `URL`, …); string options only. */
  readonly value?: string;
  readonly default?: string;
  readonly help: string;
}

/** One command: how it is called, what it does and its options. */
export interface CommandSpec {
  readonly name: CommandName;
  /** The arguments after the command name, as the help shows them. */
  readonly args: string;
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Paragraphs shown by `opendata <command> --help` only. */
  readonly details: readonly string[];
}

export type CommandName = 'validate' | 'publish' | 'serve' | 'verify';

const SOURCE_OPTIONS = {
  data: { type: 'string', value: 'DIR', default: 'data', help: 'curated CSVs and descriptors' },
  schemas: { type: 'string', value: 'DIR', default: 'schemas', help: 'JSON Schemas' },
  sources: {
    type: 'string',
    value: 'DIR',
    help: 'source texts the quotes are checked against (default: $OPEN_DATA_SOURCES_DIR, else ../shared/sources)',
  },
} as const satisfies Record<string, OptionSpec>;

/** How long to wait for a server: `verify` over HTTP, `publish` to a bucket. */
const SERVER_TIMEOUT_OPTIONS = {
  'connect-timeout-ms': {
    type: 'string',
    value: 'N',
    default: String(DEFAULT_CONNECT_TIMEOUT_MS),
    help: 'connecting, TLS included',
  },
  'idle-timeout-ms': {
    type: 'string',
    value: 'N',
    default: String(DEFAULT_IDLE_TIMEOUT_MS),
    help: 'longest silence of the server',
  },
} as const satisfies Record<string, OptionSpec>;

export const COMMANDS = {
  validate: {
    name: 'validate',
    args: '[ids…]',
    summary: 'check datasets without writing anything',
    options: {
      ...SOURCE_OPTIONS,
      format: { type: 'string', value: 'text|json', default: 'text', help: 'output format' },
    },
    details: [
      'Checks every dataset in --data, or the ids given. Each problem is one line naming the file, line, column and field, with a code you can search for.',
      'Exit codes: 0 valid, 1 invalid, 2 usage error.',
    ],
  },
  publish: {
    name: 'publish',
    args: '[ids…]',
    summary: 'validate, then publish every valid dataset',
    options: {
      ...SOURCE_OPTIONS,
      out: { type: 'string', value: 'DIR', help: 'publish to a local folder (default: public)' },
      bucket: { type: 'string', value: 'NAME', help: 'publish to an S3 bucket instead' },
      prefix: { type: 'string', value: 'P', help: 'key prefix inside the bucket' },
      endpoint: { type: 'string', value: 'URL', help: 'S3-compatible endpoint (e.g. a local test server)' },
      'base-url': {
        type: 'string',
        value: 'URL',
        help: 'the site URL the tree is served from; recorded in catalog.json and kept by later runs',
      },
      message: {
        type: 'string',
        value: 'TEXT',
        help: "why the data changed: shown with each new version's changes, page and feed entry",
      },
      ...SERVER_TIMEOUT_OPTIONS,
    },
    details: [
      'A dataset whose content is unchanged keeps its version; a changed one gets the next version (major: schema changed, minor: rows only added, patch: anything else). Invalid datasets are reported and their published versions left as they were.',
      'The base URL makes the absolute links of the feed, DCAT catalog and page metadata. Give it once: it is recorded in catalog.json, and runs without --base-url keep it. Giving another one rewrites the pages, feed and DCAT catalog; no version file changes.',
      'A reason for a change comes from --message, which every new version of the run carries (a first one included), or else from "changeMessage" in data/<id>.dataset.json, which is used once: a later version does not repeat it, and a first version, which changes nothing, does not get it.',
      'Exit codes: 0 all valid, 1 any rejected (valid ones still published), 2 usage error. SOURCE_DATE_EPOCH, if set, is the publish time (reproducible builds).',
    ],
  },
  serve: {
    name: 'serve',
    args: '',
    summary: 'serve a published tree with production headers',
    options: {
      dir: { type: 'string', value: 'DIR', default: 'public', help: 'the published tree' },
      port: { type: 'string', value: 'N', default: '8080', help: 'port on 127.0.0.1' },
    },
    details: [
      'Folder URLs give their index.html, files are read on every request (publish while it runs), with the same content types, cache, CORS and security headers as the production site, and byte ranges.',
    ],
  },
  verify: {
    name: 'verify',
    args: '<dir|url>',
    summary: "check every catalog file's size and SHA-256",
    options: {
      ...SERVER_TIMEOUT_OPTIONS,
      'deadline-ms': {
        type: 'string',
        value: 'N',
        default: String(DEFAULT_VERIFY_DEADLINE_MS),
        help: 'the whole run',
      },
      'max-catalog-bytes': {
        type: 'string',
        value: 'N',
        default: String(DEFAULT_MAX_CATALOG_BYTES),
        help: 'largest catalog.json read',
      },
    },
    details: [
      'Reads only under <dir|url>: no redirects away, no compressed bodies. Checks that every file the catalog lists exists with the stated bytes and SHA-256, and that latest/ mirrors the newest version.',
      'Exit codes: 0 ok, 1 mismatch or unreadable tree, 2 usage error.',
    ],
  },
} as const satisfies Record<CommandName, CommandSpec>;

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

const RUN = 'npm run opendata --';

/** Help is wrapped to this many columns. */
const WIDTH = 80;

/**
 * Breaks `text` into lines of at most `width` characters after `first` (the
 * first line's start) or `indent` (the others'); a longer word keeps a line of its own.
 */
function wrap(text: string, width: number, first = '', indent = ''): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(' ')) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = empty ? line + word : `${line} ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** Options as help lists them, one a line (wrapped), with `-h, --help` last when `withHelp`. */
export function optionLines(options: Readonly<Record<string, OptionSpec>>, withHelp: boolean): string[] {
  const entries = Object.entries(options).map(([name, option]) => {
    const flag = `--${name}${option.value === undefined ? '' : ` ${option.value}`}`;
    const fallback = option.default === undefined ? '' : ` (default: ${option.default})`;
    return { flag, text: `${option.help}${fallback}` };
  });
  if (withHelp) entries.push({ flag: '-h, --help', text: 'this help' });
  const width = Math.max(...entries.map((entry) => entry.flag.length));
  const indent = ' '.repeat(width + 4);
  return entries.flatMap((entry) => wrap(entry.text, WIDTH, `  ${entry.flag.padEnd(width)}  `, indent));
}

/** `opendata --help`: every command with its options. */
export function generalHelp(): string {
  const sections = COMMAND_NAMES.map((name) => {
    const spec: CommandSpec = COMMANDS[name];
    const heading = `${`${name} ${spec.args}`.trim()}  — ${spec.summary}`;
    return [heading, ...optionLines(spec.options, false)].join('\n');
  });
  return [
    'opendata — validate and publish the curated open datasets',
    '',
    `Usage: ${RUN} <command> [options]`,
    '',
    ...sections.flatMap((section) => [section, '']),
    `Run "${RUN} <command> --help" for one command in detail.`,
    'Exit codes: 0 success, 1 invalid data or mismatch, 2 usage error.',
  ].join('\n');
}

/** `opendata <command> --help`: one command, its options and what to know about it. */
export function commandHelp(name: CommandName): string {
  const spec: CommandSpec = COMMANDS[name];
  return [
    `Usage: ${RUN} ${`${name} ${spec.args}`.trim()} [options]`,
    '',
    `${spec.summary.charAt(0).toUpperCase()}${spec.summary.slice(1)}.`,
    '',
    'Options:',
    ...optionLines(spec.options, true),
    '',
    ...spec.details.flatMap((paragraph) => [...wrap(paragraph, WIDTH), '']),
  ]
    .join('\n')
    .trimEnd();
}
