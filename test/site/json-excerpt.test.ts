import { describe, expect, it } from 'vitest';
import { JsonExcerptError, readJsonExcerpt, type ExcerptPlan } from '../../lambda/core/site/json-excerpt.js';

/** The bytes of `text` in chunks of `size` bytes (1 splits every multi-byte character). */
async function* chunksOf(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

const PLAN: ExcerptPlan = { members: ['title', 'meta'], lists: { items: 2, empty: 2 } };

describe('readJsonExcerpt', () => {
  it.each([1, 3, 4096])(
    'keeps members in any order and the heads of lists, across chunks of %i bytes',
    async (size) => {
      // Arrange
      const text = JSON.stringify({
        empty: [],
        items: [{ name: 'Ä' }, { name: '🙂' }, { name: 'third' }],
        skipped: { deep: [1, 2, 3] },
        meta: { nested: [[], {}], n: -1.5e3 },
        title: 'Qazaqstan — Azərbaycan',
      });

      // Act
      const { value } = await readJsonExcerpt(chunksOf(text, size), PLAN);

      // Assess
      expect(value).toEqual({
        title: 'Qazaqstan — Azərbaycan',
        meta: { nested: [[], {}], n: -1500 },
        items: [{ name: 'Ä' }, { name: '🙂' }],
        empty: [],
      });
    },
  );

  it('stops once a full list is followed only by lists the members say are empty', async () => {
    const text = `{"count": {"tail": 0}, "items": [1, ${'2, '.repeat(10_000)}3], "tail": []}`;
    let pulled = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of chunksOf(text, 64)) {
        pulled++;
        yield chunk;
      }
    }

    const { value, stoppedEarly } = await readJsonExcerpt(counted(), {
      members: ['count'],
      lists: { items: 5, tail: 5 },
      listLength: (members, list) => (members.count as Partial<Record<string, number>>)[list],
    });

    expect(value).toEqual({ count: { tail: 0 }, items: [1, 2, 2, 2, 2], tail: [] });
    expect(stoppedEarly).toBe(true);
    expect(pulled).toBe(1);
  });

  it.each([
    ['cut short', '{"title": "x", "meta": {', /not valid JSON/],
    ['not an object', '[1, 2]', /expected an object/],
    ['a bare value', '"text"', /expected an object/],
    ['missing a member and a list', '{"title": "x", "items": []}', /has no "meta", "empty"/],
  ])('rejects a document %s', async (_case, text, message) => {
    await expect(readJsonExcerpt(chunksOf(text, 5), PLAN)).rejects.toThrow(message);
    await expect(readJsonExcerpt(chunksOf(text, 5), PLAN)).rejects.toBeInstanceOf(JsonExcerptError);
  });

  it('passes a failing stream’s own error through', async () => {
    const failure = new Error('connection reset');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('{"title": "x", ');
      throw failure;
    }

    await expect(readJsonExcerpt(failing(), PLAN)).rejects.toBe(failure);
  });
});
