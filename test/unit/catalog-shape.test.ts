import { describe, expect, it } from 'vitest';
import { checkCatalogShape } from '../../lambda/core/catalog-shape.js';
import { fixtureTree } from '../support/hostile-http-server.js';

type FixtureCatalog = ReturnType<typeof fixtureTree>['catalog'];
type FixtureDataset = FixtureCatalog['datasets'][number];
type FixtureVersion = FixtureDataset['versions'][number];

/** The fixture's one dataset `t`, with the versions given (newest first), each a copy of its 1.0.0 but for its number. */
function datasetWith(latest: string, ...numbers: string[]): FixtureDataset {
  const dataset = fixtureTree().catalog.datasets[0];
  const version = dataset?.versions[0];
  if (dataset === undefined || version === undefined) throw new Error('fixture has no dataset');
  const versions: FixtureVersion[] = numbers.map((number) => ({
    ...version,
    version: number,
    distributions: version.distributions.map((file) => ({
      ...file,
      path: file.path.replace('/1.0.0/', `/${number}/`),
    })),
  }));
  return { ...dataset, latest, versions };
}

function catalogOf(...datasets: FixtureDataset[]): FixtureCatalog {
  return { ...fixtureTree().catalog, datasets };
}

describe('checkCatalogShape: one history a dataset', () => {
  it('accepts datasets listed once, each version once, latest the highest', () => {
    const catalog = catalogOf(datasetWith('1.1.0', '1.1.0', '1.0.0'), {
      ...datasetWith('1.0.0', '1.0.0'),
      id: 'u',
    });

    expect(checkCatalogShape(catalog)).toEqual({ ok: true, catalog });
  });

  it.each<[string, FixtureCatalog, string]>([
    [
      'a dataset listed again, holding only its newest version',
      catalogOf(datasetWith('1.1.0', '1.1.0', '1.0.0'), datasetWith('1.1.0', '1.1.0')),
      'lists dataset "t" twice (/datasets/0 and /datasets/1): each dataset is listed once, with every version it has',
    ],
    [
      'a dataset listed three times, apart',
      catalogOf(
        datasetWith('1.0.0', '1.0.0'),
        { ...datasetWith('1.0.0', '1.0.0'), id: 'u' },
        datasetWith('1.0.0', '1.0.0'),
        datasetWith('1.0.0', '1.0.0'),
      ),
      'lists dataset "t" 3 times (/datasets/0, /datasets/2, /datasets/3): each dataset is listed once, with every version it has',
    ],
    [
      'a version listed twice in its dataset',
      catalogOf(datasetWith('1.1.0', '1.1.0', '1.0.0', '1.1.0')),
      'lists version 1.1.0 of dataset "t" twice (/datasets/0/versions/0 and /datasets/0/versions/2): each version is listed once',
    ],
    [
      'a latest that names no listed version',
      catalogOf(datasetWith('9.9.9', '1.0.0')),
      'dataset "t" names 9.9.9 as its latest version, but lists no such version (/datasets/0/latest)',
    ],
    [
      'a listed version later than latest',
      catalogOf(datasetWith('1.0.0', '1.0.1', '1.0.0')),
      'dataset "t" names 1.0.0 as its latest version, but lists a later one, 1.0.1 (/datasets/0/versions/0)',
    ],
  ])('refuses %s, naming it', (_name, catalog, message) => {
    expect(checkCatalogShape(catalog)).toEqual({ ok: false, message });
  });

  it('says a dataset listed 5,000 times in one short line', () => {
    const catalog = catalogOf(...Array.from({ length: 5000 }, () => datasetWith('1.0.0', '1.0.0')));

    expect(checkCatalogShape(catalog)).toEqual({
      ok: false,
      message:
        'lists dataset "t" 5000 times (/datasets/0, /datasets/1, …): each dataset is listed once, with every version it has',
    });
  });

  it('still names the first value of the wrong type, before any of these', () => {
    const catalog = catalogOf(datasetWith('1.0.0', '1.0.0'), datasetWith('1.0.0', '1.0.0'));
    Object.assign(catalog.datasets[1] ?? {}, { latest: 1 });

    expect(checkCatalogShape(catalog)).toEqual({
      ok: false,
      message:
        'does not match schemas/catalog.schema.json: /datasets/1/latest must be string (type: "string"), found number 1',
    });
  });
});
