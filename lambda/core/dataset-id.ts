import { codePointOf } from './text-rules.js';
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
  const fault = idFault(id);
  return `"${id}" is not a valid dataset id${fault === '' ? ':' : `${fault};`} use a lowercase letter followed by up to 62 lowercase letters, digits or hyphens`;
}

/**
 * Where `id` first departs from {@link DATASET_ID_PATTERN}, as `: its 7th character, "о" (U+043E), is not
 * one`: a letter of another script that looks like a Latin one is otherwise invisible in the message.
 */
function idFault(id: string): string {
  const characters = Array.from(id);
  if (characters.length === 0) return ': it is empty';
  const at = characters.findIndex((character, index) =>
    index === 0 ? !/^[a-z]$/.test(character) : !/^[a-z0-9-]$/.test(character),
  );
  if (at === -1) return characters.length > 63 ? `: it is ${characters.length} characters long` : '';
  const character = characters[at] ?? '';
  const code = codePointOf(character);
  const shown = /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(character) ? `"${character}" (${code})` : code;
  return `: its ${ordinal(at + 1)} character, ${shown}, is not ${at === 0 ? 'a lowercase letter' : 'a lowercase letter, digit or hyphen'}`;
}

/** `1st`, `2nd`, `3rd`, `4th`, `11th`, `22nd`… */
function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
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
