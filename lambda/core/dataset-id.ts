/** Dataset ids are file stems and URL segments: a lowercase letter, then up to 62 lowercase letters, digits or hyphens. */
export const DATASET_ID_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;

/** True if `id` may name a dataset (checked before any file is read or written). */
export function isValidDatasetId(id: string): boolean {
  return DATASET_ID_PATTERN.test(id);
}
