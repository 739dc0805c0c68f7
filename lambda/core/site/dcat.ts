import type { CatalogVersion, Distribution } from '../catalog.js';
import type { SiteContext, SiteDataset, SiteRenderer } from '../site.js';
import { absoluteUrl, datasetPagePath, formatLabel, licenseOf, safeLink, versionAnchor } from './links.js';

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
  xsd: 'http://www.w3.org/2001/XMLSchema#',
};

/** EU file-type authority entries for the formats the pipeline publishes. */
const FILE_TYPES: Readonly<Record<string, string>> = {
  'text/csv': 'CSV',
  'application/json': 'JSON',
  'application/vnd.apache.parquet': 'PARQUET',
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
  const license = licenseOf(catalog.license);
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
    'dct:license': licenseNode(license.url),
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
  const licenseUrl = licenseOf(document.license).url;
  const first = entry.versions[entry.versions.length - 1];
  const latest = entry.versions.find((version) => version.version === entry.latest) ?? entry.versions[0];
  const versionId = (version: string): string => `${pageUrl}#${versionAnchor(version)}`;
  const common = {
    'dct:publisher': agent(document.publisher),
    'dct:license': licenseNode(licenseUrl),
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
        `Transcribed from ${document.source.citation} Every row quotes the passage it was taken from; where the source contradicts itself, all readings are kept and flagged.`,
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
      distributionNode(distribution, url(distribution.path), version, licenseUrl),
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
              distribution,
              url(`datasets/${entry.id}/latest/${name}`),
              latest,
              licenseUrl,
            );
          }),
  };
}

function distributionNode(
  distribution: Distribution,
  downloadUrl: string,
  version: CatalogVersion,
  licenseUrl: string,
): Node {
  const fileType = FILE_TYPES[distribution.mediaType];
  const name = distribution.path.split('/').pop() ?? distribution.path;
  return {
    '@id': `${downloadUrl}#distribution`,
    '@type': 'dcat:Distribution',
    'dct:title': english(`${name} (${formatLabel(distribution.format)}, version ${version.version})`),
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
            '@id': `http://publications.europa.eu/resource/authority/file-type/${fileType}`,
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
    'dct:issued': dateTime(version.published),
  };
}
