import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI_BUNDLE_DIR, CLI_BUNDLE_FILE } from '../../bin/cli-bundle.js';
import { EXEC_WRAPPER } from '../../lambda/handlers/deploy-contract.js';
import { makeTempDirSync } from '../support/temp-dir.js';

// The wrapper Lambda's Node.js runtime starts node through (AWS_LAMBDA_EXEC_WRAPPER), run by `sh`
// against the command line the runtime's bootstrap builds, as published for nodejs18.x and 20.x:
// `node --expose-gc --max-http-header-size 81920 --max-semi-space-size=<memory/20>
// --max-old-space-size=<memory*0.9> /var/runtime/index.mjs` (here 88 and 1500 MB).

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRAPPER = path.join(PROJECT_ROOT, 'lambda', 'handlers', EXEC_WRAPPER.file);
/** The V8 flags the wrapper gives node, for the Lambda functions and the CLI (package.json's scripts start node through it). */
const FLAGS = [
  '--max-semi-space-size=2',
  '--heap-growing-percent=50',
  '--initial-old-space-size=32',
  '--liftoff-only',
  '--no-allocation-site-pretenuring',
  '--no-parallel-scavenge',
];
const OLD_SPACE_MB = 1500;
const MiB = 1024 * 1024;
const BOOTSTRAP_OPTIONS = [
  '--expose-gc',
  '--max-http-header-size',
  '81920',
  '--max-semi-space-size=88',
  `--max-old-space-size=${OLD_SPACE_MB}`,
];

interface Probe {
  /** V8's reservation for the young generation: the heap limit less the old space's. */
  youngGenerationMiB: number;
  execArgv: string[];
  argv: string[];
  exposesGc: boolean;
  /** The glibc arena cap node was started with, as its environment gave it. */
  mallocArenaMax: string | null;
}

let directory: string;
let probe: string;

beforeAll(() => {
  directory = makeTempDirSync('heap-wrapper-');
  probe = path.join(directory, 'probe.mjs');
  writeFileSync(
    probe,
    `import v8 from 'node:v8';
process.stdout.write(JSON.stringify({
  youngGenerationMiB: (v8.getHeapStatistics().heap_size_limit - ${OLD_SPACE_MB * MiB}) / ${MiB},
  execArgv: process.execArgv,
  argv: process.argv.slice(2),
  exposesGc: typeof globalThis.gc === 'function',
  mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? null,
}));`,
  );
});

/** The environment the runtime would start node with: this one's, without a glibc arena cap of its own. */
function environment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('MALLOC_ARENA_MAX' in extra)) delete env.MALLOC_ARENA_MAX;
  return env;
}

function run(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = environment(),
): { probe: Probe; stderr: string } {
  const child = spawnSync(command, args, { encoding: 'utf8', timeout: 60_000, env });
  expect(child.status, child.stderr).toBe(0);
  return { probe: JSON.parse(child.stdout) as Probe, stderr: child.stderr };
}

const wrapped = (node: string, args: readonly string[], env?: NodeJS.ProcessEnv) =>
  run('sh', [WRAPPER, node, ...args], env);

