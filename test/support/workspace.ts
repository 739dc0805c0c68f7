import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../bin/opendata.js';
import { makeTempDir } from './temp-dir.js';

/** The repository root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The official standards profiles, from `OPEN_DATA_STANDARDS_DIR` or `../shared/standards`.
 * Undefined when absent: conformance tests then skip with a message.
 */
export const STANDARDS_DIR = ((): string | undefined => {
  const dir = path.resolve(REPO_ROOT, process.env.OPEN_DATA_STANDARDS_DIR ?? '../shared/standards');
  return existsSync(dir) ? dir : undefined;
})();

/** The source paper every `source_quote` must be a verbatim substring of, when present. */
export const SOURCES_DIR = ((): string | undefined => {
  const dir = path.resolve(REPO_ROOT, process.env.OPEN_DATA_SOURCES_DIR ?? '../shared/sources');
  return existsSync(dir) ? dir : undefined;
})();

/**
 * A scratch copy of `data/` and `schemas/` plus an empty output folder, so tests can edit freely;
 * removed when the test file ends (test/support/temp-dir.ts).
 */
export async function makeWorkspace(): Promise<{ root: string; data: string; schemas: string; out: string }> {
  const root = await makeTempDir('opendata-');
  const data = path.join(root, 'data');
  const schemas = path.join(root, 'schemas');
  await cp(path.join(REPO_ROOT, 'data'), data, { recursive: true });
  await cp(path.join(REPO_ROOT, 'schemas'), schemas, { recursive: true });
  return { root, data, schemas, out: path.join(root, 'public') };
}

const PROVENANCE_NOTICE = /^opendata: provenance not checked: no source texts folder at /;

type CliResult = { code: number; stdout: string; stderr: string; notices: string[] };

/** Runs the CLI in-process and captures what it prints. */
export async function cli(...args: string[]): Promise<CliResult> {
  return cliIn(process.env, ...args);
}

/** {@link cli} with the environment given instead of this process's. */
export async function cliIn(
  env: Readonly<Record<string, string | undefined>>,
  ...args: string[]
): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (line) => out.push(line), err: (line) => err.push(line) }, { env });
  // Whether provenance can be checked depends on this machine (is ../shared/sources here?), so the one
  // line saying it was not is set apart; test/cli/provenance-sources.test.ts tests that line itself.
  const notices = err.filter((line) => PROVENANCE_NOTICE.test(line));
  const stderr = err.filter((line) => !PROVENANCE_NOTICE.test(line)).join('\n');
  return { code, stdout: out.join('\n'), stderr, notices };
}

/** Every file under `dir` (relative path ⇒ sha256), for byte-for-byte tree comparisons. */
export async function treeDigest(dir: string): Promise<Record<string, string>> {
  const digest: Record<string, string> = {};
  if (!existsSync(dir)) return digest;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    digest[path.relative(dir, full).split(path.sep).join('/')] = createHash('sha256')
      .update(await readFile(full))
      .digest('hex');
  }
  return Object.fromEntries(Object.entries(digest).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The ids of the datasets in a data folder (every `<id>.dataset.json`), sorted and joined as the CLI lists them. */
export async function datasetIds(data: string): Promise<string> {
  const names = await readdir(data);
  return names
    .filter((name) => name.endsWith('.dataset.json'))
    .map((name) => name.slice(0, -'.dataset.json'.length))
    .sort()
    .join(', ');
}

/** Reads a JSON file. */
export async function readJson<T = unknown>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

/** Publishes a workspace's datasets (all, or the ids given first) into its output folder through the CLI. */
export async function publishWorkspace(
  ws: { data: string; schemas: string; out: string },
  ...args: string[]
): Promise<CliResult> {
  return cli('publish', ...args, '--data', ws.data, '--schemas', ws.schemas, '--out', ws.out);
}

/**
 * {@link publishWorkspace} for a workspace whose rows were made up by the test, not taken from
 * the paper: the run is pointed at a source texts folder that does not exist, so it checks no
 * provenance (and says so in `notices`) on every machine, whether or not the paper is next to it.
 */
export async function publishCraftedWorkspace(
  ws: { root: string; data: string; schemas: string; out: string },
  ...args: string[]
): Promise<CliResult> {
  const env = { ...process.env, OPEN_DATA_SOURCES_DIR: path.join(ws.root, 'no-source-texts') };
  return cliIn(env, 'publish', ...args, '--data', ws.data, '--schemas', ws.schemas, '--out', ws.out);
}

/** Renames the column `from` of dataset `id` to `to`: in its CSV header, its schema and its descriptor. */
export async function renameColumn(
  ws: { data: string; schemas: string },
  id: string,
  from: string,
  to: string,
) {
  const csv = path.join(ws.data, `${id}.csv`);
  const text = await readFile(csv, 'utf8');
  const [header = '', ...rest] = text.split('\n');
  await writeFile(
    csv,
    [
      header
        .split(',')
        .map((name) => (name === from ? to : name))
        .join(','),
      ...rest,
    ].join('\n'),
  );
  const schemaFile = path.join(ws.schemas, `${id}.schema.json`);
  const schema = JSON.parse(await readFile(schemaFile, 'utf8')) as {
    properties: object;
    required?: string[];
  };
  schema.properties = Object.fromEntries(
    Object.entries(schema.properties).map(([name, value]) => [name === from ? to : name, value]),
  );
  if (schema.required !== undefined)
    schema.required = schema.required.map((name) => (name === from ? to : name));
  await writeFile(schemaFile, JSON.stringify(schema));
  const descriptorFile = path.join(ws.data, `${id}.dataset.json`);
  const descriptor = JSON.parse(await readFile(descriptorFile, 'utf8')) as {
    primaryKey: string[];
    columns: { name: string }[];
  };
  descriptor.primaryKey = descriptor.primaryKey.map((name) => (name === from ? to : name));
  for (const column of descriptor.columns) if (column.name === from) column.name = to;
  await writeFile(descriptorFile, JSON.stringify(descriptor));
}
