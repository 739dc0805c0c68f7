import type { CitationFormat } from './format.js';

/** `datasets/<id>/cite/<version>.bib`: the version's citation as a BibTeX `@dataset` entry (biblatex). */
export const bibtexFormat: CitationFormat = {
  extension: 'bib',
  mediaType: 'application/x-bibtex',
  charset: 'utf-8',
  label: 'BibTeX',
  text: (citation) => citation.bibtex,
};
