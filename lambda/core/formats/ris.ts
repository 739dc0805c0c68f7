import type { CitationFormat } from './format.js';

/** `datasets/<id>/cite/<version>.ris`: the version's citation as an RIS `DATA` record. */
export const risFormat: CitationFormat = {
  extension: 'ris',
  mediaType: 'application/x-research-info-systems',
  charset: 'utf-8',
  label: 'RIS',
  text: (citation) => citation.ris,
};
