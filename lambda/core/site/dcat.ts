import type { CatalogVersion, Distribution } from '../catalog.js';
import type { SiteContext, SiteDataset, SiteRenderer } from '../site.js';
import {
  absoluteUrl,
  datasetPagePath,
  formatLabel,
  licenseOf,
  mailtoOf,
  safeLink,
  versionAnchor,
} from './links.js';
import { versionFormatOf } from '../formats/index.js';
import { latestFileKey } from '../site-keys.js';

/**
 * The context is inline, so a harvester (and the SHACL test) needs no network
 * to expand the document. Terms are written as prefixed names.
 */
const CONTEXT = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  locn: 'http://www.w3.org/ns/locn#',
  rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
  skos: 'http://www.w3.org/2004/02/skos/core#',
  spdx: 'http://spdx.org/rdf/terms#',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
};

/** The EU Publications Office authority tables that DCAT-AP and the data.europa.eu quality assessment expect. */
const EU_AUTHORITY = 'http://publications.europa.eu/resource/authority/';

/** EU licence-authority entries of the SPDX licence ids the pipeline accepts. */
const EU_LICENCES: Readonly<Record<string, string>> = {
  'CC-BY-4.0': 'CC_BY_4_0',
  'CC0-1.0': 'CC0',
};

/** The licence as an IRI a portal recognises: the EU licence authority's entry, else the SPDX licence page. */
function licenceIri(spdx: string): string {
  const eu = EU_LICENCES[spdx];
  return eu === undefined ? licenseOf(spdx).url : `${EU_AUTHORITY}licence/${eu}`;
}

/** The English labels of the EU data themes (a concept needs its label, DCAT-AP says). */
const DATA_THEMES: Readonly<Record<string, string>> = {
  AGRI: 'Agriculture, fisheries, forestry and food',
  ECON: 'Economy and finance',
  EDUC: 'Education, culture and sport',
  ENER: 'Energy',
  ENVI: 'Environment',
  GOVE: 'Government and public sector',
  HEAL: 'Health',
  INTR: 'International issues',
  JUST: 'Justice, legal system and public safety',
  OP_DATPRO: 'Provisional data',
  REGI: 'Regions and cities',
  SOCI: 'Population and society',
  TECH: 'Science and technology',
  TRAN: 'Transport',
};

/** Every dataset is open to anyone: EU access right PUBLIC. */
const PUBLIC_ACCESS = { '@id': `${EU_AUTHORITY}access-right/PUBLIC`, '@type': 'dct:RightsStatement' };
/** Titles, descriptions and columns are written in English. */
const ENGLISH = { '@id': `${EU_AUTHORITY}language/ENG`, '@type': 'dct:LinguisticSystem' };
/** The Frictionless Table Schema, which each version's `datapackage.json` states the table in. */
const TABLE_SCHEMA = {
  '@id': 'https://datapackage.org/standard/table-schema/',
  '@type': 'dct:Standard',
  'dct:title': { '@value': 'Frictionless Table Schema', '@language': 'en' },
};

type Node = Record<string, unknown>;

const dateTime = (value: string): Node => ({ '@value': value, '@type': 'xsd:dateTime' });
const date = (value: string): Node => ({ '@value': value, '@type': 'xsd:date' });
const english = (value: string): Node => ({ '@value': value, '@language': 'en' });

/** `catalog.jsonld`: the catalog as a DCAT 3 `dcat:Catalog`, shaped to pass the DCAT-AP 3 SHACL shapes. */
export const dcatRenderer: SiteRenderer = {
  name: 'dcat',
  render: (context) => [
    {
      key: 'catalog.jsonld',
      body: new TextEncoder().encode(`${JSON.stringify(buildDcatCatalog(context), null, 2)}\n`),
    },
  ],
};

/**
 * Builds the DCAT catalog. Each dataset is a versionless `dcat:Dataset` (its
 * distributions are the `latest/` files) with `dcat:hasVersion` pointing at one
 * `dcat:Dataset` per published version (`dcat:version`,
 * `dcat:previousVersion`, immutable distributions) and `dcat:hasCurrentVersion`
 * at the newest. Every node a shape checks the class of carries its type.
 */
