import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { publishDatasets, validateDatasets } from '../../lambda/core/pipeline.js';
import type { SourceLocation } from '../../lambda/core/sources.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { FIXTURE_CSV, FIXTURE_DESCRIPTOR, FIXTURE_SCHEMA } from '../support/dataset-fixture.js';
import { makeTempDir } from '../support/temp-dir.js';
import { REPO_ROOT } from '../support/workspace.js';

/** What one dataset of a hostile workspace holds; anything left out is the valid fixture's. */
export interface HostileDataset {
  readonly csv?: string;
  /** The row schema as an object (serialised) or as the file's exact text. */
  readonly schema?: unknown;
  readonly schemaText?: string;
  readonly descriptor?: unknown;
  readonly descriptorText?: string;
}

/** The site metadata of every hostile workspace unless a test gives its own. */
export const SITE = {
  title: 'Hostile input tests',
  description: 'A catalog that hostile datasets try to get into.',
  publisher: { name: 'kz-az-open-data' },
  license: 'CC-BY-4.0',
};

/** A data and schemas folder on disk holding the given datasets, and an empty output folder. */
export interface HostileWorkspace {
  readonly root: string;
  readonly data: string;
  readonly schemas: string;
  readonly out: string;
  readonly source: SourceLocation;
}

/** Writes `datasets` (id ⇒ files) and `site.json` into a fresh temporary folder, removed when the test file ends. */
export async function hostileWorkspace(
  datasets: Readonly<Record<string, HostileDataset>>,
  site: unknown = SITE,
): Promise<HostileWorkspace> {
  const root = await makeTempDir('opendata-hostile-');
  const data = path.join(root, 'data');
  const schemas = path.join(root, 'schemas');
  const out = path.join(root, 'public');
  await Promise.all([mkdir(data), mkdir(schemas), mkdir(out)]);
  await writeFile(path.join(data, 'site.json'), JSON.stringify(site));
  for (const [id, files] of Object.entries(datasets)) {
    await writeFile(path.join(data, `${id}.csv`), files.csv ?? FIXTURE_CSV);
    await writeFile(
      path.join(schemas, `${id}.schema.json`),
      files.schemaText ?? JSON.stringify(files.schema ?? FIXTURE_SCHEMA),
    );
    await writeFile(
      path.join(data, `${id}.dataset.json`),
      files.descriptorText ?? JSON.stringify(files.descriptor ?? { ...FIXTURE_DESCRIPTOR, id }),
    );
  }
  const source: SourceLocation = {
    data: new LocalDirectoryStore(data),
    schemas: new LocalDirectoryStore(schemas),
    dataLabel: data,
    schemasLabel: schemas,
  };
  return { root, data, schemas, out, source };
}

/** Validates every dataset of the workspace as `opendata validate` does (one run, in id order). */
export async function validateAll(ws: HostileWorkspace) {
  return validateDatasets(ws.source);
}

/** Publishes every dataset of the workspace into its output folder. */
export async function publishAll(ws: HostileWorkspace) {
  return publishDatasets({
    source: ws.source,
    store: new LocalDirectoryStore(ws.out),
    now: new Date('2026-01-01T00:00:00Z'),
  });
}

/** Every file written under `datasets/` of the output folder (empty when nothing was published). */
export async function publishedDatasetFiles(ws: HostileWorkspace): Promise<string[]> {
  const entries = await readdir(path.join(ws.out, 'datasets'), {
    recursive: true,
    withFileTypes: true,
  }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

/** What a CLI child process did: exit code (null when killed), bytes printed, and the first of them. */
export interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly outputBytes: number;
  /** The first 256 KiB of stdout and stderr, for assertions and failure messages. */
  readonly stdout: string;
  readonly stderr: string;
}

const KEPT_OUTPUT = 256 * 1024;

/**
 * Runs `bin/opendata.ts` in a child process with a capped heap, killing it
 * after `timeoutMs` (a hang) or once it has printed more than `killAfterBytes`
 * (unbounded output). Counts every byte printed but keeps only the first ones.
 */
export function runCliChild(
  args: readonly string[],
  options: { readonly heapMb?: number; readonly timeoutMs: number; readonly killAfterBytes?: number },
): Promise<ChildRun> {
  const heap = options.heapMb === undefined ? [] : [`--max-old-space-size=${options.heapMb}`];
  const child = spawn(process.execPath, [...heap, '--import', 'tsx', 'bin/opendata.ts', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let outputBytes = 0;
  const kept = { stdout: '', stderr: '' };
  const collect = (name: 'stdout' | 'stderr') => (chunk: Buffer) => {
    outputBytes += chunk.byteLength;
    if (kept[name].length < KEPT_OUTPUT) kept[name] += chunk.toString('utf8');
    if (options.killAfterBytes !== undefined && outputBytes > options.killAfterBytes) child.kill('SIGKILL');
  };
  child.stdout.on('data', collect('stdout'));
  child.stderr.on('data', collect('stderr'));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, outputBytes, stdout: kept.stdout, stderr: kept.stderr });
    });
  });
}
