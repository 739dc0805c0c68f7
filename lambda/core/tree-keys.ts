/**
 * The published tree's key layout: where the catalog, a version's files and
 * the `latest/` mirror live. Every key relative to the site root is built here,
 * so that the publisher, the verifier and the repair of derived files agree.
 */

/** The catalog: the history's only commit point. */
export const CATALOG_KEY = 'catalog.json';

/** The name of the mirror folder that always holds the newest listed version's files. */
export const LATEST = 'latest';

/** `datasets/<id>/` */
export function datasetFolder(id: string): string {
  return `datasets/${id}/`;
}

/** `datasets/<id>/<version>/`: an immutable version folder. */
export function versionFolder(id: string, version: string): string {
  return `${datasetFolder(id)}${version}/`;
}

/** `datasets/<id>/<version>/<name>` */
export function versionFileKey(id: string, version: string, name: string): string {
  return `${versionFolder(id, version)}${name}`;
}

/** `datasets/<id>/latest/<name>` */
export function latestFileKey(id: string, name: string): string {
  return `${datasetFolder(id)}${LATEST}/${name}`;
}

/** The file name at the end of a key. */
export function fileNameOf(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}
