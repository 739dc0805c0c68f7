import { spawnSync } from 'node:child_process';

/**
 * A real XML 1.0 parser for the tests, without an npm dependency: Python's
 * expat (the parser behind most XML tooling). The project has no XML parser
 * of its own, and a hand-written check would only repeat the code under test.
 */
const PYTHON = 'python3';
const EXPAT = [
  'import sys, xml.parsers.expat',
  'p = xml.parsers.expat.ParserCreate()',
  'try:',
  '    p.Parse(sys.stdin.buffer.read(), True)',
  'except xml.parsers.expat.ExpatError as e:',
  '    print(e)',
  '    sys.exit(1)',
].join('\n');

/** True when expat can be run; tests that need it skip (with a message) otherwise. */
export const HAVE_XML_PARSER =
  spawnSync(PYTHON, ['-c', 'import xml.parsers.expat'], { stdio: 'ignore' }).status === 0;
if (!HAVE_XML_PARSER) console.warn(`Skipping XML parser checks: ${PYTHON} with expat not found.`);

/** Parses the bytes as an XML document: its error message, or `undefined` when well-formed. */
export function xmlParseError(bytes: Uint8Array): string | undefined {
  const result = spawnSync(PYTHON, ['-c', EXPAT], { input: bytes, encoding: 'utf8' });
  if (result.status === 0) return undefined;
  return `${result.stdout}${result.stderr}`.trim() || `exit ${String(result.status)}`;
}
