import type { ObjectStore } from './object-store.js';
import { normalizeSourceText } from './provenance.js';

/** The largest source text read, in bytes: a paper or a book, not a data file. */
export const MAX_SOURCE_TEXT_BYTES = 16 * 1024 * 1024;

/** A source text found and made ready for matching, or why it could not be. */
export type SourceTextLookup =
  | { readonly ok: true; readonly file: string; readonly text: string }
  | { readonly ok: false; readonly why: string };

/** The source texts of a run, by file name (`source.file` of a descriptor). */
export interface SourceTexts {
  get(file: string): Promise<SourceTextLookup>;
}

/**
 * Source texts read from a folder or bucket prefix (`label` names it to
 * users), each read and normalised once per run however many datasets cite it.
 */
export function sourceTextsFrom(store: Pick<ObjectStore, 'get'>, label: string): SourceTexts {
  const cache = new Map<string, Promise<SourceTextLookup>>();
  const read = async (file: string): Promise<SourceTextLookup> => {
    const shown = `${label.replace(/\/+$/, '')}/${file}`;
    if (!/^[A-Za-z0-9._-]+$/.test(file) || file.startsWith('.'))
      return { ok: false, why: `source file name "${file}" is not a plain file name` };
    const object = await store.get(file);
    if (object === undefined) return { ok: false, why: `source text ${shown} not found` };
    if (object.body.byteLength > MAX_SOURCE_TEXT_BYTES)
      return { ok: false, why: `source text ${shown} is larger than ${MAX_SOURCE_TEXT_BYTES} bytes` };
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(object.body);
    } catch {
      return { ok: false, why: `source text ${shown} is not UTF-8` };
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
