import type { SiteContext, SiteDataset } from '../site.js';
import { authorName, isOrganization, type Author } from '../authors.js';
import {
  absoluteUrl,
  datasetPagePath,
  formatLabel,
  latestVersion,
  licenseOf,
  mailtoOf,
  safeLink,
} from './links.js';

/**
 * The schema.org `Dataset` description embedded as JSON-LD in a dataset page,
 * for search engines (Google Dataset Search) and harvesters that read pages.
 * Every URL is absolute, from the site's base URL.
 */
export function datasetJsonLd(context: SiteContext, dataset: SiteDataset): Record<string, unknown> {
  const { entry, document } = dataset;
  const latest = latestVersion(entry);
  const first = entry.versions[entry.versions.length - 1] ?? latest;
  const pageUrl = absoluteUrl(context.baseUrl, datasetPagePath(entry.id));
  // A link that is not http(s) or mailto (`javascript:`, `data:`) is left out, whatever validation let through.
  const publisherUrl = safeLink(document.publisher.url);
  const contact = contactPointJsonLd(context);
  const sitePublisher = context.catalog.publisher;
  // The site's contact point answers for the site's publisher; a dataset published by another
  // organisation gets it only through the catalog it is part of.
  const publisher = {
    '@type': 'Organization',
    name: document.publisher.name,
    ...(publisherUrl === undefined ? {} : { url: publisherUrl }),
    ...(contact === undefined || document.publisher.name !== sitePublisher.name
      ? {}
      : { contactPoint: contact }),
  };
  return {
    '@context': 'https://schema.org',
    '@type': 'Dataset',
    '@id': `${pageUrl}#dataset`,
    name: document.title,
    description: document.description,
    url: pageUrl,
    identifier: entry.id,
    version: latest.version,
    license: licenseOf(document.license).url,
    isAccessibleForFree: true,
    // The figures are the paper's: its authors are the creators; the project publishes the data set.
    creator: document.source.authors.map(schemaOrgAgent),
    publisher,
    citation: document.source.citation,
    inLanguage: 'en',
    isBasedOn: {
      '@type': 'ScholarlyArticle',
      name: document.source.title,
      author: document.source.authors.map(schemaOrgAgent),
    },
    keywords: document.keywords,
    datePublished: first.published,
    dateModified: entry.modified,
    temporalCoverage: `${document.temporalCoverage.start}/${document.temporalCoverage.end}`,
    spatialCoverage: document.spatialCoverage.map((place) => ({
      '@type': 'Place',
      name: place.name,
      address: { '@type': 'PostalAddress', addressCountry: place.iso3166 },
    })),
    variableMeasured: document.columns.map((column) => ({
      '@type': 'PropertyValue',
      name: column.name,
      ...(column.description === undefined ? {} : { description: column.description }),
      ...(column.unit === undefined ? {} : { unitText: column.unit }),
    })),
    distribution: latest.distributions.map((distribution) => ({
      '@type': 'DataDownload',
      name: `${formatLabel(distribution.format, context.formats)} (${distribution.path.split('/').pop() ?? distribution.path})`,
      contentUrl: absoluteUrl(context.baseUrl, distribution.path),
      encodingFormat: distribution.mediaType,
      contentSize: `${distribution.bytes} B`,
      sha256: distribution.sha256,
    })),
    includedInDataCatalog: {
      '@type': 'DataCatalog',
      name: context.catalog.title,
      url: absoluteUrl(context.baseUrl, 'index.html'),
      publisher: {
        '@type': 'Organization',
        name: sitePublisher.name,
        ...(safeLink(sitePublisher.url) === undefined ? {} : { url: safeLink(sitePublisher.url) }),
        ...(contact === undefined ? {} : { contactPoint: contact }),
      },
    },
  };
}

/** The contact point of `data/site.json` as a schema.org `ContactPoint`, when it has a safe email or page. */
function contactPointJsonLd(context: SiteContext): Record<string, unknown> | undefined {
  const configured = context.catalog.contactPoint;
  const email = mailtoOf(configured?.email);
  const url = safeLink(configured?.url);
  if (configured === undefined || (email === undefined && url === undefined)) return undefined;
  return {
    '@type': 'ContactPoint',
    contactType: 'data enquiries',
    name: configured.name,
    ...(email === undefined ? {} : { email: email.slice('mailto:'.length) }),
    ...(url === undefined ? {} : { url }),
  };
}

/** An author as schema.org states one: a Person, or an Organization. */
function schemaOrgAgent(author: Author): {
  readonly '@type': 'Person' | 'Organization';
  readonly name: string;
} {
  return { '@type': isOrganization(author) ? 'Organization' : 'Person', name: authorName(author) };
}
