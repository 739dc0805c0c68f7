/**
 * `text` as a stream cut at `cuts` (each taken modulo the text's length plus one, then sorted), as a file
 * arrives in pieces: the readers' property tests cut their input anywhere with it.
 */
export async function* textPieces(text: string, cuts: readonly number[]): AsyncGenerator<string> {
  let from = 0;
  for (const cut of [...cuts].map((at) => at % (text.length + 1)).sort((a, b) => a - b)) {
    yield text.slice(from, cut);
    from = cut;
  }
  yield text.slice(from);
}
