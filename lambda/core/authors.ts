/**
 * The authors of a dataset's source (`source.authors` in `schemas/dataset.schema.json`): a person,
 * written as a name ("A.N. Ospanova", or family name first with a comma: "Ospanova, A.N."), or an organisation, written `{ "organization": "…" }`, whose
 * name is never split into family and given names or cut at an "and".
 */
export type Author = string | { readonly organization: string };

/** An author's name as written. */
export function authorName(author: Author): string {
  return typeof author === 'string' ? author : author.organization;
}

/** Whether the author is an organisation rather than a person. */
export function isOrganization(author: Author): author is { readonly organization: string } {
  return typeof author !== 'string';
}

/**
 * A person's name split as reference formats want it: `A.N. Ospanova` → family `Ospanova`, given
 * `A.N.`; a name written family first with a comma, `Ospanova, A.N.`, is split at the comma.
 */
export function splitName(name: string): { readonly family: string; readonly given: string } {
  const comma = name.indexOf(',');
  if (comma !== -1) return { family: name.slice(0, comma).trim(), given: name.slice(comma + 1).trim() };
  const parts = name.trim().split(/\s+/);
  const family = parts.pop() ?? name;
  return { family, given: parts.join(' ') };
}
