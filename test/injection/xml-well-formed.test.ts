import { describe, expect, it } from 'vitest';
import { SITE_RENDERERS } from '../../lambda/core/site.js';
import { hostileSite } from './hostile-site.js';
import { HAVE_XML_PARSER, xmlParseError } from './xml-parser.js';

/** Every XML file the site renderers write for a site whose every text is hostile. */
function renderedXml(): Map<string, Uint8Array> {
  const context = hostileSite();
  const files = new Map<string, Uint8Array>();
  for (const renderer of SITE_RENDERERS) {
    for (const file of renderer.render(context)) {
      if (/\.(xml|svg)$/.test(file.key)) files.set(file.key, file.body);
    }
  }
  return files;
}

/** Characters outside XML 1.0's `Char` production (after decoding, so surrogates are already paired). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

describe('every XML document emitted is well-formed, whatever the text in it', () => {
  it('writes the feed and one SVG per chart (the checks below cover them all)', () => {
    expect([...renderedXml().keys()].sort()).toEqual([
      'datasets/enterprises/chart-enterprise-counts.svg',
      'datasets/enterprises/chart-projects-by-year.svg',
      'datasets/trade/chart-turnover.svg',
      'datasets/visits/chart-visits.svg',
      'feed.xml',
    ]);
  });

  it('holds no character XML 1.0 forbids (C0 controls, U+FFFE, U+FFFF), and no markup from the text', () => {
    for (const [key, body] of renderedXml()) {
      const text = new TextDecoder().decode(body);
      expect(NOT_XML_CHAR.exec(text)?.[0]?.codePointAt(0)?.toString(16), key).toBeUndefined();
      expect(text, key).not.toContain('<script>');
      expect(text, key).not.toContain(']]>');
    }
  });

  it.skipIf(!HAVE_XML_PARSER)('parses in a real XML parser (expat) with no error', () => {
    for (const [key, body] of renderedXml()) expect(xmlParseError(body), key).toBeUndefined();
  });
});
