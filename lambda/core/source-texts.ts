import type { IssueCode } from './issue.js';
import { NotAFileError, ObjectTooLargeError, type ObjectStore, type StoredObject } from './object-store.js';
import { normalizeSourceText } from './provenance.js';
import { decodeUtf8Document, InvalidUtf8Error } from './utf8.js';

/** The largest source text read, in bytes: a paper or a book, not a data file. */
export const MAX_SOURCE_TEXT_BYTES = 16 * 1024 * 1024;

/**
 * A source text found and made ready for matching, or why it could not be: either the run has no
 * source texts at all (`notChecked`: the quotes go unchecked, and the report says so), or it has
 * some but the one named cannot be used, a fault of the dataset reported as an issue with `code`.
 */
export type SourceTextLookup =
  | { readonly ok: true; readonly file: string; readonly text: string }
  | {
      readonly ok: false;
      /** Why, for the person running: it may name the folder on their machine. */
      readonly why: string;
      /**
       * Why, as the published validation report says it: naming no folder, so that the same inputs give the
       * same bytes wherever they are published from, and no path of the publisher's machine is published.
       */
      readonly recorded: string;
      readonly notChecked: true;
    }
  | { readonly ok: false; readonly why: string; readonly notChecked?: undefined; readonly code: IssueCode };

/** The source texts of a run, by file name (`source.file` of a descriptor). */
export interface SourceTexts {
  get(file: string): Promise<SourceTextLookup>;
}

/**
 * Source texts read from a folder or bucket prefix (`label` names it to
 * users), each read and normalised once per run however many datasets cite it.
 * A folder that holds no file at all means the run was given no source texts
 * (a deployment without them): every lookup is then `notChecked`. Once it
 * holds any, a name it does not hold is a fault of the descriptor naming it.
 */
export function sourceTextsFrom(
  store: Pick<ObjectStore, 'get' | 'list' | 'absenceOf'>,
  label: string,
): SourceTexts {
  const cache = new Map<string, Promise<SourceTextLookup>>();
  const folder = label.replace(/\/+$/, '');
  let holdsAny: Promise<boolean> | undefined;
  const anyText = async (): Promise<boolean> => {
    for await (const key of store.list('')) if (key !== '') return true;
    return false;
  };
  const read = async (file: string): Promise<SourceTextLookup> => {
    const shown = `${folder}/${file}`;
    if (!/^[A-Za-z0-9._-]+$/.test(file) || file.startsWith('.'))
      return {
        ok: false,
        why: `source file name "${file}" is not a plain file name`,
        code: 'descriptor-error',
      };
    let object: StoredObject | undefined;
    try {
      // Refused before it is read whole: a file of gigabytes named as a source would take their memory.
      object = await store.get(file, { maxBytes: MAX_SOURCE_TEXT_BYTES });
    } catch (error) {
      // A named pipe or a device stands where the text goes: the dataset's to mend, as a folder there is.
      if (error instanceof NotAFileError)
        return {
          ok: false,
          why: `source text ${shown} is no file (${error.kind} is there): put the text itself there`,
          code: 'file-missing',
        };
      if (!(error instanceof ObjectTooLargeError)) throw error;
      return {
        ok: false,
        why: `source text ${shown} is larger than ${MAX_SOURCE_TEXT_BYTES} bytes`,
        code: 'limit-exceeded',
      };
    }
    if (object === undefined) {
      // Something no reader takes for the text (a folder, a link leading out of the folder) is the
      // descriptor's fault to see, never a folder without texts, which would switch the check off.
      const there = await store.absenceOf?.(file);
      if (there !== undefined)
        return {
          ok: false,
          why: `source text ${shown} is no file (${there}): put the text itself there`,
          code: 'file-missing',
        };
      if (!(await (holdsAny ??= anyText())))
        return {
          ok: false,
          why: `the source texts folder ${folder} holds no file`,
          recorded: 'the source texts folder given to the run holds no file',
          notChecked: true,
        };
      return {
        ok: false,
        why: `source text ${shown} not found (the folder holds other source texts; check the name)`,
        code: 'file-missing',
      };
    }
    let text: string;
    try {
      text = decodeUtf8Document(object.body);
    } catch (error) {
      if (!(error instanceof InvalidUtf8Error)) throw error;
      return { ok: false, why: `source text ${shown} is not UTF-8`, code: 'encoding-error' };
    }
    return { ok: true, file: shown, text: normalizeSourceText(text) };
  };
  return {
    get(file) {
      let found = cache.get(file);
      if (found === undefined) cache.set(file, (found = read(file)));
      return found;
    },
  };
}
