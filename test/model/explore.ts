/**
 * A longer exploration of the version-history model than `npm test` runs:
 *
 *   npm run test:model -- --runs 200 [--seed N] [--max-commands 12] [--families edits,fork] [--each]
 *
 * Publishes to a directory. `--each` explores every command family on its own (with the plain
 * edits every family builds on), so one defect does not hide the others. Prints the seed and,
 * for a failure, the shrunk command sequence and what broke; exits 1 if any exploration failed.
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import {
  buildKillableChild,
  COMMAND_FAMILIES,
  directoryWorld,
  historyCommands,
  runHistory,
  type CommandFamily,
} from './history-model.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    seed: { type: 'string' },
    'max-commands': { type: 'string', default: '12' },
    families: { type: 'string', default: COMMAND_FAMILIES.join(',') },
    each: { type: 'boolean', default: false },
    'lock-timeout-ms': { type: 'string', default: '3000' },
  },
  strict: true,
});

function positive(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive whole number, not "${text}"`);
  return value;
}

const runs = positive('runs', values.runs);
const maxCommands = positive('max-commands', values['max-commands']);
const lockTimeoutMs = positive('lock-timeout-ms', values['lock-timeout-ms']);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : positive('seed', values.seed);
const families = values.families.split(',').map((name) => {
  if (!(COMMAND_FAMILIES as readonly string[]).includes(name))
    throw new Error(`unknown family "${name}": choose from ${COMMAND_FAMILIES.join(', ')}`);
  return name as CommandFamily;
});
const plans: CommandFamily[][] = values.each ? families.map((family) => [family]) : [families];

const child = await buildKillableChild();
let failed = 0;
try {
  for (const plan of plans) {
    const label = `families ${['edits', ...plan.filter((family) => family !== 'edits')].join('+')}`;
    process.stdout.write(`${label}: ${runs} runs of up to ${maxCommands} commands, seed ${seed}\n`);
    const started = performance.now();
    const details = await fc.check(
      fc.asyncProperty(historyCommands(plan, { maxCommands }), (commands) =>
        runHistory(() => directoryWorld({ child, lockTimeoutMs }), commands),
      ),
      { seed, numRuns: runs },
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (!details.failed) {
      process.stdout.write(`  ok: ${details.numRuns} runs passed in ${seconds} s\n`);
      continue;
    }
    failed++;
    const steps = [...(details.counterexample?.[0] ?? [])].map(
      (command, index) => `    ${index + 1}. ${String(command)}`,
    );
    const error = details.errorInstance;
    process.stdout.write(
      [
        `  FAILED after ${details.numRuns} runs (${details.numShrinks} shrinks, ${seconds} s)`,
        `  replay: { seed: ${details.seed}, path: "${details.counterexamplePath}" }`,
        '  shrunk counterexample:',
        ...steps,
        `  error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
        '',
      ].join('\n'),
    );
  }
} finally {
  await child.dispose();
}
process.exitCode = failed > 0 ? 1 : 0;
