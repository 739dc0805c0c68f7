import { readFile } from 'node:fs/promises';
import path from 'node:path';
import jsonld from 'jsonld';
import { Parser, Store, type Quad } from 'n3';
import SHACLValidator from 'rdf-validate-shacl';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeWorkspace, readJson, STANDARDS_DIR, publishWorkspace } from '../support/workspace.js';

const BASE_URL = 'https://data.example.org/kz-az/';

/** Every context must already be in the document: the test never goes to the network. */
const offlineLoader = (url: string): never => {
  throw new Error(`catalog.jsonld asked to load ${url}; the test runs offline and expects an inline context`);
};

async function turtle(file: string): Promise<Quad[]> {
  return new Parser({ format: 'text/turtle' }).parse(await readFile(file, 'utf8'));
}

async function toQuads(document: object): Promise<Quad[]> {
  const nquads = (await jsonld.toRDF(document as jsonld.JsonLdDocument, {
    format: 'application/n-quads',
    documentLoader: offlineLoader as unknown as jsonld.Options.DocLoader['documentLoader'],
  })) as unknown as string;
  return new Parser({ format: 'application/n-quads' }).parse(nquads);
}

describe.skipIf(STANDARDS_DIR === undefined)(
  'catalog.jsonld against the official DCAT-AP 3 SHACL shapes',
  () => {
    let catalog: Record<string, unknown>;

    beforeAll(async () => {
      const ws = await makeWorkspace();
      const { code } = await publishWorkspace(ws, '--base-url', BASE_URL);
      expect(code).toBe(0);
      catalog = await readJson(path.join(ws.out, 'catalog.jsonld'));
    });

    it('conforms to shapes.ttl and range.ttl with zero violations', async () => {
      const dir = path.join(STANDARDS_DIR ?? '', 'dcat-ap');
      const shapes = new Store([
        ...(await turtle(path.join(dir, 'shapes.ttl'))),
        ...(await turtle(path.join(dir, 'range.ttl'))),
      ]);
      const data = new Store(await toQuads(catalog));

      const report = await new SHACLValidator(shapes).validate(data);

      const problems = report.results.map(
        (result) =>
          `${result.focusNode?.value ?? '?'} ${result.path?.value ?? ''}: ${result.message.map((m) => m.value).join(' ')}`,
      );
      expect(problems).toEqual([]);
      expect(report.conforms).toBe(true);
      expect(data.size).toBeGreaterThan(500);
    });

    it('reports a violation when a mandatory property is missing (the validator is live)', async () => {
      const dir = path.join(STANDARDS_DIR ?? '', 'dcat-ap');
      const shapes = new Store(await turtle(path.join(dir, 'shapes.ttl')));
      const broken = structuredClone(catalog) as { 'dcat:dataset': Record<string, unknown>[] };
      const first = broken['dcat:dataset'][0];
      if (first !== undefined) delete first['dct:description'];

      const report = await new SHACLValidator(shapes).validate(new Store(await toQuads(broken)));

      expect(report.conforms).toBe(false);
      expect(report.results.map((result) => result.path?.value)).toContain(
        'http://purl.org/dc/terms/description',
      );
    });

    it('describes every dataset with its versions, distributions, checksums and absolute URLs', async () => {
      const quads = await toQuads(catalog);
      const DCAT = 'http://www.w3.org/ns/dcat#';
      const objects = (predicate: string, subject?: string): string[] =>
        quads
          .filter(
            (q) => q.predicate.value === predicate && (subject === undefined || q.subject.value === subject),
          )
          .map((q) => q.object.value);
      const trade = `${BASE_URL}datasets/trade/index.html`;

      expect(objects(`${DCAT}dataset`)).toContain(trade);
      expect(objects(`${DCAT}hasCurrentVersion`, trade)).toEqual([`${trade}#v1.0.0`]);
      expect(objects(`${DCAT}hasVersion`, trade)).toEqual([`${trade}#v1.0.0`]);
      expect(objects(`${DCAT}version`, `${trade}#v1.0.0`)).toEqual(['1.0.0']);
      const downloads = objects(`${DCAT}downloadURL`);
      expect(downloads).toContain(`${BASE_URL}datasets/trade/1.0.0/trade.parquet`);
      expect(downloads).toContain(`${BASE_URL}datasets/trade/latest/trade.csv`);
      expect(downloads.every((url) => url.startsWith(BASE_URL))).toBe(true);
      expect(
        objects('http://spdx.org/rdf/terms#checksumValue').every((hex) => /^[0-9a-f]{64}$/.test(hex)),
      ).toBe(true);
      for (const predicate of ['mediaType', 'byteSize', 'accessURL']) {
        expect(objects(`${DCAT}${predicate}`).length, predicate).toBe(downloads.length);
      }
    });
  },
);

if (STANDARDS_DIR === undefined) {
  console.warn(
    'Skipping DCAT-AP SHACL validation: standards not found (set OPEN_DATA_STANDARDS_DIR, default ../shared/standards).',
  );
}
