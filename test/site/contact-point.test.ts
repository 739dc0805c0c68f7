import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import jsonld from 'jsonld';
import { Parser, Store, type Quad } from 'n3';
import SHACLValidator from 'rdf-validate-shacl';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../lambda/core/catalog.js';
import { formatIssue } from '../../lambda/core/issue.js';
import { checkSiteMeta } from '../../lambda/core/site-meta.js';
import { makeWorkspace, publishWorkspace, readJson, STANDARDS_DIR } from '../support/workspace.js';

/**
 * The contact point of `data/site.json`: checked by `schemas/site.schema.json`,
 * kept in `catalog.json`, published as a vCard `dcat:contactPoint` on every
 * dataset of `catalog.jsonld` (still clean against the DCAT-AP 3 shapes), as a
 * schema.org `ContactPoint` on every page, and in the pages' footers.
 */

const BASE_URL = 'https://data.example.org/kz-az/';
const CONTACT = {
  name: 'Data desk',
  email: 'data-desk@kz-az-open-data.example',
  url: 'https://kz-az-open-data.example/contact',
};
const VCARD = 'http://www.w3.org/2006/vcard/ns#';
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type';

const SITE = {
  title: 'A catalog',
  description: 'Curated datasets.',
  publisher: { name: 'kz-az-open-data' },
  license: 'CC-BY-4.0',
};

describe('data/site.json contactPoint is checked by the schema', () => {
  it('accepts a name with an email address, a page, or both', () => {
    for (const contactPoint of [
      CONTACT,
      { name: CONTACT.name, email: CONTACT.email },
      { name: CONTACT.name, url: CONTACT.url },
    ])
      expect(checkSiteMeta({ ...SITE, contactPoint }, 'data/site.json').ok).toBe(true);
  });

  it.each([
    [{ name: 'Desk', url: 'javascript:alert(1)' }, '/contactPoint/url'],
    [{ name: 'Desk', url: 'mailto:desk@example.org' }, '/contactPoint/url'],
    [{ name: 'Desk', email: 'not an address' }, '/contactPoint/email'],
    [{ name: 'Desk', email: 'desk@example.org\u202e' }, '/contactPoint/email'],
    [{ name: 'Desk' }, '/contactPoint'],
    [{ email: 'desk@example.org' }, '/contactPoint'],
    [{ name: 'Desk', email: 'desk@example.org', phone: '+7' }, '/contactPoint'],
  ])('rejects %j at %s', (contactPoint, pointer) => {
    const result = checkSiteMeta({ ...SITE, contactPoint }, 'data/site.json');
    expect(result.ok).toBe(false);
    const lines = result.ok ? [] : result.issues.map(formatIssue);
    expect(lines.join('\n')).toContain(`data/site.json`);
    expect(lines.join('\n')).toContain(pointer);
  });
});

describe('the contact point, published', () => {
  let out: string;
  let catalog: Catalog;
  let quads: Quad[];

  beforeAll(async () => {
    const ws = await makeWorkspace();
    const siteFile = path.join(ws.data, 'site.json');
    const site = JSON.parse(await readFile(siteFile, 'utf8')) as Record<string, unknown>;
    await writeFile(siteFile, JSON.stringify({ ...site, contactPoint: CONTACT }));
    const published = await publishWorkspace(ws, '--base-url', BASE_URL);
    expect(published.code, published.stderr).toBe(0);
    out = ws.out;
    catalog = await readJson<Catalog>(path.join(out, 'catalog.json'));
    const document = await readJson<object>(path.join(out, 'catalog.jsonld'));
    const nquads = (await jsonld.toRDF(document as jsonld.JsonLdDocument, {
      format: 'application/n-quads',
    })) as unknown as string;
    quads = new Parser({ format: 'application/n-quads' }).parse(nquads);
  }, 120_000);

  it('is kept in catalog.json', () => {
    expect(catalog.contactPoint).toEqual(CONTACT);
  });

  it('is the vCard dcat:contactPoint of every dataset and version in catalog.jsonld', () => {
    const objects = (subject: string, predicate: string): Quad['object'][] =>
      quads
        .filter((q) => q.subject.value === subject && q.predicate.value === predicate)
        .map((q) => q.object);
    const datasets = quads
      .filter((q) => q.predicate.value === RDF_TYPE && q.object.value === 'http://www.w3.org/ns/dcat#Dataset')
      .map((q) => q.subject.value);
    // Each catalog dataset and each of its versions.
    expect(datasets).toHaveLength(
      catalog.datasets.length + catalog.datasets.reduce((sum, d) => sum + d.versions.length, 0),
    );
    for (const dataset of datasets) {
      const contacts = objects(dataset, 'http://www.w3.org/ns/dcat#contactPoint');
      expect(contacts, dataset).toHaveLength(1);
      const contact = contacts[0]?.value ?? '';
      expect(objects(contact, RDF_TYPE).map((o) => o.value)).toContain(`${VCARD}Kind`);
      expect(objects(contact, `${VCARD}fn`).map((o) => o.value)).toEqual([CONTACT.name]);
      const email = objects(contact, `${VCARD}hasEmail`);
      expect(email.map((o) => [o.termType, o.value])).toEqual([['NamedNode', `mailto:${CONTACT.email}`]]);
      const page = objects(contact, `${VCARD}hasURL`);
      expect(page.map((o) => [o.termType, o.value])).toEqual([['NamedNode', CONTACT.url]]);
    }
  });

  it.skipIf(STANDARDS_DIR === undefined)(
    'leaves catalog.jsonld clean against the DCAT-AP 3 shapes',
    async () => {
      const dir = path.join(STANDARDS_DIR ?? '', 'dcat-ap');
      const turtle = async (file: string): Promise<Quad[]> =>
        new Parser({ format: 'text/turtle' }).parse(await readFile(path.join(dir, file), 'utf8'));
      const shapes = new Store([...(await turtle('shapes.ttl')), ...(await turtle('range.ttl'))]);
      const report = await new SHACLValidator(shapes).validate(new Store(quads));
      expect(
        report.results.map((result) => `${result.focusNode?.value ?? ''}: ${result.message[0]?.value ?? ''}`),
      ).toEqual([]);
    },
  );

  it('is the schema.org ContactPoint of the publisher on every dataset page, and in every footer', async () => {
    const ids = await readdir(path.join(out, 'datasets'));
    expect(ids.length).toBe(catalog.datasets.length);
    const expected = {
      '@type': 'ContactPoint',
      contactType: 'data enquiries',
      name: CONTACT.name,
      email: CONTACT.email,
      url: CONTACT.url,
    };
    for (const id of ids) {
      const page = await readFile(path.join(out, 'datasets', id, 'index.html'), 'utf8');
      const script = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(page)?.[1] ?? '{}';
      const dataset = JSON.parse(script) as {
        publisher: { contactPoint?: unknown };
        includedInDataCatalog: { publisher: { contactPoint?: unknown } };
      };
      expect(dataset.publisher.contactPoint, id).toEqual(expected);
      expect(dataset.includedInDataCatalog.publisher.contactPoint, id).toEqual(expected);
      expect(page, id).toContain(`<a href="mailto:${CONTACT.email}">${CONTACT.email}</a>`);
      expect(page, id).toContain(`<a href="${CONTACT.url}">the contact page</a>`);
    }
    expect(await readFile(path.join(out, 'index.html'), 'utf8')).toContain(`href="mailto:${CONTACT.email}"`);
  });
});
