import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/workspace.js';

// Under Node 20, every `publish --bucket` printed six lines of the AWS SDK's warning that its releases after
// January 2027 need Node 22, though the SDK version the project pins runs on Node 20 (README).
// (From Node 22 on, the SDK has nothing to warn of, and the test is skipped.)
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

describe.skipIf(NODE_MAJOR >= 22)(`publish --bucket under Node ${NODE_MAJOR}`, () => {
  it("prints no warning of the AWS SDK's future Node versions", () => {
    const env = { ...process.env };
    delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    // Nothing listens on port 1: the run fails at its first request, after the client is made.
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bin/opendata.ts', 'publish', '--bucket', 'b', '--endpoint', 'http://127.0.0.1:1'],
      { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 },
    );

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('opendata:');
    expect(run.stderr).not.toContain('NodeVersionSupportWarning');
  }, 90_000);
});
