/** Dataset ids are file stems and URL segments: a lowercase letter, then up to 62 lowercase letters, digits or hyphens. */
export const DATASET_ID_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

/** Folder of the source bucket that curators upload `<id>.csv` to; it replaces `data/<id>.csv` when newer. */
export const UPLOAD_FOLDER = 'incoming';

const UPLOAD_KEY = new RegExp(`^${UPLOAD_FOLDER}/([^/]+)\\.csv$`);

/** True if `id` may name a dataset (checked before any file is read or written). */
export function isValidDatasetId(id: string): boolean {
  return DATASET_ID_PATTERN.test(id);
}

/** Why `id` names no dataset, for an id {@link isValidDatasetId} refuses. */
export function invalidDatasetIdMessage(id: string): string {
  return `"${id}" is not a valid dataset id: use a lowercase letter followed by up to 62 lowercase letters, digits or hyphens`;
}

/**
 * The dataset an upload key names: `incoming/trade.csv` ⇒ `trade`. `undefined`
 * for any other key: another folder or extension, a nested path, or a stem that
 * is no valid dataset id. The key may be URL-encoded, as S3 event notifications
 * deliver it (`+` for a space, `%XX` escapes).
 */
export function datasetIdFromUploadKey(key: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    // A malformed escape (`%E0%A4%A`) names no file anyone uploaded.
    return undefined;
  }
  const id = UPLOAD_KEY.exec(decoded)?.[1];
  return id !== undefined && isValidDatasetId(id) ? id : undefined;
}
