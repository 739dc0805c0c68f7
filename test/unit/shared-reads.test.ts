import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inMemory, type BatchForms, type Rereadable } from '../../lambda/core/row-source.js';
import { SharedReads } from '../../lambda/core/shared-reads.js';

/** A source that counts its reads. */
function countedSource(values: readonly number[], batchSize: number) {
  const inner = inMemory(values, batchSize);
  const counts = { reads: 0 };
  const source: Rereadable<number> = {
    count: inner.count,
    open: () => inner.open(),
    openJson: () => inner.openJson(),
    openBatches(want: BatchForms) {
      counts.reads++;
      return inner.openBatches(want);
    },
  };
  return { source, counts };
}

/** What one reader does: its reads, each of values or JSON, each stopping after `stopAfter` batches or at the end. */
interface Plan {
  readonly reads: readonly { readonly form: 'values' | 'json'; readonly stopAfter?: number }[];
  /** Awaited turns of the event loop between batches, so readers go at different paces. */
  readonly pause: number;
  /** Awaited turns before the first read. */
  readonly startAfter: number;
}

const plan = fc.record({
  reads: fc.array(
    fc.record({
      form: fc.constantFrom('values' as const, 'json' as const),
      stopAfter: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
    }),
    { maxLength: 3 },
  ),
  pause: fc.nat(3),
  startAfter: fc.nat(4),
});

/** The JSON texts of a batch of JSON lines. */
function linesOf(pieces: readonly unknown[]): string[] {
  return Buffer.concat(pieces as Uint8Array[])
    .toString('utf8')
    .split('\n')
    .slice(0, -1);
}

async function turns(count: number): Promise<void> {
  for (let turn = 0; turn < count; turn++) await new Promise((resolve) => setImmediate(resolve));
}

async function follow(
  reader: ReturnType<SharedReads<number>['reader']>,
  { reads, pause, startAfter }: Plan,
): Promise<string[][]> {
  const seen: string[][] = [];
  await turns(startAfter);
  try {
    for (const { form, stopAfter } of reads) {
      const got: string[] = [];
      let batches = 0;
      const iterable = form === 'values' ? reader.open() : reader.openJson();
      for await (const batch of iterable) {
        got.push(...(form === 'values' ? batch.map((item) => JSON.stringify(item)) : linesOf(batch)));
        if (stopAfter !== undefined && ++batches >= stopAfter) break;
        await turns(pause);
      }
      seen.push(got);
    }
  } finally {
    reader.done();
  }
  return seen;
}

describe('SharedReads: readers at work at the same time share each read', () => {
  it('each reader gets exactly what a read of its own would give, whatever the readers do', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 7 }),
        fc.array(plan, { minLength: 1, maxLength: 5 }),
        async (values, batchSize, plans) => {
          const { source } = countedSource(values, batchSize);
          const shared = new SharedReads(source);
          const readers = plans.map((p) => ({ reader: shared.reader(), p }));

          const results = await Promise.all(readers.map(({ reader, p }) => follow(reader, p)));

          for (const [index, p] of plans.entries()) {
            const expected = p.reads.map(({ stopAfter }) => {
              const all = values.map((value) => JSON.stringify(value));
              return stopAfter === undefined ? all : all.slice(0, stopAfter * batchSize);
            });
            expect(results[index]).toEqual(expected);
          }
        },
      ),
      { seed: 1204, numRuns: 300 },
    );
  });

  it('readers that each read once, together, cause one read of the source', async () => {
    const values = Array.from({ length: 1000 }, (_, index) => index);
    const { source, counts } = countedSource(values, 64);
    const shared = new SharedReads(source);
    const plans: Plan[] = [
      { reads: [{ form: 'json' }], pause: 0, startAfter: 2 },
      { reads: [{ form: 'values' }], pause: 1, startAfter: 0 },
      { reads: [{ form: 'values' }], pause: 0, startAfter: 3 },
      { reads: [], pause: 0, startAfter: 1 },
    ];

    const results = await Promise.all(plans.map((p) => follow(shared.reader(), p)));

    expect(counts.reads).toBe(1);
    expect(results.map((reads) => reads.map((read) => read.length))).toEqual([[1000], [1000], [1000], []]);
  });

  it("a reader's second read starts once the others are done, and is the only other read", async () => {
    const { source, counts } = countedSource([1, 2, 3, 4, 5], 2);
    const shared = new SharedReads(source);

    const results = await Promise.all([
      follow(shared.reader(), { reads: [{ form: 'values' }, { form: 'values' }], pause: 0, startAfter: 0 }),
      follow(shared.reader(), { reads: [{ form: 'json' }], pause: 2, startAfter: 0 }),
    ]);

    expect(counts.reads).toBe(2);
    expect(results[0]).toEqual([
      ['1', '2', '3', '4', '5'],
      ['1', '2', '3', '4', '5'],
    ]);
  });

  it('a failing read fails every reader in it, and the readers can go on', async () => {
    const failing: Rereadable<number> = {
      count: 3,
      open: () => inMemory([1]).open(),
      openJson: () => inMemory([1]).openJson(),
      async *openBatches() {
        yield { values: [1], json: [Buffer.from('1\n')] };
        throw new Error('disk gone');
      },
    };
    const shared = new SharedReads(failing);
    const outcomes = await Promise.allSettled([
      follow(shared.reader(), { reads: [{ form: 'values' }], pause: 0, startAfter: 0 }),
      follow(shared.reader(), { reads: [{ form: 'json' }], pause: 1, startAfter: 0 }),
    ]);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(outcomes.map((outcome) => (outcome.status === 'rejected' ? String(outcome.reason) : ''))).toEqual([
      'Error: disk gone',
      'Error: disk gone',
    ]);
  });
});
