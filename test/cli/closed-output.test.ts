import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/workspace.js';

// `npm run opendata -- validate | head -1`: the reader closes the pipe before the CLI has said all.

/** Runs the CLI from its source; `closeOutput` closes its standard output's pipe before it writes a byte. */
function runCli(
  args: readonly string[],
  closeOutput: boolean,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/opendata.ts', ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (closeOutput) child.stdout.destroy();
    else child.stdout.resume();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a reader that closes the output early', () => {
  it.for([[['validate']], [['--help']]] as const)(
    'ends the run as it would have ended, with no stack trace (%s)',
    async ([args]) => {
      const read = await runCli(args, false);

      const closed = await runCli(args, true);

      expect(closed.stderr).not.toMatch(/EPIPE|Unhandled|unexpected failure/);
      expect(closed.code).toBe(read.code);
    },
  );
});