/** Node 24 (the functions' runtime) from npm's `node` package, or why it cannot be had. */
function findNode24(): { node: string } | { why: string } {
  if (process.versions.node.startsWith('24.')) return { node: process.execPath };
  const found = spawnSync('npx', ['-y', '-p', 'node@24', 'node', '-p', 'process.execPath'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const node = found.stdout?.trim() ?? '';
  if (found.status === 0 && node !== '') return { node };
  return { why: `npx -p node@24 did not give Node 24 (${found.error?.message ?? found.stderr.trim()})` };
}

describe('the heap wrapper', () => {
  const runtimes = [
    ['the local Node', () => ({ node: process.execPath })],
    ['Node 24', findNode24],
  ] as const;

  it.for(runtimes)(
    "caps the young generation as the CLI's flag does, over the bootstrap's own (%s)",
    ([, find], context) => {
      // Prepare
      const found = find();
      if ('why' in found) return context.skip(found.why);
      const { node } = found;

      // Act
      const bootstrap = run(node, [...BOOTSTRAP_OPTIONS, probe]).probe;
      const capped = run(node, [...FLAGS, `--max-old-space-size=${OLD_SPACE_MB}`, probe]).probe;
      const { probe: inWrapper } = wrapped(node, [...BOOTSTRAP_OPTIONS, probe]);

      // Assess: the bootstrap alone reserves far more; the wrapper's run reserves what the flag does.
      expect(bootstrap.youngGenerationMiB).toBeGreaterThan(capped.youngGenerationMiB);
      expect(inWrapper.youngGenerationMiB).toBe(capped.youngGenerationMiB);
      expect(inWrapper.execArgv).toEqual([...BOOTSTRAP_OPTIONS, ...FLAGS]);
      expect(inWrapper.exposesGc).toBe(true);
    },
  );

  it.each([
    ['options with their values in one word', ['--expose-gc', '--max-semi-space-size=88'], []],
    ['arguments after the entry, left as they are', ['--expose-gc'], ['--max-semi-space-size=88', 'a b', '']],
  ])('puts the flags last among the options: %s', (_case, options, scriptArgs) => {
    // Act
    const { probe: result } = wrapped(process.execPath, [...options, probe, ...scriptArgs]);

    // Assess
    expect(result.execArgv).toEqual([...options, ...FLAGS]);
    expect(result.argv).toEqual(scriptArgs);
  });

  it('caps glibc at two malloc arenas, unless the function sets its own cap', () => {
    // Act
    const unset = wrapped(process.execPath, [...BOOTSTRAP_OPTIONS, probe]).probe;
    const own = wrapped(
      process.execPath,
      [...BOOTSTRAP_OPTIONS, probe],
      environment({ MALLOC_ARENA_MAX: '4' }),
    );
    const bare = run(process.execPath, [probe]).probe;

    // Assess
    expect(bare.mallocArenaMax).toBeNull();
    expect(unset.mallocArenaMax).toBe('2');
    expect(own.probe.mallocArenaMax).toBe('4');
  });

  it('skips the value of an option that names a module file', () => {
    // Prepare: --import's value is a file, as the entry is.
    const preload = path.join(directory, 'preload.mjs');
    writeFileSync(preload, '');

    // Act
    const { probe: result } = wrapped(process.execPath, ['--import', preload, probe]);

    // Assess
    expect(result.execArgv).toEqual(['--import', preload, ...FLAGS]);
  });

  it('starts node unchanged, and says so, when it finds no entry file', () => {
    // Act
    const child = spawnSync(
      'sh',
      [WRAPPER, process.execPath, '--expose-gc', '-e', 'console.log(process.execArgv.join(" "))'],
      {
        encoding: 'utf8',
      },
    );

    // Assess
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe('--expose-gc -e console.log(process.execArgv.join(" "))');
    expect(child.stderr).toContain(
      `no entry file on the command line; node starts without ${FLAGS.join(' ')}`,
    );
  });

  it.for([
    ['start', ['publish', '--help']],
    ['opendata', ['--help']],
  ] as const)(
    "is the CLI's setting: npm run %s starts the CLI's bundle in node through it, with the same flags and arena cap",
    ([script, args]) => {
      // Arrange: the script's command, with a `node` first on the PATH that writes down how it was started
      const { scripts } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      };
      // `exec`, so that node takes the place of npm's shell and a signal npm passes on reaches it.
      const command = scripts[script] ?? '';
      const words = command.split(' ');
      expect(words.slice(0, 3)).toEqual(['exec', 'sh', 'bin/opendata.sh']);
      const shims = makeTempDirSync('heap-wrapper-node-');
      const log = path.join(shims, 'started.jsonl');
      writeFileSync(
        path.join(shims, 'node'),
        `#!/bin/sh\n${JSON.stringify(process.execPath)} -e 'require("node:fs").appendFileSync(process.argv[1], JSON.stringify({ args: process.argv.slice(2), arenas: process.env.MALLOC_ARENA_MAX ?? null }) + "\\n")' ${JSON.stringify(log)} "$@"\nexec ${JSON.stringify(process.execPath)} "$@"\n`,
        { mode: 0o755 },
      );
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PATH: `${shims}${path.delimiter}${process.env.PATH ?? ''}`,
      };
      delete env.MALLOC_ARENA_MAX;

      // Act: the script's command line as npm runs it (`sh -c`, the arguments after it), from the project's root
      const child = spawnSync('sh', ['-c', [command, ...args.slice(words.length - 3)].join(' ')], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        env,
      });

      // Assess: the last node started runs the bundle, the flags before it, glibc's arenas capped
      expect([child.status, child.stderr]).toEqual([0, '']);
      expect(child.stdout).toContain('Usage: npm run opendata');
      const started = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { args: string[]; arenas: string | null });
      const cli = started.at(-1);
      const entry = cli?.args[FLAGS.length] ?? '';
      expect(realpathSync(entry)).toBe(
        realpathSync(path.join(PROJECT_ROOT, CLI_BUNDLE_DIR, CLI_BUNDLE_FILE)),
      );
      expect(cli?.args).toEqual([...FLAGS, entry, ...args]);
      expect(cli?.arenas).toBe('2');
    },
  );

  it.for([
    ['the local Node', () => ({ node: process.execPath })],
    ['Node 24', findNode24],
  ] as const)('uses flags the Node knows (%s): it starts with them and says nothing', ([, find], context) => {
    const found = find();
    if ('why' in found) return context.skip(found.why);

    const child = spawnSync(found.node, [...FLAGS, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' });

    expect([child.status, child.stdout, child.stderr]).toEqual([0, 'ok', '']);
  });
});
