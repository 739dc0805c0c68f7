import { describe, expect, it } from 'vitest';
import { locateNearest, locatePointer } from '../../lambda/core/json-locate.js';
import { validateDataset } from '../../lambda/core/validate.js';
import { FIXTURE_DESCRIPTOR, fixtureSource } from '../support/dataset-fixture.js';

describe('a member written twice', () => {
  it('is located where it is written the second time, the value JSON.parse keeps', () => {
    const text = '{\n"title": "ok",\n"id": "x",\n"title": null\n}';

    expect(locatePointer(text, '/title')).toEqual({ line: 4, column: 1 });
    expect(locatePointer(text, '/id')).toEqual({ line: 3, column: 1 });
  });

  it('hides what its earlier writing held', () => {
    const text = '{\n"source": {\n"citation": "a"\n},\n"source": {\n"authors": []\n}\n}';

    expect(locatePointer(text, '/source/citation')).toBeUndefined();
    expect(locateNearest(text, '/source/citation')).toEqual({ line: 5, column: 1 });
    expect(locatePointer(text, '/source/authors')).toEqual({ line: 6, column: 1 });
  });

  it('in a descriptor, is reported on the line of the value that is wrong', async () => {
    const members = Object.entries({ ...FIXTURE_DESCRIPTOR, title: 'A title' }).map(
      ([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`,
    );
    const text = `{\n${[...members, '"title": null'].join(',\n')}\n}`;
    const source = fixtureSource();
    const { report } = await validateDataset({ ...source, descriptor: { ...source.descriptor, text } });

    expect(report.issues).toEqual([
      expect.objectContaining({ field: '/title', line: members.length + 2, column: 1 }),
    ]);
  });
});