export function buildDcatCatalog(context: SiteContext): Node {
  const { catalog, baseUrl } = context;
  const url = (path: string): string => absoluteUrl(baseUrl, path);
  const issued = context.datasets
    .flatMap(({ entry }) => entry.versions.map((version) => version.published))
    .sort()[0];
  return {
    '@context': CONTEXT,
    '@id': url('catalog.jsonld'),
    '@type': 'dcat:Catalog',
    'dct:title': english(catalog.title),
    'dct:description': english(catalog.description),
    'dct:publisher': agent(catalog.publisher),
    'dct:license': licenseNode(licenceIri(catalog.license)),
    'foaf:homepage': { '@id': url('index.html'), '@type': 'foaf:Document' },
    'dct:modified': dateTime(catalog.modified),
    ...(issued === undefined ? {} : { 'dct:issued': dateTime(issued) }),
    'dcat:dataset': context.datasets.map((dataset) => datasetNode(context, dataset)),
  };
}

/** The publisher as a `foaf:Agent`, identified by its URL only when that is an http(s) or mailto link. */
function agent(publisher: { readonly name: string; readonly url?: string }): Node {
  const id = safeLink(publisher.url);
  return {
    ...(id === undefined ? {} : { '@id': id }),
    '@type': 'foaf:Agent',
    'foaf:name': publisher.name,
  };
}

function licenseNode(licenseUrl: string): Node {
  return { '@id': licenseUrl, '@type': 'dct:LicenseDocument' };
}

function datasetNode(context: SiteContext, { entry, document }: SiteDataset): Node {
  const url = (path: string): string => absoluteUrl(context.baseUrl, path);
  const pageUrl = url(datasetPagePath(entry.id));
  const licenseUrl = licenceIri(document.license);
  const rights = {
    '@type': 'dct:RightsStatement',
    'rdfs:label': english(
      `${licenseOf(document.license).title} (${document.license}). Attribute the source: ${document.source.citation}`,
    ),
  };
  const first = entry.versions[entry.versions.length - 1];
  const latest = entry.versions.find((version) => version.version === entry.latest) ?? entry.versions[0];
  const versionId = (version: string): string => `${pageUrl}#${versionAnchor(version)}`;
  const common = {
    'dct:publisher': agent(document.publisher),
    'dcat:contactPoint': contactPoint(context, document.publisher),
    'dct:license': licenseNode(licenseUrl),
    'dct:accessRights': PUBLIC_ACCESS,
    'dct:language': ENGLISH,
    'dct:conformsTo': TABLE_SCHEMA,
    ...(document.themes === undefined || document.themes.length === 0
      ? {}
      : {
          'dcat:theme': document.themes.map((theme) => ({
            '@id': `${EU_AUTHORITY}data-theme/${theme}`,
            '@type': 'skos:Concept',
            'skos:prefLabel': english(DATA_THEMES[theme] ?? theme),
          })),
        }),
    ...(document.accrualPeriodicity === undefined
      ? {}
      : {
          'dct:accrualPeriodicity': {
            '@id': `${EU_AUTHORITY}frequency/${document.accrualPeriodicity}`,
            '@type': 'dct:Frequency',
          },
        }),
    'dcat:keyword': document.keywords.map(english),
    'dct:temporal': {
      '@type': 'dct:PeriodOfTime',
      'dcat:startDate': date(document.temporalCoverage.start),
      'dcat:endDate': date(document.temporalCoverage.end),
    },
    'dct:spatial': document.spatialCoverage.map((place) => ({
      '@type': 'dct:Location',
      'locn:geographicName': english(place.name),
      'skos:notation': place.iso3166,
    })),
    'dcat:landingPage': { '@id': pageUrl, '@type': 'foaf:Document' },
    'dct:provenance': {
      '@type': 'dct:ProvenanceStatement',
      'rdfs:label': english(
        `Transcribed from ${document.source.citation} Every row quotes the passage it was taken from; where the source contradicts itself or is in doubt, all readings are kept and flagged.`,
      ),
    },
  };
  const versions = entry.versions.map((version) => ({
    '@id': versionId(version.version),
    '@type': 'dcat:Dataset',
    'dct:identifier': `${entry.id}@${version.version}`,
    'dct:title': english(`${document.title} (version ${version.version})`),
    'dct:description': english(document.description),
    'dcat:version': version.version,
    'dct:issued': dateTime(version.published),
    'dct:modified': dateTime(version.published),
    'dct:isVersionOf': { '@id': pageUrl },
    ...(version.previousVersion === undefined
      ? {}
      : { 'dcat:previousVersion': { '@id': versionId(version.previousVersion) } }),
    ...common,
    'dcat:distribution': version.distributions.map((distribution) =>
      distributionNode(context, distribution, url(distribution.path), version, licenseUrl, rights),
    ),
  }));
  const versionRefs = entry.versions.map((version) => ({ '@id': versionId(version.version) }));
  return {
    '@id': pageUrl,
    '@type': 'dcat:Dataset',
    'dct:identifier': entry.id,
    'dct:title': english(document.title),
    'dct:description': english(document.description),
    ...(first === undefined ? {} : { 'dct:issued': dateTime(first.published) }),
    'dct:modified': dateTime(entry.modified),
    ...common,
    'dcat:hasVersion': versions,
    // DCAT-AP 3 shapes still check the Dublin Core property, of which dcat:hasVersion is a refinement.
    'dct:hasVersion': versionRefs,
    ...(latest === undefined ? {} : { 'dcat:hasCurrentVersion': { '@id': versionId(latest.version) } }),
    // The versionless dataset's files are the `latest/` mirror: same bytes as the newest version's.
    'dcat:distribution':
      latest === undefined
        ? []
        : latest.distributions.map((distribution) => {
            const name = distribution.path.split('/').pop() ?? distribution.path;
            return distributionNode(
              context,
              distribution,
              url(latestFileKey(entry.id, name)),
              latest,
              licenseUrl,
              rights,
            );
          }),
  };
}

