import { describe, expect, it } from 'vitest';
import { classifyChange, diffRows, nextVersion } from '../../lambda/core/changes.js';
import type { Row } from '../../lambda/core/row-schema.js';

const before: Row[] = [
  { id: 'a', value: 1 },
  { id: 'b', value: 2, note: 'x' },
  { id: 'c', value: 3 },
];

describe('diffRows', () => {
  it('matches rows by primary key and lists added, removed and changed rows with old and new values', () => {
    const after = [
      { id: 'a', value: 1 },
      { id: 'b', value: 20 },
      { id: 'd', value: 4 },
    ];

    expect(diffRows(before, after, ['id'])).toEqual({
      added: [{ id: 'd', value: 4 }],
      removed: [{ id: 'c', value: 3 }],
      changed: [{ key: { id: 'b' }, changes: { value: { old: 2, new: 20 }, note: { old: 'x', new: null } } }],
    });
  });

  it('finds nothing between equal tables', () => {
    expect(diffRows(before, [...before].reverse(), ['id'])).toEqual({ added: [], removed: [], changed: [] });
  });
});

describe('classifyChange and nextVersion', () => {
  const none = { added: 0, removed: 0, changed: 0 };

  it.each([
    ['schema changed', true, none, 'major', '2.0.0'],
    ['rows only added', false, { ...none, added: 1 }, 'minor', '1.3.0'],
    ['a row removed', false, { ...none, added: 1, removed: 1 }, 'patch', '1.2.4'],
    ['a row changed', false, { ...none, changed: 1 }, 'patch', '1.2.4'],
    ['descriptor only', false, none, 'patch', '1.2.4'],
  ] as const)('%s ⇒ %s', (_name, schemaChanged, rows, change, version) => {
    const kind = classifyChange(schemaChanged, rows);

    expect(kind).toBe(change);
    expect(nextVersion('1.2.3', kind)).toBe(version);
  });

  it('refuses a version that is not major.minor.patch', () => {
    expect(() => nextVersion('1.2', 'patch')).toThrow('"1.2" is not a major.minor.patch version');
  });
});
