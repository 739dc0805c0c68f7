import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * Test files that run in a process of their own: one replaces a module (`vi.mock`) that the
 * modules other files already loaded would keep using; one removes every scratch folder the process
 * has live, as a CLI stopped by a signal does, which in a shared worker would include folders other
 * files left; the model tests kill and crash publishers and compare how long their runs take, which
 * a worker's heap left by earlier files would skew.
 */
const ISOLATED = [
  'test/handlers/scratch-space.test.ts',
  'test/unit/scratch-remove-live.test.ts',
  'test/model/**/*.test.ts',
];

/**
 * The slowest files, slowest first (measured on the 2-core CI machine). Vitest hands files to
 * its two workers in order, and without a cache of past durations (CI installs afresh) it orders
 * them by size; a slow but short file would start last and leave a core idle at the end. This is
 * an ordering hint only: a file missing here still runs, after these.
 */
const SLOW_FIRST = [
  'test/e2e/faults.test.ts',
  'test/store/object-store.contract.test.ts',
  'test/handlers/distributed-map.test.ts',
  'test/model/real-kill.test.ts',
  'test/store/concurrency-and-faults.test.ts',
  'test/e2e/publish.test.ts',
  'test/e2e/cli.test.ts',
  'test/store/publish-s3.test.ts',
  'test/model/history.model.test.ts',
  'test/infra/open-data-app.test.ts',
];

class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const index = SLOW_FIRST.indexOf(path.relative(spec.project.config.root, spec.moduleId));
      return index === -1 ? SLOW_FIRST.length : index;
    };
    // Array.prototype.sort is stable: the rest keep the order the base sequencer gave them.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    // Generous guards against hangs on a shared 2-core machine; no test asserts on time.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two test files at once: most wait on child processes (moto, Chromium, Node 24, the CLI),
    // so two overlap well even on two cores (about 1.5x faster than vitest's default of one
    // worker there: cores - 1).
    maxWorkers: 2,
    sequence: { sequencer: SlowFirstSequencer },
    // The run's temporary files go to a folder of its own; a file a test leaves there fails the run.
    globalSetup: ['test/support/temp-guard.ts'],
    // Removes the folders made with test/support/temp-dir.ts when each test file ends.
    setupFiles: ['test/support/remove-temp-dirs.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: ISOLATED,
          // Each worker process runs file after file, loading the pipeline, the AWS SDK and the
          // CDK once rather than once per file (that loading was about a third of the run).
          // Files still get their own module scope; what they share is the modules they import,
          // so a file that changes process-wide state (process.env) puts it back in afterAll.
          isolate: false,
        },
      },
      { extends: true, test: { name: 'isolated', include: ISOLATED, isolate: true } },
    ],
  },
});