function distributionNode(
  context: SiteContext,
  distribution: Distribution,
  downloadUrl: string,
  version: CatalogVersion,
  licenseUrl: string,
  rights: Node,
): Node {
  const fileType = versionFormatOf(distribution.format, context.formats)?.euFileType;
  const name = distribution.path.split('/').pop() ?? distribution.path;
  return {
    '@id': `${downloadUrl}#distribution`,
    '@type': 'dcat:Distribution',
    'dct:title': english(
      `${name} (${formatLabel(distribution.format, context.formats)}, version ${version.version})`,
    ),
    'dcat:downloadURL': { '@id': downloadUrl },
    'dcat:accessURL': { '@id': downloadUrl },
    'dcat:mediaType': {
      '@id': `https://www.iana.org/assignments/media-types/${distribution.mediaType}`,
      '@type': 'dct:MediaType',
    },
    ...(fileType === undefined
      ? {}
      : {
          'dct:format': {
            '@id': `${EU_AUTHORITY}file-type/${fileType}`,
            '@type': 'dct:MediaTypeOrExtent',
          },
        }),
    'dcat:byteSize': { '@value': String(distribution.bytes), '@type': 'xsd:nonNegativeInteger' },
    'spdx:checksum': {
      '@type': 'spdx:Checksum',
      'spdx:algorithm': { '@id': 'spdx:checksumAlgorithm_sha256' },
      'spdx:checksumValue': { '@value': distribution.sha256, '@type': 'xsd:hexBinary' },
    },
    'dct:license': licenseNode(licenseUrl),
    'dct:rights': rights,
    'dct:language': ENGLISH,
    ...(distribution.format === 'csv' ? { 'dct:conformsTo': TABLE_SCHEMA } : {}),
    'dct:issued': dateTime(version.published),
    // A version's files never change: they were last modified when the version was published.
    'dct:modified': dateTime(version.published),
  };
}

/**
 * Whom to ask about a dataset, as a vCard: the contact point of
 * `data/site.json` (its name as `vcard:fn`, its email address as a `mailto:`
 * `vcard:hasEmail`, its page as `vcard:hasURL`); without one, the publisher,
 * reached at its own URL when it has an http(s) or mailto one, else at the
 * site's home page.
 */
function contactPoint(
  context: SiteContext,
  publisher: { readonly name: string; readonly url?: string },
): Node {
  // vcard:Kind is what the DCAT-AP range check expects (shapes do not infer the subclass).
  const type = ['vcard:Kind', 'vcard:Organization'];
  const configured = context.catalog.contactPoint;
  if (configured !== undefined) {
    const email = mailtoOf(configured.email);
    const page = safeLink(configured.url);
    if (email !== undefined || page !== undefined)
      return {
        '@type': type,
        'vcard:fn': configured.name,
        ...(email === undefined ? {} : { 'vcard:hasEmail': { '@id': email } }),
        ...(page === undefined ? {} : { 'vcard:hasURL': { '@id': page } }),
      };
  }
  const link = safeLink(publisher.url);
  const home = absoluteUrl(context.baseUrl, 'index.html');
  return {
    '@type': type,
    'vcard:fn': publisher.name,
    ...(link?.startsWith('mailto:') === true
      ? { 'vcard:hasEmail': { '@id': link } }
      : { 'vcard:hasURL': { '@id': link ?? home } }),
  };
}
