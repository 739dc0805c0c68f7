import type { CatalogVersion } from '../catalog.js';
import type { DatasetDocument } from '../dataset-document.js';
import { CITATION_FORMATS } from '../formats/index.js';
import { citationKey } from '../site-keys.js';
import type { SiteDataset, SiteRenderer } from '../site.js';
import { showHiddenCharacters } from './html.js';
import { absoluteUrl, datasetPagePath, licenseOf, versionAnchor } from './links.js';

/**
 * Citations of one dataset version that people can paste into a reference
 * manager: BibTeX, RIS and CSL-JSON. The source paper's authors are credited
 * as the authors (every value is theirs, transcribed), the project as the
 * publisher, and each names the version and its URL. They are site files
 * (`datasets/<id>/cite/<version>.*`), not version files, because they carry
 * the publication date, which a version folder never does.
 */
export interface Citation {
  readonly bibtex: string;
  readonly ris: string;
  /** A CSL-JSON array of one item. */
  readonly cslJson: string;
  /** One line for people: authors (year). Title, version. Publisher. URL. */
  readonly text: string;
}

/** A person's name split as reference formats want it: `A.N. Ospanova` → family `Ospanova`, given `A.N.`. */
export function splitName(name: string): { readonly family: string; readonly given: string } {
  const parts = name.trim().split(/\s+/);
  const family = parts.pop() ?? name;
  return { family, given: parts.join(' ') };
}

/** The URL a version is cited by: its place on the dataset page, which lists its files. */
export function versionUrl(baseUrl: string, id: string, version: string): string {
  return `${absoluteUrl(baseUrl, datasetPagePath(id))}#${versionAnchor(version)}`;
}

// BibTeX treats braces, backslashes and a few others as markup; they are escaped so any text stays literal.
function bibText(text: string): string {
  return showHiddenCharacters(text)
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\{}]/g, (char) => (char === '\\' ? '\\textbackslash{}' : `\\${char}`))
    .replace(/[&%$#_^~]/g, (char) => (char === '^' ? '\\^{}' : char === '~' ? '\\~{}' : `\\${char}`));
}

// A URL field is verbatim in biblatex (and for the url package): an escape such as `\#` would stay in the
// link. The characters that would end the field early are percent-encoded instead, which names the same URL.
function bibUrl(url: string): string {
  return url.replace(
    /[\\{}\s]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

// A RIS value is the rest of its line: line breaks would start a forged tag, so they become spaces.
function risText(text: string): string {
  return showHiddenCharacters(text).replace(/[\r\n]+/g, ' ');
}

/** Builds every citation format of one version of a dataset. */
export function citationOf(document: DatasetDocument, version: CatalogVersion, baseUrl: string): Citation {
  const url = versionUrl(baseUrl, document.id, version.version);
  const published = version.published.slice(0, 10);
  const [year = '', month = '', day = ''] = published.split('-');
  const authors = document.source.authors.map(splitName);
  const title = document.title;
  const publisher = document.publisher.name;
  const note = `Transcribed from: ${document.source.citation}`;
  const key = `${document.id}-${version.version}`.replace(/[^A-Za-z0-9-]/g, '-');
  const bibtex = [
    `@dataset{${key},`,
    `  author = {${authors.map((a) => `${bibText(a.family)}, ${bibText(a.given)}`).join(' and ')}},`,
    `  title = {${bibText(title)}},`,
    `  version = {${bibText(version.version)}},`,
    `  publisher = {${bibText(publisher)}},`,
    `  year = {${year}},`,
    `  month = {${Number(month)}},`,
    `  url = {${bibUrl(url)}},`,
    `  note = {${bibText(note)}},`,
    `  copyright = {${bibText(licenseOf(document.license).title)}}`,
    '}',
    '',
  ].join('\n');
  const ris = [
    'TY  - DATA',
    ...authors.map((a) => `AU  - ${risText(a.family)}, ${risText(a.given)}`),
    `TI  - ${risText(title)}`,
    `ET  - ${risText(version.version)}`,
    `PB  - ${risText(publisher)}`,
    `PY  - ${year}`,
    `DA  - ${year}/${month}/${day}`,
    `UR  - ${risText(url)}`,
    `N1  - ${risText(note)}`,
    `ID  - ${key}`,
    'ER  - ',
    '',
  ].join('\r\n');
  const csl = [
    {
      id: key,
      type: 'dataset',
      title,
      author: authors.map((a) => ({ family: a.family, given: a.given })),
      publisher,
      version: version.version,
      issued: { 'date-parts': [[Number(year), Number(month), Number(day)]] },
      URL: url,
      note,
      license: licenseOf(document.license).url,
    },
  ];
  const text = `${document.source.authors.join(', ')} (${year}). ${title}, version ${version.version} [Data set]. ${publisher}. ${url}. ${note}`;
  return { bibtex, ris, cslJson: `${JSON.stringify(csl, null, 2)}\n`, text };
}

/** Every version's citation files, one per citation format: `datasets/<id>/cite/<version>.bib`, `.ris`, `.csl.json`. */
export const citationFilesRenderer: SiteRenderer = {
  name: 'citations',
  render: ({ datasets, baseUrl }) =>
    datasets.flatMap(({ entry, document }: SiteDataset) =>
      entry.versions.flatMap((version) => {
        const citation = citationOf(document, version, baseUrl);
        return CITATION_FORMATS.map((format) => ({
          key: citationKey(entry.id, version.version, format.extension),
          body: new TextEncoder().encode(format.text(citation)),
        }));
      }),
    ),
};
