/**
 * `text` as one word a POSIX shell reads back unchanged: as it is when it holds only characters no shell
 * treats specially, otherwise in single quotes (a single quote inside written as `'\''`). For commands the
 * project prints for a user to paste (`opendata publish`'s "run … serve --dir …") and those the CDK bundling
 * hooks run with `bash -c`.
 */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
