import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/workspace.js';

const run = promisify(execFile);

/** Small enough that holding one element per year of a two-billion-year axis cannot fit. */
const HEAP_MB = 128;

interface Drawn {
  name: string;
  bytes: number;
  elements: number;
}

async function drawInChild(years: readonly number[]): Promise<Drawn[]> {
  const { stdout } = await run(
    process.execPath,
    [
      `--max-old-space-size=${HEAP_MB}`,
      '--import',
      'tsx',
      'test/injection/render-charts-child.ts',
      ...years.map(String),
    ],
    // A guard against a hang, not a measurement: drawing takes well under a second.
    { cwd: REPO_ROOT, maxBuffer: 1 << 20, timeout: 50_000 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as Drawn[];
}

describe('charts are bounded by the number of points, not by the span of years', () => {
  it.each([
    ['years 1 … 2×10^9', [1, 2, 2_000_000_000]],
    ['years -2^53 … 2^53', [-Number.MAX_SAFE_INTEGER, 0, Number.MAX_SAFE_INTEGER]],
    ['every other year of a century', Array.from({ length: 50 }, (_, i) => 1900 + 2 * i)],
  ])(`draws every chart for %s in a ${HEAP_MB} MB heap, each of bounded size`, async (_label, years) => {
    const drawn = await drawInChild(years);

    expect(drawn.map((chart) => chart.name).sort()).toEqual([
      'chart-enterprise-counts',
      'chart-projects-by-year',
      'chart-turnover',
      'chart-visits',
    ]);
    for (const chart of drawn) {
      // Three to fifty points: a few dozen elements per point at most, plus capped ticks and gap markers.
      expect(chart.elements, chart.name).toBeLessThan(1500);
      expect(chart.bytes, chart.name).toBeLessThan(400_000);
    }
  });
});
