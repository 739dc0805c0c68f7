import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import jsonld from 'jsonld';
import { Parser, Store, type Quad } from 'n3';
import SHACLValidator from 'rdf-validate-shacl';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace, publishWorkspace, readJson, STANDARDS_DIR } from '../support/workspace.js';

/**
 * `catalog.jsonld` scored with the indicators of the data.europa.eu Metadata
 * Quality Assessment (MQA) methodology: findability 100, accessibility 100,
 * interoperability 110, reusability 75, contextuality 20 — 405 points, of which
 * 351 or more is "Excellent". Dataset indicators score when the property is
 * there; distribution indicators score by the share of the dataset's
 * distributions that have it. "Accessible" URLs are checked against the
 * published tree (the test runs offline), and DCAT-AP compliance with the
 * official SHACL shapes.
 */

const BASE_URL = 'https://data.example.org/kz-az/';
const DCAT = 'http://www.w3.org/ns/dcat#';
const DCT = 'http://purl.org/dc/terms/';
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';
const EU = 'http://publications.europa.eu/resource/authority/';
const IANA = 'https://www.iana.org/assignments/media-types/';

/** Formats of the EU file-type vocabulary that MQA counts as machine-readable, and as non-proprietary. */
const MACHINE_READABLE = new Set([
  'CSV',
  'JSON',
  'JSON_LD',
  'XML',
  'RDF_XML',
  'RDF_TURTLE',
  'PARQUET',
  'GEOJSON',
]);
const NON_PROPRIETARY = new Set([
  'CSV',
  'JSON',
  'JSON_LD',
  'XML',
  'RDF_XML',
  'RDF_TURTLE',
  'PARQUET',
  'GEOJSON',
  'TXT',
]);

const offlineLoader = (url: string): never => {
  throw new Error(`catalog.jsonld asked to load ${url}; the test runs offline`);
};

async function toQuads(document: object): Promise<Quad[]> {
  const nquads = (await jsonld.toRDF(document as jsonld.JsonLdDocument, {
    format: 'application/n-quads',
    documentLoader: offlineLoader as unknown as jsonld.Options.DocLoader['documentLoader'],
  })) as unknown as string;
  return new Parser({ format: 'application/n-quads' }).parse(nquads);
}

interface Score {
  dataset: string;
  findability: number;
  accessibility: number;
  interoperability: number;
  reusability: number;
  contextuality: number;
  total: number;
  missing: string[];
}

function scoreDatasets(
  quads: readonly Quad[],
  accessible: (url: string) => boolean,
  compliant: boolean,
): Score[] {
  const objects = (subject: string, predicate: string): string[] =>
    quads
      .filter((q) => q.subject.value === subject && q.predicate.value === predicate)
      .map((q) => q.object.value);
  const datasets = quads
    .filter((q) => q.predicate.value === RDF_TYPE && q.object.value === `${DCAT}Dataset`)
    .map((q) => q.subject.value);
  return datasets.map((dataset) => {
    const missing: string[] = [];
    const has = (points: number, name: string, ok: boolean): number => {
      if (!ok) missing.push(name);
      return ok ? points : 0;
    };
    const distributions = objects(dataset, `${DCAT}distribution`);
    // A distribution indicator earns its points in proportion to the distributions that meet it.
    const share = (points: number, name: string, test: (distribution: string) => boolean): number => {
      const met = distributions.filter(test).length;
      if (met < distributions.length)
        missing.push(`${name} (${distributions.length - met} of ${distributions.length})`);
      return distributions.length === 0 ? 0 : (points * met) / distributions.length;
    };
    const formatCode = (distribution: string): string | undefined =>
      objects(distribution, `${DCT}format`)
        .find((iri) => iri.startsWith(`${EU}file-type/`))
        ?.slice(`${EU}file-type/`.length);
    const findability =
      has(30, 'dcat:keyword', objects(dataset, `${DCAT}keyword`).length > 0) +
      has(30, 'dcat:theme', objects(dataset, `${DCAT}theme`).length > 0) +
      has(20, 'dct:spatial', objects(dataset, `${DCT}spatial`).length > 0) +
      has(20, 'dct:temporal', objects(dataset, `${DCT}temporal`).length > 0);
    const accessibility =
      share(50, 'accessURL accessible', (d) => objects(d, `${DCAT}accessURL`).some(accessible)) +
      share(20, 'downloadURL', (d) => objects(d, `${DCAT}downloadURL`).length > 0) +
      share(30, 'downloadURL accessible', (d) => objects(d, `${DCAT}downloadURL`).some(accessible));
    const interoperability =
      share(20, 'dct:format', (d) => objects(d, `${DCT}format`).length > 0) +
      share(10, 'dcat:mediaType', (d) => objects(d, `${DCAT}mediaType`).length > 0) +
      share(
        10,
        'format or media type from a vocabulary',
        (d) =>
          formatCode(d) !== undefined && objects(d, `${DCAT}mediaType`).some((iri) => iri.startsWith(IANA)),
      ) +
      share(20, 'non-proprietary format', (d) => NON_PROPRIETARY.has(formatCode(d) ?? '')) +
      share(20, 'machine-readable format', (d) => MACHINE_READABLE.has(formatCode(d) ?? '')) +
      has(30, 'DCAT-AP compliance', compliant);
    const reusability =
      share(20, 'dct:license', (d) => objects(d, `${DCT}license`).length > 0) +
      share(10, 'licence from the EU vocabulary', (d) =>
        objects(d, `${DCT}license`).some((iri) => iri.startsWith(`${EU}licence/`)),
      ) +
      has(10, 'dct:accessRights', objects(dataset, `${DCT}accessRights`).length > 0) +
      has(
        5,
        'access rights from the EU vocabulary',
        objects(dataset, `${DCT}accessRights`).some((iri) => iri.startsWith(`${EU}access-right/`)),
      ) +
      has(20, 'dcat:contactPoint', objects(dataset, `${DCAT}contactPoint`).length > 0) +
      has(10, 'dct:publisher', objects(dataset, `${DCT}publisher`).length > 0);
    const contextuality =
      share(5, 'dct:rights', (d) => objects(d, `${DCT}rights`).length > 0) +
      share(5, 'dcat:byteSize', (d) => objects(d, `${DCAT}byteSize`).length > 0) +
      share(5, 'dct:issued', (d) => objects(d, `${DCT}issued`).length > 0) +
      share(5, 'dct:modified', (d) => objects(d, `${DCT}modified`).length > 0);
    const total = findability + accessibility + interoperability + reusability + contextuality;
    return {
      dataset,
      findability,
      accessibility,
      interoperability,
      reusability,
      contextuality,
      total,
      missing,
    };
  });
}

