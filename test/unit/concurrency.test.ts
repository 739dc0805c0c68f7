import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapConcurrent } from '../../lambda/core/concurrency.js';

describe('mapConcurrent', () => {
  it('returns every result in the items’ order and never runs more than the limit at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(5), { maxLength: 40 }),
        fc.integer({ min: 1, max: 8 }),
        async (delays, limit) => {
          let running = 0;
          let most = 0;
          const results = await mapConcurrent(delays, limit, async (delay, index) => {
            running++;
            most = Math.max(most, running);
            await new Promise((resolve) => setTimeout(resolve, delay));
            running--;
            return index * 2;
          });
          expect(results).toEqual(delays.map((_, index) => index * 2));
          expect(most).toBeLessThanOrEqual(limit);
        },
      ),
      { seed: 20261204, numRuns: 50 },
    );
  });

  it('throws the first failure after the started tasks settle, and starts no more', async () => {
    const started: number[] = [];
    const run = mapConcurrent([0, 1, 2, 3, 4, 5], 2, async (item) => {
      started.push(item);
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (item === 1) throw new Error('item 1 failed');
      return item;
    });

    await expect(run).rejects.toThrow('item 1 failed');
    expect(started.length).toBeLessThan(6);
  });
});
