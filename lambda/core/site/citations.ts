import type { CatalogVersion } from '../catalog.js';
import { authorName, isOrganization, splitName, type Author } from '../authors.js';
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

/** The URL a version is cited by: its place on the dataset page, which lists its files. */
export function versionUrl(baseUrl: string, id: string, version: string): string {
  return `${absoluteUrl(baseUrl, datasetPagePath(id))}#${versionAnchor(version)}`;
}

/**
 * An author in a BibTeX `author` field, where ` and ` separates names and a name is read as
 * "Family, Given": an organisation's whole name in braces, which BibTeX keeps as one family name,
 * uncut and unturned; a person's family and given names, each braced when it holds the word "and".
 */
function bibAuthor(author: Author): string {
  if (isOrganization(author)) return `{${bibText(author.organization)}}`;
  const { family, given } = splitName(author);
  const part = (text: string): string =>
    /(^|\s)and(\s|$)/i.test(text) ? `{${bibText(text)}}` : bibText(text);
  return given === '' ? part(family) : `${part(family)}, ${part(given)}`;
}

/** An author as RIS states one (`AU`): a person as "Family, Given", an organisation's name as written. */
function risAuthor(author: Author): string {
  if (isOrganization(author)) return risText(author.organization);
  const { family, given } = splitName(author);
  return given === '' ? risText(family) : `${risText(family)}, ${risText(given)}`;
}

/** An author as CSL-JSON states one: a person's family and given names, an organisation as a literal name. */
function cslAuthor(
  author: Author,
): { readonly family: string; readonly given: string } | { readonly literal: string } {
  if (isOrganization(author)) return { literal: author.organization };
  const { family, given } = splitName(author);
  return { family, given };
}

// Every character a reader may end a line at that showHiddenCharacters leaves as it is: line feed, carriage
// return and the line and paragraph separators (Python's splitlines ends a line at each). The text rules
// refuse them in a descriptor's one-line fields; a version published before they did may still hold them.
const LINE_BREAKS = /[\r\n\u2028\u2029]+/g;

// BibTeX treats braces, backslashes and a few others as markup; they are escaped so any text stays literal.
function bibText(text: string): string {
  return showHiddenCharacters(text)
    .replace(LINE_BREAKS, ' ')
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
  return showHiddenCharacters(text).replace(LINE_BREAKS, ' ');
}

/** Builds every citation format of one version of a dataset. */
export function citationOf(document: DatasetDocument, version: CatalogVersion, baseUrl: string): Citation {
  const url = versionUrl(baseUrl, document.id, version.version);
  const published = version.published.slice(0, 10);
  const [year = '', month = '', day = ''] = published.split('-');
  const { authors } = document.source;
  const title = document.title;
  const publisher = document.publisher.name;
  const note = `Transcribed from: ${document.source.citation}`;
  const key = `${document.id}-${version.version}`.replace(/[^A-Za-z0-9-]/g, '-');
  const bibtex = [
    `@dataset{${key},`,
    `  author = {${authors.map(bibAuthor).join(' and ')}},`,
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
    ...authors.map((author) => `AU  - ${risAuthor(author)}`),
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
      author: authors.map(cslAuthor),
      publisher,
      version: version.version,
      issued: { 'date-parts': [[Number(year), Number(month), Number(day)]] },
      URL: url,
      note,
      license: licenseOf(document.license).url,
    },
  ];
  const text = `${authors.map(authorName).join(', ')} (${year}). ${title}, version ${version.version} [Data set]. ${publisher}. ${url}. ${note}`;
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
