/**
 * The CLI killed for real: `opendata publish` is SIGKILLed at a random moment (seeded), sometimes
 * just as it takes a lock, and the next ordinary publish must succeed, verify, and not sit out a
 * dead writer's lock.
 */
import { spawn } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import { verifyPublishedTree } from '../../lambda/core/verify.js';
import { LocalDirectoryStore } from '../../lambda/store/local-directory.js';
import { REPO_ROOT } from '../support/workspace.js';
import { leftoverStoreFiles } from './history-model.js';
import { tinyCsv, writeSources, type TinyContent } from './tiny-dataset.js';

const SEED = 0x5eed_2026;
const TRIALS = 4;

/** A small seeded generator (mulberry32): the same kill moments on every run of the suite. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** When a trial kills the publisher: at the n-th lock the store takes, or after a delay. */
type KillPlan = { readonly atLock: number } | { readonly afterMs: number };

interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly ms: number;
  readonly stderr: string;
  /** Lock files seen being created before the process ended. */
  readonly locksSeen: number;
}

/** Runs `opendata publish` as a user would, optionally killing it as `plan` says. */
function publishCli(folder: string, out: string, plan?: KillPlan): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const args = ['--import', 'tsx', 'bin/opendata.ts', 'publish'];
    args.push('--data', path.join(folder, 'data'), '--schemas', path.join(folder, 'schemas'), '--out', out);
    // A private TMPDIR: a Lambda entry point loaded by another test clears scratch folders from the shared one.
    const env = { ...process.env, TMPDIR: path.join(path.dirname(out), 'tmp') };
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    let locksSeen = 0;
    let pausing = false;
    const kill = () => child.kill('SIGKILL');
    // Lock files appear and vanish within milliseconds: inotify sees them where polling would not. From the
    // planned lock on, the publisher is frozen at each one; if a lock is still held it dies holding it.
    const watcher = watch(out, { recursive: true }, (_event, name) => {
      if (name === null || !name.endsWith('.lock')) return;
      locksSeen++;
      if (plan === undefined || !('atLock' in plan) || locksSeen < plan.atLock || pausing) return;
      pausing = true;
      child.kill('SIGSTOP');
      void leftoverStoreFiles(out).then((left) => {
        if (left.some((file) => file.endsWith('.lock'))) kill();
        else child.kill('SIGCONT');
        pausing = false;
      });
    });
    const timer = plan !== undefined && 'afterMs' in plan ? setTimeout(kill, plan.afterMs) : undefined;
    child.once('error', reject);
    child.once('close', (code, signal) => {
      watcher.close();
      clearTimeout(timer);
      resolve({ code, signal, ms: performance.now() - started, stderr, locksSeen });
    });
  });
}

const roots: string[] = [];

afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

describe('a publish killed with SIGKILL', () => {
  it(`never stops the next publish (${TRIALS} seeded kills)`, async () => {
    // Prepare: an ordinary first publish, whose duration is the yardstick.
    const root = await mkdtemp(path.join(tmpdir(), 'opendata-kill-'));
    roots.push(root);
    const folder = path.join(root, 'src');
    const out = path.join(root, 'public');
    const content = (n: number): TinyContent => ({
      wide: false,
      rows: [
        { id: 'r01', n: 1, note: 'north' },
        { id: 'r02', n, note: 'south' },
      ],
    });
    const write = (n: number) =>
      writeSources(folder, { siteTitle: 'Kill catalog', datasets: { alpha: content(n) } }, ['alpha']);
    await write(0);
    await mkdir(out);
    await mkdir(path.join(root, 'tmp'));
    const first = await publishCli(folder, out);
    expect(first.code, first.stderr).toBe(0);
    const ordinaryMs = first.ms;
    const random = seededRandom(SEED);
    const report: string[] = [];

    for (let trial = 1; trial <= TRIALS; trial++) {
      // Act: a change, a publish killed as planned, then an ordinary publish of the same sources.
      await write(trial);
      const plan: KillPlan =
        random() < 0.6
          ? { atLock: 1 + Math.floor(random() * 6) }
          : { afterMs: Math.round(ordinaryMs * (0.5 + random() * 0.6)) };
      const killed = await publishCli(folder, out, plan);
      const left = await leftoverStoreFiles(out);
      const recovery = await publishCli(folder, out);
      report.push(
        `trial ${trial}: ${JSON.stringify(plan)} -> ${killed.signal ?? `exit ${killed.code}`}, ` +
          `left [${left.join(', ')}], next publish exit ${recovery.code} in ${Math.round(recovery.ms)} ms`,
      );

      // Assess
      expect(recovery.code, `${report.join('\n')}\n${recovery.stderr}`).toBe(0);
      // Generous: a wait for the dead writer's lock (10 s by default) is what this catches.
      expect(recovery.ms, report.join('\n')).toBeLessThan(3 * ordinaryMs + 4_000);
      const store = new LocalDirectoryStore(out);
      expect((await verifyPublishedTree(store)).problems, report.join('\n')).toEqual([]);
      const catalog = JSON.parse(
        new TextDecoder().decode((await store.get('catalog.json'))?.body),
      ) as Catalog;
      const latest = catalog.datasets[0]?.latest;
      expect(latest).toBe(`1.0.${trial}`);
      const csv = new TextDecoder().decode((await store.get('datasets/alpha/latest/alpha.csv'))?.body);
      expect(csv).toBe(tinyCsv(content(trial)));
    }
    // Whatever the kills left behind blocks no later publish either.
    await write(99);
    const last = await publishCli(folder, out);
    expect(last.code, last.stderr).toBe(0);
    expect(last.ms, report.join('\n')).toBeLessThan(3 * ordinaryMs + 4_000);
  }, 180_000);
});