async function turtle(file: string): Promise<Quad[]> {
  return new Parser({ format: 'text/turtle' }).parse(await readFile(file, 'utf8'));
}

describe.skipIf(STANDARDS_DIR === undefined)('catalog.jsonld scored with the MQA indicators', () => {
  let scores: Score[] = [];
  let quads: Quad[] = [];

  beforeAll(async () => {
    const ws = await makeWorkspace();
    expect((await publishWorkspace(ws, '--base-url', BASE_URL)).code).toBe(0);
    quads = await toQuads(await readJson(path.join(ws.out, 'catalog.jsonld')));
    const dir = path.join(STANDARDS_DIR ?? '', 'dcat-ap');
    const shapes = new Store([
      ...(await turtle(path.join(dir, 'shapes.ttl'))),
      ...(await turtle(path.join(dir, 'range.ttl'))),
    ]);
    const report = await new SHACLValidator(shapes).validate(new Store(quads));
    const accessible = (url: string): boolean =>
      url.startsWith(BASE_URL) &&
      existsSync(path.join(ws.out, decodeURIComponent(url.slice(BASE_URL.length))));
    scores = scoreDatasets(quads, accessible, report.conforms);
  }, 120_000);

  it('scores every dataset, versioned or not, 405 of 405 ("Excellent")', () => {
    expect(scores.length).toBeGreaterThanOrEqual(10);
    expect(
      scores
        .filter((score) => score.total < 405)
        .map((s) => `${s.dataset}: ${s.total} (${s.missing.join(', ')})`),
    ).toEqual([]);
    const average = scores.reduce((sum, score) => sum + score.total, 0) / scores.length;
    expect(average).toBe(405);
  });

  it('uses the EU vocabularies for themes, access rights, licence, frequency, language and file types', () => {
    const values = (predicate: string): string[] =>
      quads.filter((q) => q.predicate.value === predicate).map((q) => q.object.value);
    expect(values(`${DCAT}theme`)).toContain(`${EU}data-theme/ECON`);
    expect(new Set(values(`${DCT}accessRights`))).toEqual(new Set([`${EU}access-right/PUBLIC`]));
    expect(new Set(values(`${DCT}accrualPeriodicity`))).toEqual(new Set([`${EU}frequency/IRREG`]));
    expect(new Set(values(`${DCT}language`))).toEqual(new Set([`${EU}language/ENG`]));
    expect(values(`${DCT}license`).every((iri) => iri === `${EU}licence/CC_BY_4_0`)).toBe(true);
    expect(values(`${DCT}conformsTo`).length).toBeGreaterThan(0);
  });
});
